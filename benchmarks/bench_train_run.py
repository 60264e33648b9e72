"""How long does exercise 4's whole run take with the hand-written backward pass, and with autograd?

N steps (default the lecture's 200,000, batch 32, n_hidden 200) with the reference
`backward_mlp` (solutions/14_backward_mlp.py) and with autograd's `loss.backward()`, from the
same init and batches; prints both times and their ratio. Two ways to run them:

- `--mode interleaved` (default): one loop drives both runs step by step (`training.compare`),
  timing each run's steps apart; each run's time is its steps plus the loop's shared work
  (drawing batches). A busy moment on a shared machine slows both alike.
- `--mode sequential`: `training.train` once each way, one after the other, `--repeats R`
  times (alternating which goes first), medians of the wall times.

    python benchmarks/bench_train_run.py [--steps 200000] [--mode sequential --repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import torch

from pytest_ninja.core.loading import load_function
from pytest_ninja.levels import find
from pytest_ninja.levels.mlp import training

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solutions" / "14_backward_mlp.py"
SHARED_NAMES = ROOT.parent / "shared" / "data" / "names.txt"
TARGET = 1.5  # the minimum speed-up for the full run


def interleaved(backward, splits, config) -> tuple[float, float]:
    """Seconds of each run, measured side by side in one loop."""
    c = training.compare(backward, splits, config)
    shared = c.yours.wall_seconds - c.yours.seconds - c.autograd.seconds  # batches, bookkeeping
    hand, auto = c.yours.seconds + shared, c.autograd.seconds + shared
    for name, seconds, result in (("hand-written", hand, c.yours), ("autograd", auto, c.autograd)):
        print(
            f"  {name:>12}: {seconds:7.1f} s  ({config.steps / seconds:,.0f} steps/s)  "
            f"train {result.train_loss:.4f}  val {result.val_loss:.4f}"
        )
    print(f"  (one loop of {c.yours.wall_seconds:.1f} s, {shared:.1f} s of it shared)")
    return hand, auto


def sequential(backward, splits, config, repeats: int) -> tuple[float, float]:
    """Median wall seconds of each run, run one after the other."""
    arms = {"hand-written": backward, "autograd": training.AUTOGRAD}
    seconds: dict[str, list[float]] = {name: [] for name in arms}
    for r in range(repeats):
        for name in list(arms) if r % 2 == 0 else list(reversed(arms)):
            result = training.train(arms[name], splits, config)
            seconds[name].append(result.wall_seconds)
            print(
                f"  {name:>12}: {result.wall_seconds:7.1f} s  "
                f"({result.steps_per_second:,.0f} steps/s)  train {result.train_loss:.4f}  "
                f"val {result.val_loss:.4f}",
                flush=True,
            )
    return statistics.median(seconds["hand-written"]), statistics.median(seconds["autograd"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--mode", choices=("interleaved", "sequential"), default="interleaved")
    parser.add_argument("--repeats", type=int, default=1, help="sequential runs of each")
    parser.add_argument(
        "--names",
        type=Path,
        default=None,
        help="names.txt (default: ../shared/data/names.txt, else the cache or a "
        "download, as `pytest-ninja train` finds it)",
    )
    args = parser.parse_args(argv)

    from pytest_ninja.levels.names import load_names

    names = args.names or (SHARED_NAMES if SHARED_NAMES.is_file() else None)
    splits = training.Splits.from_words(load_names(names).words)
    backward = load_function(SOLUTION, find("backward_mlp"))
    config = training.TrainConfig(steps=args.steps)
    print(
        f"torch {torch.__version__}, {training.step_threads(config)} thread(s) in the loop; "
        f"{args.steps:,} steps, batch {config.batch_size}, n_hidden {config.n_hidden}, "
        f"{args.mode}" + (f", {args.repeats} repeat(s)" if args.mode == "sequential" else "")
    )
    if args.mode == "interleaved":
        hand, auto = interleaved(backward, splits, config)
    else:
        hand, auto = sequential(backward, splits, config, args.repeats)
    ratio = auto / hand
    print(
        f"hand-written {hand:.1f} s, autograd {auto:.1f} s: {ratio:.2f}x faster "
        f"(target {TARGET}x: {'met' if ratio >= TARGET else 'NOT met'})"
    )
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
