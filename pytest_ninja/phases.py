"""The two grading phases and each kata's problem in them: inputs, reference answer, scale.

- **lecture**: the lecture's cache (seeded init, a batch of 32 from the shipped word list);
  upstream gradients are autograd's gradients of the lecture's loss, what the video checks.
- **stress**: a second cache *constructed* so its properties always hold: another seed, a
  batch of 23 with another hidden size, repeated tokens, a vocabulary entry absent from the
  batch; upstream gradients are random, so gradients that are ~0 for the lecture's loss
  (`dlogit_maxes`, `db1`) and constants hard-wired to 32 or 64 are really tested.

The forward pass runs once per phase in float64 from float32 parameters; the learner gets the
float32 values of every tensor and the reference answers are float64 vector-Jacobian products
through the same lines. Caches are built once per process and never handed out: every call
gets fresh copies.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch

from . import lecture
from .catalogue import Kata
from .compare import SCALE_FROM

LECTURE = "lecture"
STRESS = "stress"
PHASES = (LECTURE, STRESS)

STRESS_SEED = 20_231_107
STRESS_BATCH = 23  # not 32: a hard-wired 32 must fail
STRESS_HIDDEN = 40  # not 64: a hard-wired 64 must fail
STRESS_ABSENT_TOKEN = lecture.VOCAB_SIZE - 1  # 'z' never appears in the stress batch


@dataclass(frozen=True)
class Cache:
    """One phase's forward pass: float64 tensors still attached to their graph."""

    phase: str
    seed: int
    n: int
    n_hidden: int
    tensors: dict[str, torch.Tensor]  # parameters, Xb, Yb and every atom, float64 with graph
    loss_grads: dict[str, torch.Tensor]  # d loss / d tensor for every tensor above (float64)


@dataclass(frozen=True)
class Problem:
    """What one kata is given and must return in one phase."""

    phase: str
    n: int
    inputs: dict[str, torch.Tensor | int]  # float32 tensors (int64 for Xb, Yb) and n
    expected: dict[str, torch.Tensor]  # float64 reference, keyed by output (`dhprebn`)
    scale: dict[str, float]  # the magnitude each output's tolerance is relative to

    def fresh_inputs(self) -> dict[str, torch.Tensor | int]:
        """Copies the kata may do anything with; the cache stays untouched."""
        return {k: v.clone() if isinstance(v, torch.Tensor) else v for k, v in self.inputs.items()}


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
    return Cache(phase, seed, Xb.shape[0], n_hidden, tensors, loss_grads)


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


def _upstream(kata: Kata, c: Cache) -> dict[str, torch.Tensor]:
    """The float32 upstream gradient of each frontier tensor: the loss's, or random (stress)."""
    if c.phase == LECTURE:
        return {t: c.loss_grads[t].float() for t in kata.frontier}
    g = torch.Generator().manual_seed(c.seed * 100 + kata.number)
    return {
        t: torch.ones(()) if t == "loss" else torch.randn(c.tensors[t].shape, generator=g)
        for t in kata.frontier
    }


@functools.lru_cache(maxsize=128)
def problem(kata: Kata, phase: str, seed: int | None = None) -> Problem:
    """The kata's inputs and reference answers in one phase (cached; hand out fresh_inputs)."""
    c = cache(phase, seed)
    upstream = _upstream(kata, c)
    inputs: dict[str, torch.Tensor | int] = {}
    for name in kata.inputs:
        if name == "n":
            inputs[name] = c.n
        elif name.startswith("d") and name[1:] in upstream:
            inputs[name] = upstream[name[1:]].clone()
        else:
            inputs[name] = (
                c.tensors[name]
                .detach()
                .to(torch.float32 if c.tensors[name].is_floating_point() else torch.int64)
                .clone()
            )
    targets = [out[1:] for out in kata.outputs]
    floors = [SCALE_FROM[out] for out in kata.outputs if out in SCALE_FROM]
    wrt = targets + [f[1:] for f in floors]
    # The vector-Jacobian product as the gradient of sum(frontier * upstream): the same numbers
    # as passing grad_outputs, without the slow import torch makes for grad_outputs.
    contraction = sum((c.tensors[t] * upstream[t].double()).sum() for t in kata.frontier)
    grads = torch.autograd.grad(contraction, [c.tensors[t] for t in wrt], retain_graph=True)
    by_name = {f"d{t}": gr.detach() for t, gr in zip(wrt, grads)}
    expected = {out: by_name[out] for out in kata.outputs}
    scale = {}
    for out in kata.outputs:
        s = expected[out].abs().max().item()
        if out in SCALE_FROM:
            s = max(s, by_name[SCALE_FROM[out]].abs().max().item())
        scale[out] = s
    return Problem(phase, c.n, inputs, expected, scale)
