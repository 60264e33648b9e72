"""What grading costs beyond the floor `python -c "import torch, pytest"`, no pytest-based
grader can beat.

Side by side in one run, alternating in fresh processes so the machine's noise hits all
alike: the floor; `pytest solutions/ -q` on level 1's reference solutions (target <= 1.5x);
and `pytest katas/ -q` in a learner's workspace made by `init` (level 1) with every kata
solved (target <= 1.3x). Level 2's cost beside level 1 is `bench_levels.py`'s. Prints each
median and the ratios.

    python benchmarks/bench_pytest_solutions.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pytest_ninja.levels import FIRST
from pytest_ninja.loop.workspace import init

ROOT = Path(__file__).resolve().parent.parent


def wall(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr.decode()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workspace, solutions = Path(tmp) / "dojo", Path(tmp) / "solutions"
        init(workspace)
        solutions.mkdir()
        for kata in FIRST:
            shutil.copy(ROOT / "solutions" / kata.filename, workspace / "katas" / kata.filename)
            shutil.copy(ROOT / "solutions" / kata.filename, solutions / kata.filename)
        runs = {
            "floor": ([sys.executable, "-c", "import torch, pytest"], ROOT),
            "pytest solutions/ -q": (
                [sys.executable, "-m", "pytest", "solutions/", "-q", "-p", "no:cacheprovider"],
                Path(tmp),
            ),
            "pytest katas/ -q (all solved)": (
                [sys.executable, "-m", "pytest", "katas/", "-q"],
                workspace,
            ),
        }
        times = {name: [] for name in runs}
        for cmd, cwd in runs.values():
            wall(cmd, cwd)  # warm the file cache and the bytecode
        for _ in range(args.rounds):
            for name, (cmd, cwd) in runs.items():
                times[name].append(wall(cmd, cwd))
    floor = statistics.median(times["floor"])
    targets = {"pytest solutions/ -q": 1.5, "pytest katas/ -q (all solved)": 1.3}
    print(f"{'floor: import torch, pytest':<32} median {floor:.3f} s")
    for name, target in targets.items():
        m = statistics.median(times[name])
        print(f"{name:<32} median {m:.3f} s  ratio {m / floor:.2f} (target <= {target})")


if __name__ == "__main__":
    main()
