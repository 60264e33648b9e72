"""The tolerance has a margin on both sides, measured over many stress seeds.

`compare.RTOL` claims to sit between float32 rounding and the smallest real mistake. This file
measures it on the table of answers in `mistakes_table.py`: over the lecture phase and 20 stress
seeds (each a different cache, batch and set of random upstream gradients), every correct
gradient's error stays at most a tenth of the tolerance, and every gradient a wrong answer gets
wrong by its numbers is off by at least ten times the tolerance in every stress seed. Mistakes
of shape, dtype or type (and answers that raise) are not about numbers and are left out, and so
are the checks a wrong answer passes only by cancellation (`Case.lucky`: db1 behind a BatchNorm
fed n times too much gradient is still 0, but with n times the rounding).

Each case's function is loaded once; each (kata, seed) problem is built once.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch
from mistakes_table import CASES, ERROR, RIGHT, VALUES, WRONG, Case

from pytest_ninja.core.compare import compare
from pytest_ninja.core.loading import load_function
from pytest_ninja.levels.mlp import caches as phases

STRESS_SEEDS = (phases.STRESS_SEED, *range(1, 20))
LECTURE = (phases.LECTURE, None)
RUNS = (LECTURE, *((phases.STRESS, seed) for seed in STRESS_SEEDS))

MARGIN = 10.0  # correct: maxdiff <= tol / MARGIN; wrong: maxdiff >= tol * MARGIN


@dataclass(frozen=True)
class Ratio:
    """maxdiff / tol for one output of one case in one run."""

    case: str
    output: str
    phase: str
    seed: int | None
    maxdiff: float
    tol: float

    @property
    def ratio(self) -> float:
        return self.maxdiff / self.tol

    def __str__(self) -> str:
        where = self.phase if self.seed is None else f"{self.phase} seed {self.seed}"
        return (
            f"{self.case} {self.output} ({where}): maxdiff {self.maxdiff:.3g}, "
            f"tol {self.tol:.3g}, ratio {self.ratio:.3g}"
        )


def measured(case: Case) -> bool:
    """Whether a case's numbers can be measured: it never raises, and it returns something
    whose values are compared."""
    return ERROR not in case.fails.values() and (
        bool(case.value_mistakes()) or bool(case.computed_right())
    )


MEASURED = tuple(c for c in CASES if measured(c))
CORRECT_GRADIENTS = tuple(c for c in MEASURED if c.computed_right())
WRONG_VALUES = tuple(c for c in MEASURED if c.value_mistakes())


@pytest.fixture(scope="module")
def ratios(tmp_path_factory) -> dict[str, dict[str, list[Ratio]]]:
    """case id -> output -> its Ratio in every run where it is measured."""
    root = tmp_path_factory.mktemp("margin")
    functions = {}
    for case in MEASURED:
        path = root / case.id / case.filename
        path.parent.mkdir()
        path.write_text(case.source, encoding="utf-8")
        functions[case.id] = load_function(path, case.kata)

    found: dict[str, dict[str, list[Ratio]]] = {c.id: {} for c in MEASURED}
    for phase, seed in RUNS:  # run-major, so every cache and problem is built once
        problems = {}
        for case in MEASURED:
            if case.kata.id not in problems:
                problems[case.kata.id] = phases.problem(case.kata, phase, seed)
            problem = problems[case.kata.id]
            with torch.no_grad():
                answer = functions[case.id](**problem.fresh_inputs())
            if not isinstance(answer, dict):
                answer = {case.kata.outputs[0]: answer}
            outputs = list(case.must_pass())  # lucky ones too: measured, reported, not bound
            if phase == phases.STRESS:
                outputs += case.value_mistakes()
            for out in outputs:
                c = compare(out, answer.get(out), problem.expected[out], problem.scale[out])
                assert c.reason == VALUES, f"{case.id} {out} ({phase} {seed}): {c.detail}"
                found[case.id].setdefault(out, []).append(
                    Ratio(case.id, out, phase, seed, c.maxdiff, c.tol)
                )
    return found


def test_the_margin_is_measured_over_at_least_20_stress_seeds():
    assert len(set(STRESS_SEEDS)) >= 20
    assert len(RIGHT) >= 22 and len(WRONG) >= 32
    # every correct alternative, and most wrong answers, have numbers to measure
    assert all(measured(c) for c in RIGHT)
    assert len(WRONG_VALUES) >= 25


@pytest.mark.parametrize("case", CORRECT_GRADIENTS, ids=[c.id for c in CORRECT_GRADIENTS])
def test_a_correct_gradient_stays_within_a_tenth_of_the_tolerance(case, ratios):
    runs = [r for out in case.computed_right() for r in ratios[case.id][out]]
    assert len(runs) == len(case.computed_right()) * len(RUNS)
    too_close = [str(r) for r in runs if not r.ratio <= 1 / MARGIN]
    assert not too_close, "\n".join(too_close)


@pytest.mark.parametrize("case", WRONG_VALUES, ids=[c.id for c in WRONG_VALUES])
def test_a_wrong_gradient_is_off_by_at_least_ten_times_the_tolerance(case, ratios):
    runs = [r for out in case.value_mistakes() for r in ratios[case.id][out]]
    assert len(runs) == len(case.value_mistakes()) * len(STRESS_SEEDS)
    too_close = [str(r) for r in runs if not r.ratio >= MARGIN]
    assert not too_close, "\n".join(too_close)


def test_the_worst_ratios_on_both_sides_are_reported(ratios, capsys):
    def every(cases, outputs):
        return [r for c in cases for out in outputs(c) for r in ratios[c.id][out]]

    correct = every(CORRECT_GRADIENTS, Case.computed_right)
    wrong = every(WRONG_VALUES, Case.value_mistakes)
    lucky = every(MEASURED, lambda c: c.lucky)
    worst_correct = max(correct, key=lambda r: r.ratio)
    worst_wrong = min(wrong, key=lambda r: r.ratio)
    with capsys.disabled():
        print(f"\nlargest correct maxdiff/tol: {worst_correct}")
        print(f"smallest wrong maxdiff/tol:  {worst_wrong}")
        if lucky:
            print(f"largest lucky maxdiff/tol:   {max(lucky, key=lambda r: r.ratio)}")
    assert all(r.ratio <= 1 for r in lucky)  # they pass, as test_mistakes.py also checks
    assert worst_correct.ratio <= 1 / MARGIN < MARGIN <= worst_wrong.ratio
