"""`pytest-ninja watch`: re-grade a kata the moment its file is saved.

One long-lived process imports torch and warms the grading core once (it grades the dojo's
own solutions), then grades each kata in a child forked from itself (`runner`): a grade starts
in milliseconds, and it can be stopped. A save or `q` that arrives while a kata is being graded
(an endless loop, say) kills the child at once; the saved kata is graded next, and a kata that
was stopped by another kata's save is graded again after it. A child that dies (`os._exit`, a
segfault, out of memory) is an error for that kata, in one line.

A save of `katas/NN_name.py` is noticed by file events (watchfiles, when installed) and by a
light poll of modification times beside them (events are silently missed on WSL, network
drives and in containers). Verdicts come from the same grading core, with the same messages, as
the plugin's (the time limit is named as watch's `--timeout`); progress goes to the same file as
`pytest katas/`, so the two never disagree; and a kata that passes in an `init` workspace has
its solution revealed in `solutions/`, as a pytest run does.

Keys: Enter re-runs everything, `h` shows the hint of the kata you are on (the one saved last),
`q` quits; any other key shows the keys. At a terminal they are single keys (cbreak mode);
without one, lines on standard input do the same. Where the system cannot fork, grading runs
in this process, and a save or `q` waits for the grade in progress (watch says so at start).
"""

from __future__ import annotations

import codecs
import os
import select
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path

from pytest_ninja.core import runner
from pytest_ninja.core.level import Kata
from pytest_ninja.core.result import KataResult, Status
from pytest_ninja.core.settings import DEFAULTS, Settings
from pytest_ninja.levels import kata_for_file
from pytest_ninja.loop import workspace
from pytest_ninja.loop.workspace import Workspace

SETTLE = 0.005  # seconds a changed file must stay unchanged before it is graded
RUN, HINT, QUIT, HELP = "run", "hint", "quit", "help"
KEYS = {"": RUN, "\n": RUN, "\r": RUN, "h": HINT, "q": QUIT}
KEYS_HELP = "keys: Enter runs everything, h shows a hint, q quits"
PROMPT = "watching katas/ (Enter: run all, h: hint, q: quit)"
BYE = "bye: your progress is saved in katas/.ninja-progress.json"
IN_PROCESS = (
    "grading in this process (this system cannot fork): a save or q waits for the grade in progress"
)


def run(
    folder: Path,
    settings: Settings = DEFAULTS,
    poll: float = 0.05,
    events: bool = True,
    out=sys.stdout,
) -> int:
    """Grade every kata once; then, until `q`: wait for a save or a key, grade what was saved
    (a newer save or `q` stops a grade at once), answer the keys. Returns the exit code."""
    w = Watcher(workspace.find(folder), settings, poll, out)
    try:
        with _FileEvents(folder, events, w.say) as wake, _Keys() as keys:
            w.attach(wake, keys)
            w.start()
            while not w.quitting:
                w.wait()
                w.grade_pending()
                w.obey()
            w.say(BYE)
    except KeyboardInterrupt:
        w.say("\nbye")
    return 0


