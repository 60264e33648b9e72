"""What a kata is given and must return in one phase: its inputs, the references, the scale.

A level builds one `Cache` per phase: its forward pass in float64, every tensor still attached
to its graph, with the loss's gradient of each. `build_problem` turns a cache into one kata's
`Problem`: the float32 values of its inputs, an upstream gradient at each of its frontier
tensors (the loss's own in the first phase, random ones in a stress phase, so that gradients
that are ~0 for the loss and numbers hard-wired to the first batch are really tested), and
the float64 vector-Jacobian products through the same lines as references. Every call of a
learner's function gets fresh copies; the cache is never handed out.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Problem:
    """What one kata is given and must return in one phase."""

    phase: str
    n: int
    inputs: dict[str, torch.Tensor | int]  # float32 tensors (integer data as int64) and n
    expected: dict[str, torch.Tensor]  # float64 reference, keyed by output
    scale: dict[str, float]  # the magnitude each output's tolerance is relative to

    def fresh_inputs(self) -> dict[str, torch.Tensor | int]:
        """Copies the kata may do anything with; the cache stays untouched."""
        return {k: v.clone() if isinstance(v, torch.Tensor) else v for k, v in self.inputs.items()}


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
    inputs: dict[str, torch.Tensor | int] = {}
    for name in kata.inputs:
        if name == "n":
            inputs[name] = c.n
        elif name.startswith("d") and name[1:] in upstream:
            inputs[name] = upstream[name[1:]].clone()
        else:
            tensor = c.tensors[name].detach()
            inputs[name] = tensor.to(
                torch.float32 if tensor.is_floating_point() else torch.int64
            ).clone()
    targets = [out[1:] for out in kata.outputs]
    floors = [src for out in kata.outputs if (src := kata.scale_source(out))]
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
        if kata.scale_source(out):
            s = max(s, by_name[kata.scale_source(out)].abs().max().item())
        scale[out] = s
    return Problem(c.phase, c.n, inputs, expected, scale)
