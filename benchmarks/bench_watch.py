"""From save to verdict in watch mode (target: median <= 150 ms), with file events and with
polling alone, side by side in one run.

A workspace of solved katas is watched by `pytest-ninja watch` in a subprocess; kata 07 is
rewritten (alternately right and wrong) and the time from the write to the `verdict:` line on
the watcher's output is measured.

    python benchmarks/bench_watch.py [--saves 15]
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


def measure(saves: int, events: bool) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(ROOT / "solutions", root / "katas",
                        ignore=shutil.ignore_patterns("__pycache__"))
        args = [] if events else ["--no-events"]
        proc = subprocess.Popen([sys.executable, "-m", "pytest_ninja.cli", "watch", "--dir",
                                 str(root), *args], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, bufsize=1,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        lines: queue.Queue[tuple[float, str]] = queue.Queue()

        def pump():
            for line in proc.stdout:
                lines.put((time.perf_counter(), line))

        threading.Thread(target=pump, daemon=True).start()

        def wait_for(text: str) -> float:
            while True:
                stamp, line = lines.get(timeout=120)
                if text in line:
                    return stamp

        wait_for("watching katas/")
        kata = root / "katas" / "07_backward_tanh.py"
        right = (ROOT / "solutions" / "07_backward_tanh.py").read_text()
        took = []
        for i in range(saves):
            time.sleep(0.3 + random.random() * 0.1)  # not in step with the poll
            text = WRONG if i % 2 == 0 else right
            start = time.perf_counter()
            kata.write_text(text)
            verdict = "failed" if text == WRONG else "passed"
            took.append(wait_for(f"verdict: 07_backward_tanh {verdict}") - start)
        proc.stdin.write("q\n")
        proc.stdin.flush()
        proc.wait(30)
        return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=15)
    args = parser.parse_args()
    for events in (True, False):
        took = measure(args.saves, events)
        label = "events + poll" if events else "polling alone"
        print(f"{label:<14} save -> verdict: median {statistics.median(took) * 1e3:6.1f} ms, "
              f"max {max(took) * 1e3:6.1f} ms over {len(took)} saves (target median <= 150 ms)")


if __name__ == "__main__":
    main()
