"""Level 1's own mistakes: the ones only the lecture's MLP has, for the core's diagnosis.

Generic rules (a flipped sign, a missing 1/n, Bessel's n/(n-1), a constant factor, the local
derivative without the upstream gradient, ...) are the core's (`core.diagnosis`); these name
what only this model can get wrong, in three forms the core runs in their places:

- `slips(kata)`: known wrong steps of a kata's backward pass (tanh's derivative from its input
  or applied twice, the textbook BatchNorm gradient, eps dropped, the -1 of cross-entropy at
  every entry). The core propagates a slip through the rest of the pass, so a fused kata's
  mistake is named in the very words of the smaller kata that has that step: kata 14's tanh
  applied twice reads as kata 07's, its textbook BatchNorm as kata 13's;
- `specific`: one branch of a tensor used twice, missing or scaled (the mean's 1/n replaced by
  Bessel's 1/(n-1) in the branch through bnmeani);
- `located`: mistakes known by where the wrong entries sit (at the targets, at the row maxima,
  in the rows of repeated characters, everywhere but the targets).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from pytest_ninja.core.diagnosis import (
    MATCH,
    Strength,
    Suspect,
    Verdict,
    factor_verdict,
    verdict,
)
from pytest_ninja.core.level import Kata, Slip

# ---- the words, shared by a smaller kata and the fused one that has the same step ------------

TANH_FROM_INPUT = "tanh's derivative is 1 - h**2, written with the output h, not with hpreact"
TANH_TWICE = (
    "tanh applied twice: h is already tanh(hpreact), so tanh's derivative is 1 - h**2, "
    "not 1 - tanh(h)**2"
)
TANH_ALONE = "the local derivative alone: multiply it by the upstream gradient dh"
EXP_FROM_INPUT = "exp's derivative is exp itself (counts), not its input"
TEXTBOOK_BATCHNORM = (
    "the textbook BatchNorm gradient: this forward pass divides the variance by n-1 "
    "(Bessel), so the last term needs n/(n-1)"
)
BESSEL_AS_N_PLUS_1 = (
    "Bessel's factor written as (n+1)/n: the last term of the BatchNorm gradient needs "
    "n/(n-1); the two differ by 1/(n(n-1)), which a small batch shows"
)
BATCHNORM_WITHOUT_GAIN = (
    "bngain is missing: dbnraw = bngain * dhpreact (as in kata 08), so the whole BatchNorm "
    "gradient is scaled by bngain"
)
BATCHNORM_WITHOUT_EPS = (
    "the variance's + 1e-5 is dropped: bnvar_inv = (bnvar + 1e-5)**-0.5 in the forward pass, "
    "and eps matters where a column's variance is as small as eps"
)
DBNVAR_WITHOUT_EPS = (
    "the + 1e-5 is dropped: bnvar_inv = (bnvar + 1e-5)**-0.5, so dbnvar = "
    "-0.5 * (bnvar + 1e-5)**-1.5 * dbnvar_inv; eps matters where a variance is as small as eps"
)
EVERY_ENTRY = (
    "the -1 (or -1/n) is applied at every entry: the loss picks only the targets, so it "
    "belongs only at [range(n), Yb]"
)
TARGETS_ONLY = "wrong only at the target positions (Yb): check the -1 (or -1/n) there"

# ---- slips ------------------------------------------------------------------------------------


def _batchnorm(v: dict, bessel, gain: bool = True, inv=None, raw=None) -> torch.Tensor:
    """Exercise 3's formula, with the Bessel factor and the statistics given."""
    d, n = v["dhpreact"], v["n"]
    inv = v["bnvar_inv"] if inv is None else inv
    raw = v["bnraw"] if raw is None else raw
    scale = v["bngain"] * inv if gain else inv
    return scale / n * (n * d - d.sum(0) - bessel * raw * (d * raw).sum(0))


def _batchnorm_without_eps(v: dict) -> torch.Tensor:
    hprebn, n = v["hprebn"], v["n"]
    inv = hprebn.var(0, keepdim=True, unbiased=True) ** -0.5
    raw = (hprebn - hprebn.mean(0, keepdim=True)) * inv
    return _batchnorm(v, n / (n - 1), inv=inv, raw=raw)


