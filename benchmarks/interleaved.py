"""Two training steps timed against each other: the benchmarks' shared way of taking turns.

Each arm is warmed up on one batch, a repetition is sized to a time budget, and the arms take
turns (in alternating order) for a number of repetitions over the same batches; each arm's
median seconds per step comes back. A step is called as `step(X, Y, lr)` with lr 0, so the
model stays at its init and every repetition is alike. Used by `bench_train_step.py` (level
1) and `bench_gpt_step.py` (level 2).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import torch

Batch = tuple[torch.Tensor, torch.Tensor]


def drawer(X: torch.Tensor, Y: torch.Tensor, batch: int) -> Callable[[], Batch]:
    """Batches of `batch` rows of X and Y, drawn with a generator seeded by the batch size."""
    g = torch.Generator().manual_seed(batch)

    def draw() -> Batch:
        ix = torch.randint(0, X.shape[0], (batch,), generator=g)
        return X[ix], Y[ix]

    return draw


def time_steps(step, batches: list[Batch]) -> float:
    """Seconds per step over the given batches."""
    start = time.perf_counter()
    for X, Y in batches:
        step(X, Y, 0.0)  # lr 0: the model stays at its init, so every repetition is alike
    return (time.perf_counter() - start) / len(batches)


def medians(
    arms: dict[str, Callable], draw: Callable[[], Batch], repeats: int, budget: float
) -> dict[str, float]:
    """Median seconds per step of each arm, their repetitions interleaved; call under no_grad.

    `draw` gives a batch; each repetition is sized to about `budget` seconds of the slowest
    warm-up.
    """
    one = draw()
    per_step = 1e-6
    for step in arms.values():  # warm up, and size each repetition to the budget
        per_step = max(per_step, time_steps(step, [one] * 3))
    batches = [draw() for _ in range(max(5, int(budget / per_step)))]
    times: dict[str, list[float]] = {name: [] for name in arms}
    for r in range(repeats):
        order = list(arms) if r % 2 == 0 else list(reversed(arms))
        for name in order:
            times[name].append(time_steps(arms[name], batches))
    return {name: statistics.median(t) for name, t in times.items()}
