"""What level 2 costs the learner's loop: `pytest katas/` with both levels solved, beside the
same with level 1 alone.

Side by side in one run, alternating in fresh processes so the machine's noise hits both
alike: two workspaces made by `init`, one with level 1's katas, one with every level's
(`init --level 1,2`), each kata replaced by its reference solution. Prints each median and the
ratio (the issue asks for at most 1.3x).

    python benchmarks/bench_levels.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench_pytest_solutions import wall  # the same stopwatch, beside this script

from pytest_ninja.levels import FIRST, KATAS
from pytest_ninja.loop.workspace import init

ROOT = Path(__file__).resolve().parent.parent


def solved(where: Path, katas) -> Path:
    init(where, katas)
    for kata in katas:
        shutil.copy(ROOT / "solutions" / kata.filename, where / "katas" / kata.filename)
    return where


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    command = [sys.executable, "-m", "pytest", "katas/", "-q", "-p", "no:cacheprovider"]
    with tempfile.TemporaryDirectory() as tmp:
        runs = {
            f"level 1 alone ({len(FIRST)} katas)": solved(Path(tmp) / "one", FIRST),
            f"every level ({len(KATAS)} katas)": solved(Path(tmp) / "all", KATAS),
        }
        times: dict[str, list[float]] = {name: [] for name in runs}
        for cwd in runs.values():
            wall(command, cwd)  # warm the file cache and the bytecode
        for _ in range(args.rounds):
            for name, cwd in runs.items():
                times[name].append(wall(command, cwd))
    (one, one_t), (every, every_t) = ((n, statistics.median(t)) for n, t in times.items())
    print(f"{one:<28} median {one_t:.3f} s")
    print(f"{every:<28} median {every_t:.3f} s  ratio {every_t / one_t:.2f}")


if __name__ == "__main__":
    main()
