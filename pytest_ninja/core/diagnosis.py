"""Mistake diagnosis: when an answer is wrong, name the likely mistake, as data and in one line.

The diagnosis is an ordered list of small rules (`rules`). Each looks at a `Suspect` (the wrong
answer, the problem of the phase it failed in, what else the kata returned there, which of its
outputs failed) and returns a `Verdict` or None; the first verdict wins. A verdict is typed:
its `result.Mistake` (a kind such as `"sign"`, `"bessel-for-mean"`, `"earlier"`, and its
parameters), the words a learner reads, and a `Strength`:

- EXACT: the answer is the reference transformed by that one mistake, entry for entry (within
  `MATCH` of its scale): a factor, a known wrong formula, a branch forgotten;
- LOCATED: the wrong entries sit exactly where that mistake puts them (only at the targets);
- GUESS: a fallback that names no mistake for sure ("close", "no single known mistake fits").

Grading decides on kinds and strengths, never on words. The rules, in order:

 1. follows from an earlier output: an output this one is computed from (in the kata's backward
    pass, `core.backward`) is wrong, and this one is exactly what follows from it;
 2. zeros that pass only where the first phase's gradient is ~0;
 3. a known factor over the whole tensor (sign, n, 1/n, 2, 1/2, n/(n-1), (n-1)/n, a literal);
 4. a level's slips: a known wrong step of the backward pass, propagated to every output;
 5. the level's `specific` rule (one branch of two missing or scaled, ...);
 6. the local derivative without the upstream gradient, or the upstream gradient as it is;
 7. any other constant factor in every entry ("1.7x autograd's value");
 8. the level's `located` rule (wrong only at the targets, at the maxima, ...);
 9. low precision: every entry a float16 (or bfloat16) number;
10. right in every phase before this one: the phase's own suspect;
11. an earlier output is wrong (this one may follow from it);
12. close: within `CLOSE` times the tolerance;
13. none fits, said so rather than guessed at.

Shape, dtype and type problems are named by `compare` before values are looked at; a level
may name the mistake behind a wrong shape it knows (`misshapen`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import torch

from pytest_ninja.core.backward import earlier_outputs, step_of
from pytest_ninja.core.level import Kata, Level, Phase, level_of
from pytest_ninja.core.problems import Problem
from pytest_ninja.core.result import Comparison, Mistake

MATCH = 1e-3  # an answer "fits" a transformed reference within this share of its scale
CLOSE = 4.0  # "close" only within this many times the tolerance
MAP_ROWS, MAP_COLS = 8, 64


class Strength(IntEnum):
    """How sure a verdict is."""

    GUESS = 1  # a fallback: how far off it is, or nothing at all
    LOCATED = 2  # the wrong entries sit where the mistake puts them
    EXACT = 3  # the answer is the reference transformed by the mistake, entry for entry


@dataclass(frozen=True)
class Verdict:
    """What one rule found: the mistake as data, the learner's words, and how sure it is."""

    mistake: Mistake
    words: str
    strength: Strength

    @property
    def kind(self) -> str:
        return self.mistake.kind


def verdict(kind: str, words: str, strength: Strength = Strength.EXACT, **params) -> Verdict:
    return Verdict(Mistake(kind, tuple(params.items())), words, strength)


@dataclass(frozen=True)
class Suspect:
    """A wrong answer to one output, and everything a rule may judge it with."""

    kata: Kata
    out: str
    got: torch.Tensor  # the answer, float64
    problem: Problem  # of the phase it failed in
    comparison: Comparison
    answers: Mapping[str, Any] = field(default_factory=dict)  # all the kata returned there
    passed_before: bool = False  # it passed every phase before this one
    failed: frozenset[str] = frozenset()  # the kata's outputs that failed, in any phase
    memo: dict = field(default_factory=dict, compare=False, repr=False)  # shared per grading

    @property
    def level(self) -> Level:
        return level_of(self.kata)

    @property
    def phase(self) -> Phase:
        return self.level.phase(self.problem.phase)

    @property
    def expected(self) -> torch.Tensor:
        return self.problem.expected[self.out]

    @property
    def scale(self) -> float:
        return self.problem.scale[self.out]

    @property
    def n(self) -> int:
        return self.problem.n

    @property
    def inputs(self) -> dict:
        return self.problem.inputs

    def fits(self, got: torch.Tensor, target: torch.Tensor, out: str | None = None) -> bool:
        """Whether `got`, an answer to `out` (this one by default), is `target`."""
        out = out or self.out
        entrywise = self.kata.scale_source(out) is None
        return fits(got, target, self.problem.scale[out], entrywise)

    @functools.cached_property
    def wrong(self) -> torch.Tensor:
        """The mask of wrong entries."""
        return (self.got - self.expected).abs() > self.comparison.tol

    def answer(self, out: str) -> torch.Tensor | None:
        """What the kata returned for another output in this phase, float64, if comparable."""
        value = self.answers.get(out)
        expected = self.problem.expected.get(out)
        if not isinstance(value, torch.Tensor) or expected is None:
            return None
        if value.shape != expected.shape or not value.is_floating_point():
            return None
        value = value.detach().to(expected.device).double()
        return value if bool(torch.isfinite(value).all()) else None


