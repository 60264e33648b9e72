"""How fast is one training step with the hand-written backward pass, against autograd?

One step is what `pytest-ninja train` does each time: the lecture's fused forward pass
(F.cross_entropy), the gradients, and the SGD update. The hand-written arm gets its gradients
from the reference `backward_mlp` (solutions/14_backward_mlp.py); the autograd arm from
`loss.backward()` on the same forward pass. Same model (n_hidden 200, the lecture's init), same
batches, batches of 32, 256 and 4096, in one run: the two arms take turns in repetitions of
many steps, and each reports its median time per step.

    python benchmarks/bench_train_step.py [--names ../shared/data/names.txt] [--repeats 15]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from interleaved import drawer, medians

from pytest_ninja.core.loading import load_function
from pytest_ninja.levels import find
from pytest_ninja.levels.mlp import model as lecture
from pytest_ninja.levels.mlp import training

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solutions" / "14_backward_mlp.py"
SHARED_NAMES = ROOT.parent / "shared" / "data" / "names.txt"
BATCHES = (32, 256, 4096)
TARGETS = {32: 1.5, 4096: 1.0}  # the minimum speed-ups
STEP_BUDGET = 0.25  # seconds per repetition of each arm


def words_for(path: Path | None) -> list[str]:
    from pytest_ninja.levels.names import read_words

    if path is None and SHARED_NAMES.is_file():
        path = SHARED_NAMES
    return read_words(path) if path is not None else lecture.shipped_words()


def bench(batch: int, splits: training.Splits, backward, repeats: int) -> dict[str, float]:
    """Median seconds per step of each arm at this batch size, their repetitions interleaved.

    With as many threads as `pytest-ninja train` would use at this batch size (one at 32).
    """
    config = training.TrainConfig(batch_size=batch)
    with training.threads(training.step_threads(config)):
        return _bench(batch, splits, backward, repeats, config)


def _bench(batch, splits, backward, repeats, config) -> dict[str, float]:
    p = training.init_run(config)[0]
    arms = {
        "hand": training.hand_step(backward, training.clone_params(p)),
        "autograd": training.autograd_step(training.clone_params(p)),
    }
    draw = drawer(splits.Xtr, splits.Ytr, batch)
    with torch.no_grad():
        return medians(arms, draw, repeats, STEP_BUDGET)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--names",
        type=Path,
        default=None,
        help="names.txt (default: ../shared/data/names.txt, else the shipped list)",
    )
    parser.add_argument("--repeats", type=int, default=15, help="repetitions of each arm")
    parser.add_argument("--batches", type=int, nargs="+", default=list(BATCHES))
    args = parser.parse_args(argv)

    backward = load_function(SOLUTION, find("backward_mlp"))
    splits = training.Splits.from_words(words_for(args.names))
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; n_hidden 200, "
        f"{args.repeats} interleaved repetitions, medians"
    )
    print(f"{'batch':>6}  {'threads':>7}  {'hand-written':>14}  {'autograd':>14}  {'speed-up':>8}")
    ok = True
    for batch in args.batches:
        t = bench(batch, splits, backward, args.repeats)
        ratio = t["autograd"] / t["hand"]
        target = TARGETS.get(batch)
        verdict = (
            ""
            if target is None
            else (f"  (target {target}x: {'met' if ratio >= target else 'NOT met'})")
        )
        ok &= target is None or ratio >= target
        threads = training.step_threads(training.TrainConfig(batch_size=batch))
        print(
            f"{batch:>6}  {threads:>7}  {t['hand'] * 1e6:>11.0f} us  "
            f"{t['autograd'] * 1e6:>11.0f} us  {ratio:>7.2f}x{verdict}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
