"""Level 1's own mistakes: the ones only the lecture's MLP has, for the core's diagnosis.

Generic rules (a flipped sign, a missing 1/n, Bessel's n/(n-1), the local derivative without
the upstream gradient, ...) are the core's (`core.diagnosis`); these name what only this model
can get wrong: one branch of a tensor used twice, a known wrong formula (tanh's derivative
through its input, the textbook BatchNorm gradient), and mistakes known by where the wrong
entries sit (at the targets, at the row maxima, in the rows of repeated characters).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from pytest_ninja.core.diagnosis import fits
from pytest_ninja.core.level import Kata
from pytest_ninja.core.problems import Problem

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


def _repeated_rows_label(got, wrong, inputs) -> str | None:
    """dC wrong only in the rows of characters that occur more than once in the batch."""
    counts = torch.bincount(inputs["Xb"].flatten(), minlength=got.shape[0])
    rows_wrong = wrong.any(1)
    if rows_wrong.any() and not (rows_wrong & (counts <= 1)).any():
        return (
            "wrong only for characters that occur more than once in Xb: their gradients "
            "must add up (index_add_), and dC[Xb] += demb keeps only one of them"
        )
    return None


def specific(kata: Kata, out: str, got: torch.Tensor, problem: Problem) -> str | None:
    """One branch of two, or a known wrong formula."""
    inputs, references, scale = problem.inputs, problem.expected, problem.scale[out]
    if (kata.id, out) in BRANCHES:
        line, other, first = BRANCHES[(kata.id, out)]
        direct = first(inputs, references).double()
        if fits(got, direct, scale):
            return (
                f"only one of the two branches: {out[1:]} also flows into {other}; "
                "add that branch's gradient"
            )
        if fits(got, references[out] - direct, scale):
            return f"only one of the two branches: add the gradient through `{line}`"
    for label, mistake in KNOWN.get((kata.id, out), ()):
        if fits(got, mistake(inputs).double(), scale):
            return label
    return None


def located(
    kata: Kata, out: str, got: torch.Tensor, wrong: torch.Tensor, problem: Problem
) -> str | None:
    """A mistake known by where its wrong entries are."""
    label = _positions_label(wrong, problem.inputs, problem.n)
    if label is None and out == "dC" and "Xb" in problem.inputs:
        label = _repeated_rows_label(got, wrong, problem.inputs)
    return label