Rule = Callable[[Suspect], "Verdict | None"]


def fits(got: torch.Tensor, target: torch.Tensor, scale: float, entrywise: bool = True) -> bool:
    """Whether an answer is the target (a reference transformed by one mistake), entrywise.

    Within `MATCH` of the scale and, `entrywise`, within `MATCH` of each entry or of the
    target's typical (median) size: where a few entries dwarf the rest (the gradient of a log
    of probabilities near 1e-21 spans 1 to 1e21), the scale alone would let any answer fit.
    A target that is exactly 0 at most of its entries (a GPT's gradient at the positions past
    every word's end) has the typical size of the others, not 0.
    An output whose reference is ~0 and whose scale comes from another gradient
    (`Kata.scale_from`) is rounding noise entry by entry, and is judged at its scale only.
    """
    if got.shape != target.shape or not bool(torch.isfinite(target).all()):
        return False
    residual = (got - target).abs()
    size = target.abs()
    if residual.max().item() > MATCH * max(scale, size.max().item()):
        return False
    if not entrywise or not size.numel():
        return True
    typical = size.flatten().median().item()
    if typical == 0.0 and bool((size > 0).any()):
        typical = size[size > 0].median().item()
    return bool((residual <= MATCH * (size + typical)).all())


# ---- factors ----------------------------------------------------------------------------------


def _factors(n: int, literals: tuple[int, ...]) -> list[tuple[float, str, str, dict]]:
    """The known factors between an answer and its reference: (value, kind, words, params)."""
    known = [
        (-1.0, "sign", "the sign is flipped", {}),
        (2.0, "twice", "twice too large", {}),
    ]
    if n <= 1:
        return [*known, (0.5, "half", "half of what it should be", {})]
    known += [
        (float(n), "missing-1/n", f"n = {n} times too large: a 1/n is missing", {}),
        (1 / n, "extra-1/n", f"n = {n} times too small: an extra 1/n", {}),
        (0.5, "half", "half of what it should be (a factor 2 missing, as in d(x**2) = 2x)", {}),
        (
            n / (n - 1),
            "bessel-for-mean",
            "off by n/(n-1): a 1/(n-1) where a mean's 1/n belongs (Bessel's correction is "
            "the variance's, not the mean's)",
            {},
        ),
        (
            (n - 1) / n,
            "mean-for-bessel",
            "off by (n-1)/n: Bessel's correction divides by n-1, not n",
            {},
        ),
    ]
    for literal in literals:  # a size of the first phase written as a number
        words = f"a literal {literal} where n belongs"
        known.append(
            (literal / n, "literal", f"off by {literal}/{n}: {words}", {"literal": literal})
        )
        known.append(
            (n / literal, "literal", f"off by {n}/{literal}: {words}", {"literal": literal})
        )
    return known


def _named_factor(c: float, n: int, literals: tuple[int, ...] = ()) -> Verdict | None:
    if abs(c - 1.0) <= 1e-3:  # no factor at all: some other mistake, or rounding
        return None
    for value, kind, words, params in _factors(n, literals):
        if value != 1.0 and abs(c - value) <= 1e-3 * abs(value):
            return verdict(kind, words, factor=value, **params)
    return None


def _scalar_factor(got: torch.Tensor, expected: torch.Tensor) -> float | None:
    norm = (expected * expected).sum().item()
    if norm == 0.0:
        return None
    return (got * expected).sum().item() / norm


def _fitted_factor(
    got: torch.Tensor, expected: torch.Tensor, scale: float, entrywise: bool = True
) -> float | None:
    """The factor c with got = c * expected entry for entry, if there is one."""
    c = _scalar_factor(got, expected)
    return c if c is not None and fits(got, c * expected, scale, entrywise) else None