def _batchnorm_steps_without_eps(v: dict) -> torch.Tensor:
    """Exercise 3 in the lecture's steps, dbnvar without its + 1e-5 (kata 09's slip)."""
    d, n, hprebn, inv = v["dhpreact"], v["n"], v["hprebn"], v["bnvar_inv"]
    dbnraw = v["bngain"] * d
    bndiff = hprebn - hprebn.mean(0, keepdim=True)
    dbnvar = -0.5 * hprebn.var(0, keepdim=True) ** -1.5 * (bndiff * dbnraw).sum(0, keepdim=True)
    dbndiff = inv * dbnraw + 2 * bndiff * dbnvar / (n - 1)
    return dbndiff - dbndiff.mean(0, keepdim=True)


def _softmax(v: dict) -> torch.Tensor:
    return torch.softmax(v["logits"], 1)


_BATCHNORM_SLIPS = (
    ("textbook-batchnorm", TEXTBOOK_BATCHNORM, lambda v: _batchnorm(v, 1.0)),
    ("bessel-as-n-plus-1", BESSEL_AS_N_PLUS_1, lambda v: _batchnorm(v, (v["n"] + 1) / v["n"])),
    ("eps-dropped", BATCHNORM_WITHOUT_EPS, _batchnorm_without_eps),
    ("eps-dropped", DBNVAR_WITHOUT_EPS, _batchnorm_steps_without_eps),
)

SLIPS: dict[str, tuple[Slip, ...]] = {
    "04_backward_exp": (
        Slip(
            "dnorm_logits",
            "exp-from-input",
            EXP_FROM_INPUT,
            lambda v: v["norm_logits"] * v["dcounts"],
        ),
    ),
    "07_backward_tanh": (
        Slip(
            "dhpreact",
            "tanh-from-input",
            TANH_FROM_INPUT,
            lambda v: (1 - v["hpreact"] ** 2) * v["dh"],
        ),
        Slip(
            "dhpreact", "tanh-twice", TANH_TWICE, lambda v: (1 - torch.tanh(v["h"]) ** 2) * v["dh"]
        ),
    ),
    "09_backward_bn_stats": (
        Slip(
            "dbnvar",
            "eps-dropped",
            DBNVAR_WITHOUT_EPS,
            lambda v: -0.5 * v["bnvar"] ** -1.5 * v["dbnvar_inv"],
        ),
        Slip(
            "dbnvar",
            "eps-dropped",
            DBNVAR_WITHOUT_EPS,
            lambda v: -0.5 * v["bnvar_inv"] / v["bnvar"] * v["dbnvar_inv"],
        ),
    ),
    "13_backward_batchnorm": (
        *(Slip("dhprebn", kind, words, wrong) for kind, words, wrong in _BATCHNORM_SLIPS),
        Slip("dbnraw", "batchnorm-without-gain", BATCHNORM_WITHOUT_GAIN, lambda v: v["dhpreact"]),
    ),
    "14_backward_mlp": (
        Slip("dlogits", "every-entry", EVERY_ENTRY, lambda v: (_softmax(v) - 1) / v["n"]),
        Slip("dlogits", "targets-only", TARGETS_ONLY, lambda v: _softmax(v) / v["n"]),
        Slip(
            "dhpreact", "tanh-twice", TANH_TWICE, lambda v: (1 - torch.tanh(v["h"]) ** 2) * v["dh"]
        ),
        Slip("dhpreact", "local-derivative-alone", TANH_ALONE, lambda v: 1 - v["h"] ** 2),
        *(Slip("dhprebn", kind, words, wrong) for kind, words, wrong in _BATCHNORM_SLIPS),
        Slip(
            "dhprebn",
            "batchnorm-without-gain",
            BATCHNORM_WITHOUT_GAIN,
            lambda v: _batchnorm(v, v["n"] / (v["n"] - 1), gain=False),
        ),
    ),
}


def slips(kata: Kata) -> tuple[Slip, ...]:
    return SLIPS.get(kata.id, ())


# ---- one branch of two ------------------------------------------------------------------------

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


def _two_factors(got, direct, rest) -> tuple[float, float] | None:
    """a, b with got = a * direct + b * rest, by least squares; None when degenerate."""
    dd, rr, dr = (direct * direct).sum(), (rest * rest).sum(), (direct * rest).sum()
    gd, gr = (got * direct).sum(), (got * rest).sum()
    det = dd * rr - dr * dr
    if det.abs() <= 1e-12 * dd * rr or dd == 0 or rr == 0:
        return None
    return ((gd * rr - gr * dr) / det).item(), ((gr * dd - gd * dr) / det).item()


