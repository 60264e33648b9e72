"""`cmp` for a notebook: the lecture's checker, with the dojo's shape check and diagnosis.

    from pytest_ninja import cmp
    cmp('logprobs', dlogprobs, logprobs)

prints the lecture's line (`exact`, `approximate`, `maxdiff`) for your gradient `dt` against
autograd's `t.grad`, and, when it is wrong, a second line saying why: a shape that differs
(the lecture's `cmp` broadcasts, so a (64,) answer passes for a (1, 64) tensor there), or the
likely mistake when a whole-tensor factor explains it. Like the lecture's, it returns None,
so a notebook shows the line and no `Out: True` under it.

A whole kata is graded in a notebook by `%%kata` (`nb_magics`) or `pytest_ninja.check`.
"""

from __future__ import annotations

import torch

from pytest_ninja.core.compare import compare
from pytest_ninja.core.diagnosis import factor_label
from pytest_ninja.levels.mlp.model import BATCH_SIZE

# autograd's float32 gradient is the reference here, and gradients that are ~0 for the loss
# are pure rounding noise: never ask for more than the lecture's own atol (1e-8) below this
NOISE_FLOOR = 1e-4


def cmp(name: str, dt: torch.Tensor, t: torch.Tensor, n: int = BATCH_SIZE) -> None:
    """Compare your gradient `dt` with autograd's `t.grad`, print one line (two if wrong).

    `n` is the batch size, for naming mistakes such as a missing 1/n (the lecture's 32).
    """
    if t.grad is None:
        print(
            f"{name:15s} | {name} has no .grad: call loss.backward() first, after "
            f"{name}.retain_grad() for an intermediate tensor"
        )
        return
    expected = t.grad.detach().double()
    c = compare(f"d{name}", dt, expected, max(expected.abs().max().item(), NOISE_FLOOR))
    if c.reason != "values":
        print(f"{name:15s} | exact: False | approximate: False | {c.detail}")
        return
    print(f"{name:15s} | exact: {c.exact} | approximate: {c.ok} | maxdiff: {c.maxdiff:.3g}")
    if not c.ok:
        label = factor_label(
            dt.detach().double(), expected, n, expected.abs().max().item(), (BATCH_SIZE,)
        )
        print(f"{'':15s}   {c.worst_line()}" + (f"; likely: {label}" if label else ""))
