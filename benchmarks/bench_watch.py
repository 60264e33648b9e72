"""Watch mode's latencies (target: median <= 150 ms from a save to its verdict, and a grade in
progress stopped within 0.5 s), with file events and with polling alone, in one run.

A workspace of solved katas is watched by `pytest-ninja watch` in a subprocess:

- save -> verdict: kata 07 is rewritten (alternately right and wrong) and the time from the
  write to the `verdict:` line on the watcher's output is measured;
- interrupts: kata 07 is made an endless loop; once it is being graded, the fix is saved and
  the time from that write to the `verdict: ... passed` line is measured; at the end, with the
  endless loop graded again, the time from `q` to `bye`.

    python benchmarks/bench_watch.py [--saves 15] [--interrupts 3]
"""

from __future__ import annotations

import argparse
import os
import queue
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRONG = "def backward_tanh(hpreact, h, dh):\n    return (1 - hpreact**2) * dh\n"
ENDLESS = "def backward_tanh(hpreact, h, dh):\n    while True:\n        pass\n"
BUSY = 0.3  # seconds the endless loop runs before the fix (or `q`) comes in


class Watch:
    """`pytest-ninja watch` over a workspace of solved katas, its lines time-stamped."""

    def __init__(self, root: Path, events: bool):
        shutil.copytree(
            ROOT / "solutions", root / "katas", ignore=shutil.ignore_patterns("__pycache__")
        )
        args = [] if events else ["--no-events"]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pytest_ninja.cli", "watch", "--dir", str(root), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: queue.Queue[tuple[float, str]] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self.kata = root / "katas" / "07_backward_tanh.py"
        self.right = (ROOT / "solutions" / "07_backward_tanh.py").read_text()
        self.wait_for("watching katas/")

    def _pump(self):
        for line in self.proc.stdout:
            self.lines.put((time.perf_counter(), line))

    def wait_for(self, text: str) -> float:
        while True:
            stamp, line = self.lines.get(timeout=120)
            if text in line:
                return stamp

    def save(self, text: str) -> float:
        start = time.perf_counter()
        self.kata.write_text(text)
        return start

    def busy(self) -> None:
        """Save the endless loop and wait until it is being graded."""
        self.save(ENDLESS)
        self.wait_for("saved: 07_backward_tanh.py")
        time.sleep(BUSY)

    def quit(self) -> float:
        start = time.perf_counter()
        self.proc.stdin.write("q\n")
        self.proc.stdin.flush()
        took = self.wait_for("bye") - start
        self.proc.wait(30)
        return took


def measure(saves: int, interrupts: int, events: bool) -> tuple[list, list, float]:
    with tempfile.TemporaryDirectory() as tmp:
        w = Watch(Path(tmp), events)
        took = []
        for i in range(saves):
            time.sleep(0.3 + random.random() * 0.1)  # not in step with the poll
            text = WRONG if i % 2 == 0 else w.right
            start = w.save(text)
            verdict = "failed" if text == WRONG else "passed"
            took.append(w.wait_for(f"verdict: 07_backward_tanh {verdict}") - start)
        stopped = []
        for _ in range(interrupts):
            w.busy()
            start = w.save(w.right)
            stopped.append(w.wait_for("verdict: 07_backward_tanh passed") - start)
        w.busy()
        return took, stopped, w.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=15)
    parser.add_argument("--interrupts", type=int, default=3)
    args = parser.parse_args()
    for events in (True, False):
        took, stopped, quit_took = measure(args.saves, args.interrupts, events)
        label = "events + poll" if events else "polling alone"
        print(
            f"{label:<14} save -> verdict: median {statistics.median(took) * 1e3:6.1f} ms, "
            f"max {max(took) * 1e3:6.1f} ms over {len(took)} saves (target median <= 150 ms)"
        )
        if stopped:
            print(
                f"{'':<14} endless loop, fix saved -> verdict: median "
                f"{statistics.median(stopped) * 1e3:6.1f} ms, max {max(stopped) * 1e3:6.1f} ms "
                f"over {len(stopped)}; q -> bye: {quit_took * 1e3:.1f} ms (target <= 500 ms)"
            )


if __name__ == "__main__":
    main()