def _near(x: float, value: float) -> bool:
    return abs(x - value) <= 1e-3 * max(1.0, abs(value))


def branches(s: Suspect) -> Verdict | None:
    """One branch of a tensor used twice: missing, or off by a known factor."""
    if (s.kata.id, s.out) not in BRANCHES:
        return None
    line, other, first = BRANCHES[(s.kata.id, s.out)]
    direct = first(s.inputs, s.problem.expected).double()
    rest = s.expected - direct
    found = _two_factors(s.got, direct, rest)
    if found is None or not s.fits(s.got, found[0] * direct + found[1] * rest):
        return None
    a, b = found
    if _near(a, 1.0) and _near(b, 0.0):
        return verdict(
            "one-branch",
            f"only one of the two branches: {s.out[1:]} also flows into {other}; "
            "add that branch's gradient",
            missing=other,
        )
    if _near(a, 0.0) and _near(b, 1.0):
        return verdict(
            "one-branch",
            f"only one of the two branches: add the gradient through `{line}`",
            missing=line,
        )
    if _near(a, 1.0):
        return factor_verdict(b, s.n, of=f"the branch through {other}")
    if _near(b, 1.0):
        return factor_verdict(a, s.n, of=f"the branch through `{line}`")
    return None


def specific(s: Suspect) -> Verdict | None:
    return branches(s)


# ---- known by where the wrong entries are -----------------------------------------------------


def _target_mask(s: Suspect) -> torch.Tensor | None:
    if "Yb" not in s.inputs or s.got.dim() != 2 or s.got.shape[0] != s.n:
        return None
    mask = torch.zeros(s.got.shape, dtype=torch.bool)
    mask[torch.arange(s.n), s.inputs["Yb"]] = True
    return mask


def _every_entry(s: Suspect) -> Verdict | None:
    """A correction applied at every entry, where it belongs only at the targets."""
    targets = _target_mask(s)
    if targets is None or bool(targets.all()):
        return None
    err = s.got - s.expected
    off, at = err[~targets], err[targets]
    c = off.mean().item()
    tolerance = MATCH * s.scale
    if abs(c) > tolerance and (off - c).abs().max() <= tolerance and at.abs().max() <= tolerance:
        return verdict("every-entry", EVERY_ENTRY, correction=round(c, 9))
    return None


def _positions(s: Suspect) -> Verdict | None:
    """Whether every wrong entry sits at the targets (Yb) or at the row maxima."""
    wrong = s.wrong
    if wrong.dim() != 2 or wrong.shape[0] != s.n or wrong.shape[1] != 27 or not wrong.any():
        return None
    rows = torch.arange(s.n)
    targets = _target_mask(s)
    if targets is not None and not (wrong & ~targets).any():
        return verdict("targets-only", TARGETS_ONLY, Strength.LOCATED)
    if "logits" in s.inputs:
        mask = torch.zeros_like(wrong)
        mask[rows, s.inputs["logits"].max(1).indices] = True
        if not (wrong & ~mask).any():
            return verdict(
                "maxima-only",
                "wrong only at each row's max: check the gradient that flows through max",
                Strength.LOCATED,
            )
    return None


def _repeated_rows(s: Suspect) -> Verdict | None:
    """dC wrong only in the rows of characters that occur more than once in the batch."""
    if s.out != "dC" or "Xb" not in s.inputs:
        return None
    counts = torch.bincount(s.inputs["Xb"].flatten(), minlength=s.got.shape[0])
    rows_wrong = s.wrong.any(1)
    if rows_wrong.any() and not (rows_wrong & (counts <= 1)).any():
        return verdict(
            "repeated-rows",
            "wrong only for characters that occur more than once in Xb: their gradients "
            "must add up (index_add_), and dC[Xb] += demb keeps only one of them",
            Strength.LOCATED,
        )
    return None


def located(s: Suspect) -> Verdict | None:
    """A mistake known by where its wrong entries are."""
    for rule in (_every_entry, _positions, _repeated_rows):
        found = rule(s)
        if found is not None:
            return found
    return None