def factor_label(
    got: torch.Tensor,
    expected: torch.Tensor,
    n: int,
    scale: float,
    literals: tuple[int, ...] = (),
) -> str | None:
    """The known factor (sign, n, 1/n, 2, Bessel's n/(n-1), ...) the whole answer is off by."""
    c = _fitted_factor(got, expected, scale)
    found = None if c is None else _named_factor(c, n, literals)
    return found.words if found else None


def factor_verdict(
    c: float, n: int, literals: tuple[int, ...] = (), of: str = ""
) -> Verdict | None:
    """A known factor, said of a part of a gradient (`of`: "the branch through the mean")."""
    found = _named_factor(c, n, literals)
    if found is None or not of:
        return found
    params = (*found.mistake.params, ("of", of))
    return Verdict(Mistake(found.kind, params), f"{of}: {found.words}", found.strength)


# ---- the rules --------------------------------------------------------------------------------


def follows_from_earlier(s: Suspect) -> Verdict | None:
    """An earlier output is wrong, and this one is exactly what follows from it."""
    for a in earlier_outputs(s.kata, s.out):
        got_a = s.answer(a) if a in s.failed else None
        if got_a is None or s.fits(got_a, s.problem.expected[a], a):
            continue
        implied = s.problem.implied(a, got_a)[s.out]
        if not s.fits(implied, s.expected) and s.fits(s.got, implied):
            return verdict(
                "earlier",
                f"{a} is wrong too and comes before {s.out} in the backward pass: "
                f"fix {a} first, {s.out} follows from it",
                at=a,
                follows=True,
            )
    return None


def zeros_where_the_first_phase_is_zero(s: Suspect) -> Verdict | None:
    if s.passed_before and s.kata.scale_source(s.out) and s.got.abs().max() <= MATCH * s.scale:
        return verdict(
            "zeros",
            f"zeros pass the lecture's batch only because {s.out} is ~0 for its loss; "
            "with other upstream gradients it is not",
        )
    return None


def _factor_of(s: Suspect) -> float | None:
    return _fitted_factor(s.got, s.expected, s.scale, s.kata.scale_source(s.out) is None)


def known_factor(s: Suspect) -> Verdict | None:
    c = _factor_of(s)
    return None if c is None else _named_factor(c, s.n, s.level.literals)


def slips(s: Suspect) -> Verdict | None:
    """A level's known wrong step, with every later step right, explains every output."""
    for index, slip in enumerate(s.level.mistakes.slips(s.kata)):
        key = ("slip", s.problem.phase, index)
        if key not in s.memo:
            s.memo[key] = _slip_fits(s, slip)
        if s.out in s.memo[key]:
            step = step_of(s.kata, slip.at)
            start = step.sources[0] if step and step.sources else None
            words = slip.words
            if slip.at != s.out:
                words += f" (in {slip.at}, which {s.out} follows from)"
            mistake = Mistake(slip.kind, (("at", slip.at),), (start, slip.at))
            return Verdict(mistake, words, Strength.EXACT)
    return None


def _float64(value):
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return value.double()
    return value


def _slip_fits(s: Suspect, slip) -> frozenset[str]:
    """The outputs a slip makes wrong, when it explains everything the kata returned."""
    values = {  # float inputs in float64 (a dict input's too), integer data as it is
        k: {key: _float64(t) for key, t in v.items()} if isinstance(v, dict) else _float64(v)
        for k, v in s.inputs.items()
    }
    values.update(s.problem.intermediate)
    values.update(s.problem.expected)
    try:
        wrong = torch.as_tensor(slip.wrong(values), dtype=torch.float64)
    except (RuntimeError, ValueError, KeyError, TypeError):
        return frozenset()
    if slip.at in s.problem.expected:
        reference = s.problem.expected[slip.at]
    else:
        reference = s.problem.intermediate[slip.at]
    if wrong.shape != reference.shape or fits(wrong, reference, reference.abs().max().item()):
        return frozenset()
    implied = s.problem.implied(slip.at, wrong)
    changed = set()
    for out in s.kata.outputs:
        got = s.got if out == s.out else s.answer(out)
        if got is None:
            continue
        if not s.fits(got, implied[out], out):
            return frozenset()
        if not s.fits(implied[out], s.problem.expected[out], out):
            changed.add(out)
    return frozenset(changed)


