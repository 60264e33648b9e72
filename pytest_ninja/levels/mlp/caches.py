"""Level 1's two grading phases: the lecture's cache, and a stress cache built to break guesses.

- **lecture**: the lecture's cache (seeded init, a batch of 32 from the shipped word list);
  upstream gradients are autograd's gradients of the lecture's loss, what the video checks.
- **stress**: a second cache *constructed* so its properties always hold: another seed, a
  batch of 23 with another hidden size, repeated tokens, a vocabulary entry absent from the
  batch; upstream gradients are random, so gradients that are ~0 for the lecture's loss
  (`dlogit_maxes`, `db1`) and constants hard-wired to 32 or 64 are really tested.

The forward pass runs once per phase in float64 from float32 parameters (`model`); the core's
`problems.build_problem` turns a cache into each kata's inputs and float64 references. Caches
are built once per process.
"""

from __future__ import annotations

import functools

import torch

from pytest_ninja.core.level import Kata
from pytest_ninja.core.problems import Cache, Problem, build_problem
from pytest_ninja.levels.mlp import model as lecture
from pytest_ninja.levels.mlp.phases import (
    LECTURE,
    PHASES,
    STRESS,
    STRESS_BATCH,
    STRESS_HIDDEN,
    STRESS_SEED,
)

__all__ = ["LECTURE", "PHASES", "STRESS", "STRESS_BATCH", "STRESS_HIDDEN", "STRESS_SEED"]

STRESS_ABSENT_TOKEN = lecture.VOCAB_SIZE - 1  # 'z' never appears in the stress batch


def lecture_batch(
    g: torch.Generator, n: int = lecture.BATCH_SIZE
) -> tuple[torch.Tensor, torch.Tensor]:
    """A minibatch drawn from the shipped word list, as the lecture draws from names.txt."""
    X, Y = lecture.build_dataset(lecture.shipped_words())
    ix = torch.randint(0, X.shape[0], (n,), generator=g)
    return X[ix], Y[ix]


def stress_batch(g: torch.Generator, n: int = STRESS_BATCH) -> tuple[torch.Tensor, torch.Tensor]:
    """A batch built so that its properties hold for every seed.

    Tokens come from the vocabulary minus one entry (so that entry's dC row must stay 0), and
    the first two rows are the same context (so a dC that does not accumulate repeated tokens
    is wrong even where n * block_size would not force repeats).
    """
    Xb = torch.randint(0, STRESS_ABSENT_TOKEN, (n, lecture.BLOCK_SIZE), generator=g)
    Xb[1] = Xb[0]
    Yb = torch.randint(0, lecture.VOCAB_SIZE, (n,), generator=g)
    return Xb, Yb


def _build(phase: str, seed: int, n_hidden: int, batch) -> Cache:
    g = torch.Generator().manual_seed(seed)
    params = lecture.init_params(g, n_hidden=n_hidden)
    Xb, Yb = batch(g)
    leaves = {k: v.double().requires_grad_() for k, v in params.as_dict().items()}
    atoms = lecture.forward_atoms(lecture.Params(**leaves), Xb, Yb)
    tensors = {**leaves, "Xb": Xb, "Yb": Yb, **atoms}
    for t in atoms.values():
        t.retain_grad()
    floats = [name for name, t in tensors.items() if t.requires_grad and name != "loss"]
    grads = torch.autograd.grad(atoms["loss"], [tensors[k] for k in floats], retain_graph=True)
    loss_grads = dict(zip(floats, grads))
    loss_grads["loss"] = torch.ones((), dtype=torch.float64)
    return Cache(phase, seed, Xb.shape[0], tensors, loss_grads, random_upstream=phase == STRESS)


@functools.lru_cache(maxsize=8)
def cache(phase: str, seed: int | None = None) -> Cache:
    """The phase's cache, built once per process (per seed)."""
    if phase == LECTURE:
        return _build(
            LECTURE, lecture.SEED if seed is None else seed, lecture.N_HIDDEN, lecture_batch
        )
    if phase == STRESS:
        return _build(STRESS, STRESS_SEED if seed is None else seed, STRESS_HIDDEN, stress_batch)
    raise ValueError(f"unknown phase {phase!r}")


@functools.lru_cache(maxsize=128)
def problem(kata: Kata, phase: str, seed: int | None = None) -> Problem:
    """The kata's inputs and reference answers in one phase (cached; hand out fresh_inputs)."""
    return build_problem(kata, cache(phase, seed))
