"""`pytest-ninja watch`: re-grade a kata the moment its file is saved.

A long-lived process imports torch once, grades every kata, then waits. A save of
`katas/NN_name.py` is noticed by file events (watchfiles, when installed) and by a light poll
of modification times beside them (events are silently missed on WSL, network drives and in
containers); only that kata is imported afresh and graded, with the same grading core and the
same messages as the plugin, and the panel is redrawn. Progress goes to the same file as
`pytest katas/`, so the two never disagree.

Keys: Enter re-runs everything, `h` shows the next hint, `q` quits. At a terminal they are
single keys (cbreak mode); without one, lines on standard input do the same.
"""

from __future__ import annotations

import os
import queue
import select
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .catalogue import KATAS, Kata, kata_for_file
from .panel import panel_lines
from .result import KataResult, Status
from .settings import DEFAULTS, Settings

SETTLE = 0.005  # seconds a changed file must stay unchanged before it is graded


@dataclass
class Watcher:
    """The state of one watch session over a workspace's `katas/` folder."""

    folder: Path
    settings: Settings = DEFAULTS
    poll: float = 0.05  # seconds between two looks at the files' modification times
    events: bool = True  # also listen to file events (watchfiles), when it is installed
    out: object = sys.stdout
    seen: dict[Path, tuple[int, int]] = field(default_factory=dict)
    results: dict[str, KataResult] = field(default_factory=dict)

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    # -- grading ----------------------------------------------------------------------------

    def grade(self, kata: Kata, record: bool = True) -> KataResult | None:
        """Grade one kata, say its verdict; its progress is recorded unless `record` is off."""
        from .grading import grade_file
        from .workspace import record_run

        path = self.folder / kata.filename
        if not path.exists():
            return None
        result = grade_file(path, kata, self.settings, f"katas/{kata.filename}")
        self.results[kata.id] = result
        if record:
            record_run(self.folder, {kata.id: result})
        self.say(f"verdict: {kata.id} {result.status} {result.passed}/{len(kata.outputs)}")
        for check in result.checks.values():
            if check.status in (Status.FAILED, Status.ERROR):
                self.say("  " + check.message.replace("\n", "\n  "))
        return result

    def grade_all(self) -> None:
        """Every kata, recorded in one write of the progress file."""
        from .workspace import record_run

        self.scan()  # before grading: a save made while grading is still noticed after
        graded = {k.id: r for k in KATAS if (r := self.grade(k, record=False)) is not None}
        record_run(self.folder, graded)

    def panel(self) -> None:
        from . import progress as progress_file
        from .workspace import auto_hint

        progress = progress_file.load(self.folder)
        self.say(
            "\n".join(
                panel_lines(self.folder, "katas", self.results, progress, auto_hint(progress))
            )
        )
        self.say("watching katas/ (Enter: run all, h: hint, q: quit)")

    # -- noticing saves ---------------------------------------------------------------------

    def scan(self) -> list[Kata]:
        """The katas whose files changed since the last scan (by mtime and size)."""
        changed = []
        for path in sorted(self.folder.glob("[0-9][0-9]_*.py")):
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            stamp = (st.st_mtime_ns, st.st_size)
            if self.seen.get(path) != stamp:
                self.seen[path] = stamp
                kata = kata_for_file(path.stem)
                if kata is not None:
                    changed.append(kata)
        return changed


def _listen(folder: Path, wake: int, stop: threading.Event, notes: queue.Queue) -> None:
    """File events from watchfiles, turned into a byte on the wake pipe."""
    try:
        from watchfiles import watch
    except ImportError:
        notes.put("file events: watchfiles is not installed, polling only")
        return
    for _ in watch(
        folder, stop_event=stop, debounce=0, step=10, rust_timeout=500, yield_on_timeout=False
    ):
        os.write(wake, b"e")


class _Keys:
    """Enter / h / q from standard input: single keys at a terminal, lines otherwise."""

    def __init__(self) -> None:
        self.stream = sys.stdin
        self.tty = self.stream is not None and self.stream.isatty()
        self.saved = None

    def __enter__(self):
        if self.tty:
            import termios
            import tty

            self.saved = termios.tcgetattr(self.stream)
            tty.setcbreak(self.stream)
        return self

    def __exit__(self, *exc):
        if self.saved is not None:
            import termios

            termios.tcsetattr(self.stream, termios.TCSADRAIN, self.saved)

    def fileno(self) -> int | None:
        try:
            return self.stream.fileno()
        except (AttributeError, ValueError, OSError):
            return None

    def read(self) -> str | None:
        """The command typed: "run", "hint", "quit", or None (end of input)."""
        if self.tty:
            key = os.read(self.stream.fileno(), 1).decode(errors="replace")
        else:
            key = self.stream.readline()
            if key == "":
                return None
        key = key.strip().lower()
        return {"": "run", "h": "hint", "q": "quit"}.get(key, "run" if self.tty else "unknown")


def run(
    folder: Path,
    settings: Settings = DEFAULTS,
    poll: float = 0.05,
    events: bool = True,
    out=sys.stdout,
) -> int:
    """Watch until `q` or the end of standard input; the exit code."""
    w = Watcher(folder, settings, poll, events, out)
    w.say("pytest-ninja watch: grading every kata once...")
    w.grade_all()
    w.panel()
    wake_read, wake_write = os.pipe()
    stop, notes = threading.Event(), queue.Queue()
    if events:
        threading.Thread(
            target=_listen, args=(folder, wake_write, stop, notes), daemon=True
        ).start()
    stdin_open = True
    try:
        with _Keys() as keys:
            while True:
                while not notes.empty():
                    w.say(notes.get())
                sources = [wake_read] + (
                    [keys.fileno()] if stdin_open and keys.fileno() is not None else []
                )
                ready, _, _ = select.select(sources, [], [], poll)
                if wake_read in ready:
                    os.read(wake_read, 4096)
                changed = w.scan()
                if changed:  # a save may come in pieces (truncate, then write): let it settle
                    for _ in range(20):
                        time.sleep(SETTLE)
                        more = w.scan()
                        if not more:
                            break
                        changed += [k for k in more if k not in changed]
                for kata in changed:
                    w.say(f"\nsaved: {kata.filename} ({time.strftime('%H:%M:%S')})")
                    w.grade(kata)
                if changed:
                    w.panel()
                if stdin_open and keys.fileno() in ready:
                    command = keys.read()
                    if command is None:
                        stdin_open = False  # no more input: keep watching until killed
                        continue
                    if command == "quit":
                        w.say("bye: your progress is saved in katas/.ninja-progress.json")
                        return 0
                    if command == "hint":
                        from argparse import Namespace

                        from .commands import hint

                        hint(Namespace(dir=str(folder.parent), kata=None, level=None))
                    elif command == "run":
                        w.grade_all()
                        w.panel()
                    else:
                        w.say("keys: Enter runs everything, h shows a hint, q quits")
    except KeyboardInterrupt:
        w.say("\nbye")
        return 0
    finally:
        stop.set()
        os.close(wake_read)
        os.close(wake_write)
