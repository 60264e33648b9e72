"""Mistake diagnosis: when an answer is wrong, name the likely mistake in one line.

Each rule asks whether the answer equals the reference transformed by one known mistake (a
flipped sign, a factor such as n or Bessel's n/(n-1), one branch of two, the local derivative
without the upstream gradient, ...). Only a rule that fits the *whole* tensor names a mistake;
an answer that fits none (two mistakes at once, say) is told so rather than guessed at.
Shape, dtype and type problems are named by `compare` before values are looked at. The rules
here are generic; a level adds the mistakes only its model has (`Level.mistakes`), which run
in their place in the order below.
"""

from __future__ import annotations

import torch

from pytest_ninja.core.level import Kata, level_of
from pytest_ninja.core.problems import Problem
from pytest_ninja.core.result import Comparison

MATCH = 1e-3  # an answer "fits" a transformed reference within this share of its scale
MAP_ROWS, MAP_COLS = 8, 64


def fits(got: torch.Tensor, target: torch.Tensor, scale: float) -> bool:
    """Whether an answer is the target (a reference transformed by one mistake), entrywise."""
    if got.shape != target.shape or not bool(torch.isfinite(target).all()):
        return False
    return (got - target).abs().max().item() <= MATCH * max(scale, target.abs().max().item())


def _factor_label(c: float, n: int, literals: tuple[int, ...] = ()) -> str | None:
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
    ]
    for literal in literals:  # a size of the first phase written as a number
        known.append((literal / n, f"off by {literal}/{n}: a literal {literal} where n belongs"))
        known.append((n / literal, f"off by {n}/{literal}: a literal {literal} where n belongs"))
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


def factor_label(
    got: torch.Tensor,
    expected: torch.Tensor,
    n: int,
    scale: float,
    literals: tuple[int, ...] = (),
) -> str | None:
    """The known factor (sign, n, 1/n, 2, Bessel's n/(n-1), ...) the whole answer is off by."""
    factor = _scalar_factor(got, expected)
    if factor is None or not fits(got, factor * expected, scale):
        return None
    return _factor_label(factor, n, literals)


def likely_mistake(
    kata: Kata, out: str, got: torch.Tensor, c: Comparison, problem: Problem, earlier_passed: bool
) -> str:
    """One line naming the likely mistake behind a wrong value (`c.reason == "values"`)."""
    level = level_of(kata)
    inputs, references, n = problem.inputs, problem.expected, problem.n
    expected, scale = references[out], problem.scale[out]
    got = got.detach().double()
    stress_only = problem.phase != level.first_phase and earlier_passed
    if stress_only and kata.scale_source(out) and got.abs().max().item() <= MATCH * scale:
        return (
            f"zeros pass the lecture's batch only because {out} is ~0 for its loss; "
            "with other upstream gradients it is not"
        )
    label = factor_label(got, expected, n, scale, level.literals)
    if label:
        return label
    label = level.mistakes.specific(kata, out, got, problem)
    if label:
        return label
    for up in kata.upstream:
        upstream = inputs[up].double()
        if upstream.shape != got.shape:
            continue
        if fits(got * upstream, expected, scale):
            return f"the local derivative alone: multiply it by the upstream gradient {up}"
        if fits(got, upstream, scale):
            return (
                f"the upstream gradient {up} passed on as it is: multiply by the local derivative"
            )
    wrong = (got - expected).abs() > c.tol
    label = level.mistakes.located(kata, out, got, wrong, problem)
    if label:
        return label
    if stress_only:
        return (
            f"right for the lecture's batch only: look for {level.hard_wired_words} "
            "or a term that is ~0 only there"
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