def upstream_alone(s: Suspect) -> Verdict | None:
    for up in s.kata.upstream:
        upstream = s.inputs[up].double()
        if upstream.shape == s.got.shape and s.fits(s.got * upstream, s.expected):
            return verdict(
                "local-derivative-alone",
                f"the local derivative alone: multiply it by the upstream gradient {up}",
                upstream=up,
            )
    return None


def upstream_as_is(s: Suspect) -> Verdict | None:
    for up in s.kata.upstream:
        upstream = s.inputs[up].double()
        if upstream.shape == s.got.shape and s.fits(s.got, upstream):
            return verdict(
                "upstream-as-is",
                f"the upstream gradient {up} passed on as it is: multiply by the local derivative",
                upstream=up,
            )
    return None


def constant_factor(s: Suspect) -> Verdict | None:
    """A factor no rule above names, in every entry."""
    c = _factor_of(s)
    if c is None or abs(c - 1.0) <= 1e-3:
        return None
    if abs(c) <= MATCH:
        return verdict(
            "zeros",
            "~0 in every entry: the gradient is missing, or multiplied by something ~0",
            factor=c,
        )
    return verdict(
        "constant-factor",
        f"{c:.3g}x autograd's value in every entry: a constant factor is wrong "
        "(a coefficient of the local derivative?)",
        factor=round(c, 6),
    )


def low_precision(s: Suspect) -> Verdict | None:
    """Every entry is a number of a coarser dtype: part of it was computed in that dtype."""
    nonzero = s.got != 0
    if int(nonzero.sum()) * 2 < s.got.numel() or not bool(nonzero.any()):
        return None
    values, reference = s.got[nonzero], s.expected[s.expected != 0]
    for dtype in (torch.float16, torch.bfloat16):
        if _representable(values, dtype) and not _representable(reference, dtype):
            name = str(dtype).removeprefix("torch.")
            return verdict(
                "low-precision",
                f"every entry is a {name} number: part of it was computed in {name}, too "
                "coarse for the check (compute in float32)",
                Strength.LOCATED,
                dtype=name,
            )
    return None


def _representable(values: torch.Tensor, dtype: torch.dtype) -> bool:
    return values.numel() > 0 and torch.equal(values.to(dtype).double(), values)


def right_before_this_phase(s: Suspect) -> Verdict | None:
    if not s.passed_before:
        return None
    words = s.phase.suspect or (
        f"right for the lecture's batch only: look for {s.level.hard_wired_words} "
        "or a term that is ~0 only there"
    )
    return verdict("phase-only", words, Strength.GUESS, phase=s.problem.phase)


def earlier_wrong(s: Suspect) -> Verdict | None:
    for a in earlier_outputs(s.kata, s.out):
        if a in s.failed:
            return verdict(
                "earlier",
                f"{a} is wrong too and comes before {s.out} in the backward pass: "
                f"fix {a} first, {s.out} may follow",
                Strength.GUESS,
                at=a,
                follows=False,
            )
    return None


def close(s: Suspect) -> Verdict | None:
    c = s.comparison
    if c.maxdiff <= CLOSE * c.tol:
        return verdict(
            "close",
            f"close, but not within the tolerance ({c.maxdiff / c.tol:.1f}x it): a small term "
            "is missing, or something was computed in low precision",
            Strength.GUESS,
            ratio=round(c.maxdiff / c.tol, 3),
        )
    return None


def no_fit(s: Suspect) -> Verdict:
    return verdict(
        "no-fit",
        "no single known mistake fits: compare the worst entries by hand",
        Strength.GUESS,
    )


def rules(level: Level) -> tuple[Rule, ...]:
    """The rules in the order they are tried, with the level's own in their places."""
    return (
        follows_from_earlier,
        zeros_where_the_first_phase_is_zero,
        known_factor,
        slips,
        level.mistakes.specific,
        upstream_alone,
        upstream_as_is,
        constant_factor,
        level.mistakes.located,
        low_precision,
        right_before_this_phase,
        earlier_wrong,
        close,
        no_fit,
    )


def misshapen(kata: Kata, out: str, got: tuple[int, ...], problem: Problem) -> Verdict | None:
    """The level's known mistake behind a wrong shape (`compare` has said what differs)."""
    return level_of(kata).mistakes.shaped(kata, out, got, problem)


def diagnose(s: Suspect) -> Verdict:
    """The first rule's verdict on a wrong value (`comparison.reason == "values"`)."""
    for rule in rules(s.level):
        found = rule(s)
        if found is not None:
            return found
    return no_fit(s)


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