@dataclass
class Watcher:
    """The state of one watch session over a workspace's `katas/` folder."""

    space: Workspace
    settings: Settings = DEFAULTS
    poll: float = 0.05  # seconds between two looks at the files' modification times
    out: object = sys.stdout
    seen: dict[Path, tuple[int, int]] = field(default_factory=dict)
    results: dict[str, KataResult] = field(default_factory=dict)
    pending: list[Kata] = field(default_factory=list)  # to grade, in this order
    commands: deque[str] = field(default_factory=deque)  # keys pressed, not answered yet
    quitting: bool = False
    wake: int | None = None  # readable when a file event came in
    keys: _Keys | None = None

    @property
    def folder(self) -> Path:
        return self.space.folder

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def attach(self, wake: int | None, keys: _Keys | None) -> None:
        self.wake, self.keys = wake, keys

    def fds(self) -> list[int]:
        """What a wait wakes up for: file events and keys (while standard input is open)."""
        keys = self.keys.fd if self.keys is not None else None
        return [fd for fd in (self.wake, keys) if fd is not None]

    # -- the steps of the loop --------------------------------------------------------------

    def start(self) -> None:
        self.say("pytest-ninja watch: grading every kata once...")
        self.warm_up()
        self.run_all()
        self.grade_pending()

    def wait(self) -> None:
        """Until there is something to do: a save to grade, a key to answer, or `q`."""
        while not (self.pending or self.commands or self.quitting):
            ready, _, _ = select.select(self.fds(), [], [], self.poll)
            self.notice(ready)

    def grade_pending(self) -> None:
        """Grade the pending katas, record them in one write, reveal, redraw the panel."""
        graded: dict[str, KataResult] = {}
        while self.pending and not self.quitting:
            kata = self.pending.pop(0)
            if not (self.folder / kata.filename).exists():
                continue
            result = self.grade(kata)
            if result is None:  # stopped by a save (graded after it) or by `q`
                if kata not in self.pending:
                    self.pending.append(kata)
                continue
            graded[kata.id] = result
        if graded:
            self.record(graded)

    def obey(self) -> None:
        """Answer the keys pressed meanwhile."""
        from pytest_ninja.loop.coach import show_hint

        while self.commands and not self.quitting:
            command = self.commands.popleft()
            if command == RUN:
                self.run_all()
            elif command == HINT:
                self.say("\n".join(show_hint(self.space)))
            else:
                self.say(KEYS_HELP)

    # -- noticing saves and keys ------------------------------------------------------------

    def notice(self, ready: list[int]) -> bool:
        """Take in what woke us (file events, keys) and any save; True when a grade in
        progress must stop: a kata was saved, or `q` was pressed."""
        if self.wake is not None and self.wake in ready:
            try:
                os.read(self.wake, 4096)
            except BlockingIOError:
                pass
        if self.keys is not None and self.keys.fd is not None and self.keys.fd in ready:
            for command in self.keys.read():
                if command == QUIT:
                    self.quitting = True
                else:
                    self.commands.append(command)
        saved = self.saves()
        return bool(saved) or self.quitting

    def saves(self) -> list[Kata]:
        """The katas saved since the last look, once their files have settled; they go first
        in the queue."""
        changed = self.scan()
        if changed:  # a save may come in pieces (truncate, then write): let it settle
            for _ in range(20):
                time.sleep(SETTLE)
                more = self.scan()
                if not more:
                    break
                changed += [k for k in more if k not in changed]
        for kata in changed:
            self.say(f"\nsaved: {kata.filename} ({time.strftime('%H:%M:%S')})")
        self.pending = changed + [k for k in self.pending if k not in changed]
        return changed

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

    def run_all(self) -> None:
        self.scan()  # before grading: a save made while grading is still noticed after
        self.pending = list(self.space.katas)

    # -- grading ----------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Import torch and build every kata's problems here, once, so that each child forked
        to grade starts with them (the dojo's own solutions are graded, quietly)."""
        from pytest_ninja.core.grading import grade_file
        from pytest_ninja.levels import bundled

        if not runner.CAN_FORK:
            self.say(IN_PROCESS)
        try:
            solutions = bundled("solutions")
        except FileNotFoundError:
            return
        for kata in self.space.katas:
            if (solutions / kata.filename).is_file():
                grade_file(solutions / kata.filename, kata, self.settings)

    def grade(self, kata: Kata) -> KataResult | None:
        """Grade one kata in a child and say its verdict; None when a save or `q` stopped it."""
        from pytest_ninja.core.grading import grade_file

        path = self.folder / kata.filename
        limit = self.settings.time_limit
        outcome = runner.run(
            grade_file,
            (path, kata, self.settings, f"katas/{kata.filename}"),
            timeout=2 * limit + 5 if limit else None,  # a backstop: the limit is per phase
            wake=self.fds,
            interrupt=self.notice,
            poll=self.poll,
        )
        if isinstance(outcome, runner.Killed):
            return None
        result = outcome.value if isinstance(outcome, runner.Done) else self.stopped(kata, outcome)
        self.results[kata.id] = result
        self.say(f"verdict: {kata.id} {result.status} {result.passed}/{len(kata.outputs)}")
        said = []
        for check in result.checks.values():
            if check.status in (Status.FAILED, Status.ERROR) and check.message not in said:
                said.append(check.message)
                self.say("  " + check.message.replace("\n", "\n  "))
        return result

    def stopped(self, kata: Kata, outcome: runner.Failure) -> KataResult:
        """A grade that died or ran past the backstop: an error for every check, one line."""
        from pytest_ninja.core.grading import digest_of
        from pytest_ninja.core.loading import function_line
        from pytest_ninja.core.result import every_check

        line = f"{kata.id} stopped: {outcome.why}"
        if isinstance(outcome, runner.TimedOut):
            line += f" (the limit is set by {self.settings.timeout_flag})"
        path = self.folder / kata.filename
        return replace(
            every_check(kata, Status.ERROR, line),
            path=f"katas/{kata.filename}",
            line=function_line(path, kata.name),
            digest=digest_of(path),
        )

    def record(self, graded: dict[str, KataResult]) -> None:
        """Into the progress file, in one write; the solutions earned; then the panel."""
        from pytest_ninja.loop.panel import passed_katas

        progress = self.space.record(graded)
        revealed = [
            f"solution revealed: {path.relative_to(self.space.root)} (compare it with yours)"
            for kata in passed_katas(graded, progress)
            if (path := self.space.reveal(kata, progress))
        ]
        if self.quitting:
            for line in revealed:
                self.say(line)
            return
        self.panel(progress, revealed)

    def panel(self, progress, extra: list[str]) -> None:
        from pytest_ninja.loop import progress as progress_file
        from pytest_ninja.loop.panel import panel_lines

        if progress is None:
            progress = progress_file.load(self.folder)
        lines = [f"  warning: {progress.warning}"] if progress.warning else []
        hint = self.space.auto_hint(progress)
        lines += panel_lines(self.space, "katas", self.results, progress, hint)
        self.say("\n".join([*lines, *extra, PROMPT]))


class _FileEvents:
    """A pipe that turns readable when watchfiles reports an event in the folder (a thread
    listens); without watchfiles, or with events off, it stays quiet and polling does it all."""

    def __init__(self, folder: Path, events: bool, say) -> None:
        self.folder, self.events, self.say = folder, events, say
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> int:
        self.read, self.write = os.pipe()
        os.set_blocking(self.read, False)
        os.set_blocking(self.write, False)
        if self.events:
            try:
                from watchfiles import watch
            except ImportError:
                self.say("file events: watchfiles is not installed, polling only")
            else:
                self.thread = threading.Thread(target=self._listen, args=(watch,), daemon=True)
                self.thread.start()
        return self.read

    def _listen(self, watch) -> None:
        try:
            for _ in watch(
                self.folder,
                stop_event=self.stop,
                debounce=0,
                step=10,
                rust_timeout=500,
                yield_on_timeout=False,
            ):
                try:
                    os.write(self.write, b"e")
                except BlockingIOError:  # the pipe is full: a wake-up is already waiting
                    pass
        except Exception:  # noqa: BLE001 - the folder went away: polling still sees the rest
            return

    def __exit__(self, *exc) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(1.0)
            if self.thread.is_alive():  # it may still write: leave its pipe open
                return
        os.close(self.read)
        os.close(self.write)


class _Keys:
    """Enter / h / q from standard input: single keys at a terminal, lines otherwise."""

    def __init__(self) -> None:
        try:
            self.fd: int | None = sys.stdin.fileno()
        except (AttributeError, ValueError, OSError):
            self.fd = None
        self.tty = self.fd is not None and os.isatty(self.fd)
        self.saved = None
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.partial = ""  # a line not ended yet

    def __enter__(self):
        if self.tty:
            import termios
            import tty

            self.saved = termios.tcgetattr(self.fd)
            tty.setcbreak(self.fd)
        return self

    def __exit__(self, *exc):
        if self.saved is not None:
            import termios

            termios.tcsetattr(self.fd, termios.TCSADRAIN, self.saved)

    def read(self) -> list[str]:
        """The commands typed since the last read: run, hint, quit or help (for any other
        key). At the end of input there are no more: the watch goes on until `q` or Ctrl-C."""
        try:
            data = os.read(self.fd, 1024)
        except (BlockingIOError, InterruptedError):
            return []
        except OSError:
            data = b""
        if not data:
            self.fd = None
            return []
        text = self.decoder.decode(data)
        if self.tty:
            commands = [KEYS.get(key.lower(), HELP) for key in text]
        else:
            *lines, self.partial = (self.partial + text).split("\n")
            commands = [KEYS.get(line.strip().lower(), HELP) for line in lines]
        return [c for i, c in enumerate(commands) if c != HELP or HELP not in commands[:i]]
