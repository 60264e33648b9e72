"""How much `pytest solutions/ -q` costs beyond the floor `python -c "import torch, pytest"`.

Both commands run alternately in fresh processes, side by side in one run, so the machine's
noise hits both alike; prints each one's median wall time and the ratio (target: <= 1.5).

    python benchmarks/bench_pytest_solutions.py [--rounds 7] [--target DIR]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr.decode()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--target", default="solutions/", help="what pytest runs")
    args = parser.parse_args()
    floor_cmd = [sys.executable, "-c", "import torch, pytest"]
    dojo_cmd = [sys.executable, "-m", "pytest", args.target, "-q", "-p", "no:cacheprovider"]
    wall(floor_cmd), wall(dojo_cmd)  # warm the file cache
    floor, dojo = [], []
    for _ in range(args.rounds):
        floor.append(wall(floor_cmd))
        dojo.append(wall(dojo_cmd))
    f, d = statistics.median(floor), statistics.median(dojo)
    print(f"floor  python -c 'import torch, pytest'   median {f:.3f} s")
    print(f"dojo   pytest {args.target} -q{' ' * max(0, 16 - len(args.target))}median {d:.3f} s")
    print(f"ratio  {d / f:.2f}  (target <= 1.5)")


if __name__ == "__main__":
    main()
