"""The grader's own cost per check, beyond the learner's function (target: <= 2 ms).

For every kata's reference solution, in one run: the median time of `grade_function` (both
phases: fresh inputs, the call, the checks of the answers) and the median time of calling
the solution itself on the same inputs twice (once per phase); the difference, divided by
the kata's checks, is the grader's overhead per check.

    python benchmarks/bench_grader_overhead.py [--repeats 30]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch

from pytest_ninja.core.grading import grade_function
from pytest_ninja.core.loading import load_function
from pytest_ninja.levels import KATAS
from pytest_ninja.levels.mlp import caches as phases

ROOT = Path(__file__).resolve().parent.parent


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    per_check = []
    print(f"{'kata':<26} {'grade':>9} {'function':>9} {'overhead/check':>15}")
    for kata in KATAS:
        func = load_function(ROOT / "solutions" / kata.filename, kata)
        problems = [phases.problem(kata, p) for p in phases.PHASES]
        grade_function(func, kata)  # warm the caches

        def call_only(func=func, problems=problems):
            with torch.no_grad():
                for p in problems:
                    func(**p.fresh_inputs())

        graded = median_time(lambda func=func, kata=kata: grade_function(func, kata), args.repeats)
        alone = median_time(call_only, args.repeats)
        overhead = (graded - alone) / len(kata.outputs)
        per_check.append(overhead)
        print(f"{kata.id:<26} {graded * 1e3:8.2f}ms {alone * 1e3:8.2f}ms {overhead * 1e3:13.3f}ms")
    print(
        f"median overhead per check: {statistics.median(per_check) * 1e3:.3f} ms, "
        f"largest {max(per_check) * 1e3:.3f} ms (target <= 2 ms)"
    )


if __name__ == "__main__":
    main()
