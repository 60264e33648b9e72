"""What class grading's isolation costs beside the learner's in-process loop.

Side by side in one run, alternating in fresh processes so the machine's noise hits all alike:
`pytest katas/ -q` in a workspace with every kata solved (the loop: the learner's functions run
in the grading process), and `pytest-ninja grade --for exit-code` on the same folder (a class:
the grader imports all of its code first, and every function runs in a worker process, its
answers sent back as data). Prints each median and the ratio.

    python benchmarks/bench_class_grading.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench_pytest_solutions import wall  # the same stopwatch, beside this script

from pytest_ninja.levels import FIRST
from pytest_ninja.loop.workspace import init

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp) / "dojo"
        init(workspace)
        for kata in FIRST:  # the workspace's katas: the lecture's, graded alike by both
            shutil.copy(ROOT / "solutions" / kata.filename, workspace / "katas" / kata.filename)
        grade = [sys.executable, "-I", "-m", "pytest_ninja.cli", "grade", str(workspace)]
        runs = {
            "loop: pytest katas/ -q": ([sys.executable, "-m", "pytest", "katas/", "-q"], workspace),
            "class: grade --for exit-code": ([*grade, "--for", "exit-code"], workspace),
        }
        times = {name: [] for name in runs}
        for cmd, cwd in runs.values():
            wall(cmd, cwd)  # warm the file cache and the bytecode
        for _ in range(args.rounds):
            for name, (cmd, cwd) in runs.items():
                times[name].append(wall(cmd, cwd))
    loop, cls = (statistics.median(t) for t in times.values())
    print(f"{'loop: pytest katas/ -q':<32} median {loop:.3f} s")
    print(f"{'class: grade --for exit-code':<32} median {cls:.3f} s  ratio {cls / loop:.2f}")


if __name__ == "__main__":
    main()
