"""Level 1's grading caches: the lecture's, and four stress batches built to break guesses.

- **lecture**: the lecture's cache (seeded init, a batch of 32 from the shipped word list);
  upstream gradients are autograd's gradients of the lecture's loss, what the video checks.
- **stress**: a cache *constructed* so its properties always hold: another seed, a batch of 23
  with another hidden size, repeated tokens, a vocabulary entry absent from the batch;
  upstream gradients are random, so gradients that are ~0 for the lecture's loss
  (`dlogit_maxes`, `db1`) and constants hard-wired to 32 or 64 are really tested.
- **stress-eps**, **stress-saturated**, **stress-small**: the stress batch's construction at
  other sizes, each with one fragile regime built in whatever the seed (`phases` says why):
  two hidden units whose pre-activation variance is set to 1e-5 and 4e-5
  (`nearly_constant_units`); logits scaled so the widest row is 50 wide and shifted so the
  largest is 100 (`large_logits`); a batch of 4.

One cache per regime, never one cache with every regime at once: an eps-level column makes
its `bnvar_inv` ~300 and saturated logits make `dprobs = 1/probs` ~1e21, and a tolerance
relative to a tensor's largest entry would then loosen for every other entry. Each regime's
own cache keeps its tolerances its own; the other phases still check every entry at normal
scale. The forward pass runs once per cache in float64 from float32 parameters (`model`); the
core's `problems.build_problem` turns a cache into each kata's inputs and float64 references.
Caches are built once per process (per seed).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import torch

from pytest_ninja.core.level import Kata
from pytest_ninja.core.problems import Cache, Problem, build_problem
from pytest_ninja.levels.mlp import model as lecture
from pytest_ninja.levels.mlp.phases import (
    EPS,
    EPS_BATCH,
    EPS_HIDDEN,
    EPS_VARIANCES,
    LECTURE,
    PHASES,
    SATURATED,
    SATURATED_BATCH,
    SATURATED_GAP,
    SATURATED_HIDDEN,
    SATURATED_TOP,
    SMALL,
    SMALL_BATCH,
    SMALL_HIDDEN,
    STRESS,
    STRESS_BATCH,
    STRESS_HIDDEN,
    STRESS_SEED,
)

__all__ = [
    "EPS",
    "EPS_VARIANCES",
    "LECTURE",
    "PHASES",
    "SATURATED",
    "SATURATED_GAP",
    "SATURATED_TOP",
    "SMALL",
    "STRESS",
    "STRESS_BATCH",
    "STRESS_HIDDEN",
    "STRESS_SEED",
]

STRESS_ABSENT_TOKEN = lecture.VOCAB_SIZE - 1  # 'z' never appears in the stress batch
EPS_MEAN = 0.01  # the nearly constant units' mean: small, so float32 keeps their deviations


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


def _forward(params: lecture.Params, Xb: torch.Tensor, Yb: torch.Tensor) -> dict:
    as64 = lecture.Params(**{k: v.double() for k, v in params.as_dict().items()})
    return lecture.forward_atoms(as64, Xb, Yb)


def nearly_constant_units(params: lecture.Params, Xb, Yb) -> lecture.Params:
    """The first hidden units' pre-activations get variances `EPS_VARIANCES` (eps is 1e-5).

    Their column of W1 is scaled to that variance and their b1 set so the column's mean is
    `EPS_MEAN`: small, so that float32 keeps the deviations from it (at a mean of 1 a correct
    answer recomputing the variance in float32 would lose a margin of ten).
    """
    hprebn = _forward(params, Xb, Yb)["hprebn"]
    for j, variance in enumerate(EPS_VARIANCES):
        params.W1[:, j] *= (variance / hprebn[:, j].var().item()) ** 0.5
    hprebn = _forward(params, Xb, Yb)["hprebn"]
    for j in range(len(EPS_VARIANCES)):
        params.b1[j] += EPS_MEAN - hprebn[:, j].mean().item()
    return params


def large_logits(params: lecture.Params, Xb, Yb) -> lecture.Params:
    """W2 scaled so the widest row of logits is `SATURATED_GAP` wide, b2 shifted so the
    largest logit is `SATURATED_TOP`: softmax saturates, an unshifted exp overflows float32,
    and every probability stays a normal float32 (~e**-50 at the least)."""
    logits = _forward(params, Xb, Yb)["logits"]
    spread = logits - params.b2.double()
    params.W2 *= SATURATED_GAP / (spread.max(1).values - spread.min(1).values).max().item()
    logits = _forward(params, Xb, Yb)["logits"]
    params.b2 += SATURATED_TOP - logits.max().item()
    return params


@dataclass(frozen=True)
class Regime:
    """How one stress cache is built: its sizes, and what is done to its parameters."""

    batch: int
    hidden: int
    adjust: Callable | None = None


REGIMES: dict[str, Regime] = {
    STRESS: Regime(STRESS_BATCH, STRESS_HIDDEN),
    SMALL: Regime(SMALL_BATCH, SMALL_HIDDEN),
    EPS: Regime(EPS_BATCH, EPS_HIDDEN, nearly_constant_units),
    SATURATED: Regime(SATURATED_BATCH, SATURATED_HIDDEN, large_logits),
}


def _build(phase: str, seed: int, n_hidden: int, batch, adjust: Callable | None = None) -> Cache:
    g = torch.Generator().manual_seed(seed)
    params = lecture.init_params(g, n_hidden=n_hidden)
    Xb, Yb = batch(g)
    if adjust is not None:
        params = adjust(params, Xb, Yb)
    leaves = {k: v.double().requires_grad_() for k, v in params.as_dict().items()}
    atoms = lecture.forward_atoms(lecture.Params(**leaves), Xb, Yb)
    tensors = {**leaves, "Xb": Xb, "Yb": Yb, **atoms}
    for t in atoms.values():
        t.retain_grad()
    floats = [name for name, t in tensors.items() if t.requires_grad and name != "loss"]
    grads = torch.autograd.grad(atoms["loss"], [tensors[k] for k in floats], retain_graph=True)
    loss_grads = dict(zip(floats, grads))
    loss_grads["loss"] = torch.ones((), dtype=torch.float64)
    return Cache(phase, seed, Xb.shape[0], tensors, loss_grads, random_upstream=phase != LECTURE)


@functools.lru_cache(maxsize=8)
def cache(phase: str, seed: int | None = None) -> Cache:
    """The phase's cache, built once per process (per seed)."""
    if phase == LECTURE:
        return _build(
            LECTURE, lecture.SEED if seed is None else seed, lecture.N_HIDDEN, lecture_batch
        )
    if phase in REGIMES:
        regime = REGIMES[phase]
        return _build(
            phase,
            STRESS_SEED if seed is None else seed,
            regime.hidden,
            functools.partial(stress_batch, n=regime.batch),
            regime.adjust,
        )
    raise ValueError(f"unknown phase {phase!r}")


@functools.lru_cache(maxsize=128)
def problem(kata: Kata, phase: str, seed: int | None = None) -> Problem:
    """The kata's inputs and reference answers in one phase (cached; hand out fresh_inputs)."""
    return build_problem(kata, cache(phase, seed))
