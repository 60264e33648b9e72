"""How fast is one level-2 training step with the reference backward_gpt, against autograd?

One step is what `pytest-ninja train --level 2` does each time: the GPT's forward pass
(`model.forward`, the one the katas are cut from), the gradients, and the dojo's AdamW. The
hand-written arm runs the forward pass under no_grad and gets its gradients from the reference
`backward_gpt` (solutions/23_backward_gpt.py) on what the pass kept (`model.kept`); the
autograd arm runs the same forward pass with autograd recording, then `loss.backward()`. Same
model (nanoGPT's init), same batches of 32 names, one thread as in training, in one run: the
two arms take turns in repetitions of many steps, and each reports its median time per step.

    python benchmarks/bench_gpt_step.py [--names ../shared/data/names.txt] [--repeats 15]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from interleaved import drawer, medians

from pytest_ninja.core.loading import load_function
from pytest_ninja.levels import find
from pytest_ninja.levels.gpt import model, training

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solutions" / "23_backward_gpt.py"
SHARED_NAMES = ROOT.parent / "shared" / "data" / "names.txt"
TARGET = 1.0  # the minimum speed-up of the reference step over autograd's
STEP_BUDGET = 0.5  # seconds per repetition of each arm


def words_for(path: Path | None) -> list[str]:
    from pytest_ninja.levels.names import read_words

    if path is None and SHARED_NAMES.is_file():
        path = SHARED_NAMES
    return read_words(path) if path is not None else model.shipped_words()


def bench(splits: training.Splits, backward, repeats: int, batch: int) -> dict[str, float]:
    """Median seconds per step of each arm, their repetitions interleaved."""
    config = training.TrainConfig(batch_size=batch)
    params = training.init_run(config)[0]
    arms = {
        "hand": training.hand_step(backward, training.clone_params(params), config),
        "autograd": training.autograd_step(training.clone_params(params), config),
    }
    draw = drawer(splits.Xtr, splits.Ytr, batch)
    with torch.no_grad(), training.threads(training.step_threads(config)):
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
    parser.add_argument("--batch", type=int, default=32, help="names a step (default: 32)")
    args = parser.parse_args(argv)

    backward = load_function(SOLUTION, find("backward_gpt"))
    splits = training.Splits.from_words(words_for(args.names))
    gpt = training.GPT
    print(
        f"torch {torch.__version__}, 1 thread; the GPT of {gpt.n_layer} layers, {gpt.n_head} "
        f"heads, {gpt.n_embd} channels, batch {args.batch} x {gpt.block_size}; "
        f"{args.repeats} interleaved repetitions, medians"
    )
    t = bench(splits, backward, args.repeats, args.batch)
    ratio = t["autograd"] / t["hand"]
    met = "met" if ratio >= TARGET else "NOT met"
    print(f"{'reference backward_gpt':>24}  {'autograd':>10}  {'speed-up':>8}")
    print(
        f"{t['hand'] * 1e3:>21.2f} ms  {t['autograd'] * 1e3:>7.2f} ms  {ratio:>7.2f}x"
        f"  (target {TARGET}x: {met})"
    )
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
