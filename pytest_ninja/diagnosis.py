"""Mistake diagnosis: when an answer is wrong, name the likely mistake in one line.

Each rule asks whether the answer equals the reference transformed by one known mistake (a
flipped sign, a factor such as n or Bessel's n/(n-1), one branch of two, the local derivative
without the upstream gradient, ...). Only a rule that fits the *whole* tensor names a mistake;
an answer that fits none (two mistakes at once, say) is told so rather than guessed at.
Shape, dtype and type problems are named by `compare` before values are looked at.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .catalogue import Kata
from .compare import SCALE_FROM
from .phases import Problem
from .result import Comparison

MATCH = 1e-3  # an answer "fits" a transformed reference within this share of its scale
MAP_ROWS, MAP_COLS = 8, 64

# Tensors used twice: the output, and how to compute the gradient through its first branch
# from the kata's inputs and references (the other branch is the rest).
BRANCHES: dict[tuple[str, str], tuple[str, str, Callable]] = {
    ("03_backward_normalize", "dcounts"): (
        "probs = counts * counts_sum_inv",
        "counts_sum",
        lambda i, r: i["counts_sum_inv"] * i["dprobs"],
    ),
    ("05_backward_max_shift", "dlogits"): (
        "norm_logits = logits - logit_maxes",
        "logit_maxes",
        lambda i, r: i["dnorm_logits"],
    ),
    ("09_backward_bn_stats", "dbndiff"): (
        "bnraw = bndiff * bnvar_inv",
        "bndiff2",
        lambda i, r: i["bnvar_inv"] * i["dbnraw"],
    ),
    ("09_backward_bn_stats", "dhprebn"): (
        "bndiff = hprebn - bnmeani",
        "bnmeani",
        lambda i, r: r["dbndiff"],
    ),
}


def _textbook_batchnorm(i: dict) -> torch.Tensor:
    dh, raw, n = i["dhpreact"], i["bnraw"], i["n"]
    return i["bngain"] * i["bnvar_inv"] / n * (n * dh - dh.sum(0) - raw * (dh * raw).sum(0))


# Mistakes of one kata's output that no generic rule names: (label, the wrong answer).
KNOWN: dict[tuple[str, str], tuple[tuple[str, Callable], ...]] = {
    ("07_backward_tanh", "dhpreact"): (
        (
            "tanh's derivative is 1 - h**2, written with the output h, not with hpreact",
            lambda i: (1 - i["hpreact"] ** 2) * i["dh"],
        ),
    ),
    ("04_backward_exp", "dnorm_logits"): (
        (
            "exp's derivative is exp itself (counts), not its input",
            lambda i: i["norm_logits"] * i["dcounts"],
        ),
    ),
    ("13_backward_batchnorm", "dhprebn"): (
        (
            "the textbook BatchNorm gradient: this forward pass divides the variance by n-1 "
            "(Bessel), so the last term needs n/(n-1)",
            _textbook_batchnorm,
        ),
    ),
}


def _fits(got: torch.Tensor, target: torch.Tensor, scale: float) -> bool:
    if got.shape != target.shape or not bool(torch.isfinite(target).all()):
        return False
    return (got - target).abs().max().item() <= MATCH * max(scale, target.abs().max().item())


def _factor_label(c: float, n: int) -> str | None:
    """Name a scalar factor between answer and reference, if it is a known one."""
    if n <= 1:
        return {
            -1.0: "the sign is flipped",
            2.0: "twice too large",
            0.5: "half of what it should be",
        }.get(round(c, 3))
    known = [
        (-1.0, "the sign is flipped"),
        (float(n), f"n = {n} times too large: a 1/n is missing"),
        (1 / n, f"n = {n} times too small: an extra 1/n"),
        (2.0, "twice too large"),
        (0.5, "half of what it should be (a factor 2 missing, as in d(x**2) = 2x)"),
        (n / (n - 1), "off by n/(n-1): Bessel's correction divides by n-1, not n"),
        ((n - 1) / n, "off by (n-1)/n: Bessel's correction divides by n-1, not n"),
        (32 / n, f"off by 32/{n}: a literal 32 where n belongs"),
        (n / 32, f"off by {n}/32: a literal 32 where n belongs"),
    ]
    if abs(c - 1.0) <= 1e-3:  # no factor at all: some other mistake, or rounding
        return None
    for value, label in known:
        if value != 1.0 and abs(c - value) <= 1e-3 * abs(value):
            return label
    return None


def _scalar_factor(got: torch.Tensor, expected: torch.Tensor) -> float | None:
    norm = (expected * expected).sum().item()
    if norm == 0.0:
        return None
    return (got * expected).sum().item() / norm


def factor_label(got: torch.Tensor, expected: torch.Tensor, n: int, scale: float) -> str | None:
    """The known factor (sign, n, 1/n, 2, Bessel's n/(n-1), ...) the whole answer is off by."""
    factor = _scalar_factor(got, expected)
    if factor is None or not _fits(got, factor * expected, scale):
        return None
    return _factor_label(factor, n)


def _positions_label(wrong: torch.Tensor, inputs: dict, n: int) -> str | None:
    """Whether every wrong entry sits at the targets (Yb) or at the row maxima."""
    if wrong.dim() != 2 or wrong.shape[0] != n or wrong.shape[1] != 27 or not wrong.any():
        return None
    rows = torch.arange(n)
    if "Yb" in inputs:
        mask = torch.zeros_like(wrong)
        mask[rows, inputs["Yb"]] = True
        if not (wrong & ~mask).any():
            return "wrong only at the target positions (Yb): check the -1 (or -1/n) there"
    if "logits" in inputs:
        mask = torch.zeros_like(wrong)
        mask[rows, inputs["logits"].max(1).indices] = True
        if not (wrong & ~mask).any():
            return "wrong only at each row's max: check the gradient that flows through max"
    return None


def _repeated_rows_label(got, expected, wrong, inputs) -> str | None:
    """dC wrong only in the rows of characters that occur more than once in the batch."""
    counts = torch.bincount(inputs["Xb"].flatten(), minlength=got.shape[0])
    rows_wrong = wrong.any(1)
    if rows_wrong.any() and not (rows_wrong & (counts <= 1)).any():
        return (
            "wrong only for characters that occur more than once in Xb: their gradients "
            "must add up (index_add_), and dC[Xb] += demb keeps only one of them"
        )
    return None


def likely_mistake(
    kata: Kata, out: str, got: torch.Tensor, c: Comparison, problem: Problem, lecture_passed: bool
) -> str:
    """One line naming the likely mistake behind a wrong value (`c.reason == "values"`)."""
    inputs, references, n = problem.inputs, problem.expected, problem.n
    expected, scale = references[out], problem.scale[out]
    got = got.detach().double()
    if problem.phase == "stress" and lecture_passed:
        if out in SCALE_FROM and got.abs().max().item() <= MATCH * scale:
            return (
                f"zeros pass the lecture's batch only because {out} is ~0 for its loss; "
                "with other upstream gradients it is not"
            )
    label = factor_label(got, expected, n, scale)
    if label:
        return label
    if (kata.id, out) in BRANCHES:
        line, other, first = BRANCHES[(kata.id, out)]
        direct = first(inputs, references).double()
        if _fits(got, direct, scale):
            return (
                f"only one of the two branches: {out[1:]} also flows into {other}; "
                "add that branch's gradient"
            )
        if _fits(got, expected - direct, scale):
            return f"only one of the two branches: add the gradient through `{line}`"
    for label, mistake in KNOWN.get((kata.id, out), ()):
        if _fits(got, mistake(inputs).double(), scale):
            return label
    for up in kata.upstream:
        upstream = inputs[up].double()
        if upstream.shape != got.shape:
            continue
        if _fits(got * upstream, expected, scale):
            return f"the local derivative alone: multiply it by the upstream gradient {up}"
        if _fits(got, upstream, scale):
            return (
                f"the upstream gradient {up} passed on as it is: multiply by the local derivative"
            )
    wrong = (got - expected).abs() > c.tol
    label = _positions_label(wrong, inputs, n)
    if label is None and out == "dC" and "Xb" in inputs:
        label = _repeated_rows_label(got, expected, wrong, inputs)
    if label:
        return label
    if problem.phase == "stress" and lecture_passed:
        return (
            "right for the lecture's batch only: look for numbers hard-wired to it "
            "(32, 64) or a term that is ~0 only there"
        )
    if c.maxdiff <= 100 * c.tol:
        return (
            "close, but not within the tolerance: a small term is missing, or something "
            "was computed in low precision"
        )
    return "no single known mistake fits: compare the worst entries by hand"


def wrong_map(got: torch.Tensor, expected: torch.Tensor, tol: float) -> list[str]:
    """For a 2-D gradient, a small map of where the entries are wrong ('#'), within 80 columns."""
    if got.dim() != 2 or got.shape != expected.shape:
        return []
    wrong = ((got.detach().double() - expected).abs() > tol).float()
    if bool(wrong.all()):
        return ["wrong in every entry"]
    rows, cols = wrong.shape
    r_step, c_step = -(-rows // MAP_ROWS), -(-cols // MAP_COLS)
    pooled = torch.nn.functional.max_pool2d(wrong[None, None], (r_step, c_step), ceil_mode=True)[
        0, 0
    ]
    header = f"where it is wrong (# wrong, . right; {rows}x{cols}"
    header += f", each mark {r_step}x{c_step} entries):" if r_step * c_step > 1 else "):"
    return [header] + ["  " + "".join("#" if v else "." for v in row.tolist()) for row in pooled]
