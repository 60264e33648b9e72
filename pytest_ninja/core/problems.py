"""What a kata is given and must return in one phase: its inputs, the references, the scale.

A level builds one `Cache` per phase: its forward pass in float64, every tensor still attached
to its graph, with the loss's gradient of each, and the whole numbers a kata may take besides
the batch size `n` (`scalars`: a GPT's head count). `build_problem` turns a cache into one
kata's `Problem`: the float32 values of its inputs, an upstream gradient at each of its frontier
tensors (the loss's own in the first phase, random ones in a stress phase, so that gradients
that are ~0 for the loss and numbers hard-wired to the first batch are really tested), and
the float64 vector-Jacobian products through the same lines as references. Every call of a
learner's function gets fresh copies; the cache is never handed out.

A problem also knows the references of the gradients a fused kata computes without returning
them (`intermediate`), and what a kata would return if one of its gradients were wrong and
every later step right (`implied`): the diagnosis uses both to say where in the backward pass
a mistake is. Both come from the cache's graph: the backward pass is linear in the gradient
flowing back, so a wrong gradient at a tensor adds its vector-Jacobian product to each output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from pytest_ninja.core.kata import Kata


@dataclass(frozen=True)
class Cache:
    """One phase's forward pass: float64 tensors still attached to their graph."""

    phase: str
    seed: int
    n: int  # the batch size
    tensors: dict[str, torch.Tensor]  # parameters, data and every atom, float64 with graph
    loss_grads: dict[str, torch.Tensor]  # d loss / d tensor for every tensor above (float64)
    random_upstream: bool = False  # a stress phase: random upstream gradients, not the loss's
    scalars: dict[str, int] = field(default_factory=dict)  # whole-number inputs besides n


@dataclass(frozen=True)
class Problem:
    """What one kata is given and must return in one phase."""

    phase: str
    n: int
    # float32 tensors (integer data as int64), n, scalars, dicts of tensors (a kata's groups)
    inputs: dict[str, torch.Tensor | int | dict[str, torch.Tensor]]
    expected: dict[str, torch.Tensor]  # float64 reference, keyed by output
    scale: dict[str, float]  # the magnitude each output's tolerance is relative to
    # float64 references of the gradients the kata computes without returning them
    intermediate: dict[str, torch.Tensor] = field(default_factory=dict)
    # (gradient, its change) -> each output's change; see `implied`
    propagate: Callable[[str, torch.Tensor], dict[str, torch.Tensor]] | None = field(
        default=None, repr=False, compare=False
    )

    def fresh_inputs(self) -> dict:
        """Copies the kata may do anything with (a dict input's tensors each copied); the
        cache stays untouched."""
        return {k: _copy(v) for k, v in self.inputs.items()}

    def reference(self, grad: str) -> torch.Tensor:
        """The float64 reference of one of the kata's gradients, returned or not."""
        return self.expected[grad] if grad in self.expected else self.intermediate[grad]

    def implied(self, grad: str, value: torch.Tensor) -> dict[str, torch.Tensor]:
        """The outputs the kata returns if `grad` is `value` and every later step is right."""
        delta = value.double() - self.reference(grad)
        changes = self.propagate(grad, delta) if self.propagate else {}
        implied = {}
        for out, ref in self.expected.items():
            implied[out] = ref + changes[out] if out in changes else ref
        if grad in implied:
            implied[grad] = value.double()
        return implied


def _copy(value):
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, dict):
        return {k: v.clone() for k, v in value.items()}
    return value


def _float32(tensor: torch.Tensor) -> torch.Tensor:
    tensor = tensor.detach()
    return tensor.to(torch.float32 if tensor.is_floating_point() else torch.int64).clone()


def upstream_of(kata: Kata, c: Cache) -> dict[str, torch.Tensor]:
    """The float32 upstream gradient of each frontier tensor: the loss's, or random (stress)."""
    if not c.random_upstream:
        return {t: c.loss_grads[t].float() for t in kata.frontier}
    g = torch.Generator().manual_seed(c.seed * 100 + kata.number)
    return {
        t: torch.ones(()) if t == "loss" else torch.randn(c.tensors[t].shape, generator=g)
        for t in kata.frontier
    }


def build_problem(kata: Kata, c: Cache) -> Problem:
    """The kata's inputs and reference answers in one phase's cache."""
    upstream = upstream_of(kata, c)
    inputs: dict = {}
    for name in kata.inputs:
        if name == "n":
            inputs[name] = c.n
        elif name in c.scalars:
            inputs[name] = c.scalars[name]
        elif name.startswith("d") and name[1:] in upstream:
            inputs[name] = upstream[name[1:]].clone()
        elif kata.group(name) is not None:
            inputs[name] = {key: _float32(c.tensors[key]) for key in kata.group(name)}
        else:
            inputs[name] = _float32(c.tensors[name])
    targets = [out[1:] for out in kata.outputs]
    floors = [src for out in kata.outputs if (src := kata.scale_source(out))]
    wrt = targets + [f[1:] for f in floors] + [g[1:] for g in kata.internal]
    # The vector-Jacobian product as the gradient of sum(frontier * upstream): the same numbers
    # as passing grad_outputs, without the slow import torch makes for grad_outputs.
    contraction = sum((c.tensors[t] * upstream[t].double()).sum() for t in kata.frontier)
    grads = torch.autograd.grad(contraction, [c.tensors[t] for t in wrt], retain_graph=True)
    by_name = {f"d{t}": gr.detach() for t, gr in zip(wrt, grads)}
    expected = {out: by_name[out] for out in kata.outputs}
    scale = {}
    for out in kata.outputs:
        s = expected[out].abs().max().item()
        if kata.scale_source(out):
            s = max(s, by_name[kata.scale_source(out)].abs().max().item())
        scale[out] = s
    intermediate = {g: by_name[g] for g in kata.internal}
    return Problem(c.phase, c.n, inputs, expected, scale, intermediate, _propagator(kata, c))


def _propagator(kata: Kata, c: Cache) -> Callable[[str, torch.Tensor], dict[str, torch.Tensor]]:
    """How a change of one gradient of the kata reaches its outputs, through the cache's graph."""

    def propagate(grad: str, delta: torch.Tensor) -> dict[str, torch.Tensor]:
        outs = [o for o in kata.outputs if o != grad]
        if not outs:
            return {}
        source = c.tensors[grad[1:]]
        grads = torch.autograd.grad(
            (source * delta).sum(),
            [c.tensors[o[1:]] for o in outs],
            retain_graph=True,
            allow_unused=True,
        )
        return {o: g.detach() for o, g in zip(outs, grads) if g is not None}

    return propagate
