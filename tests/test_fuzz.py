"""A seeded fuzz of answers: random shapes, dtypes and values, and near misses, for every kata
of every level. The grader never crashes, never passes a wrong answer, and passes the
reference within rounding."""

from __future__ import annotations

import random

import numpy as np
import torch

from pytest_ninja.core.compare import compare
from pytest_ninja.core.grading import grade_function
from pytest_ninja.core.level import level_of
from pytest_ninja.core.result import Status
from pytest_ninja.levels import KATAS

DTYPES = [
    torch.float32,
    torch.float64,
    torch.float16,
    torch.bfloat16,
    torch.int64,
    torch.bool,
    torch.complex64,
]


def random_answer(rng: random.Random, expected: torch.Tensor):
    kind = rng.randrange(9)
    shape = tuple(expected.shape)
    if kind == 0:
        return None if rng.random() < 0.5 else rng.choice([[], 3, "x", (1, 2), {}, np.zeros(2)])
    if kind == 1:  # a wrong shape
        dims = [rng.randrange(0, 40) for _ in range(rng.randrange(0, 4))]
        return torch.randn(dims) if rng.random() < 0.9 else torch.zeros(0)
    if kind == 2:  # a wrong dtype
        return expected.to(rng.choice(DTYPES[2:]))
    if kind == 3:  # nan or inf somewhere
        t = expected.clone().float()
        t.view(-1)[rng.randrange(t.numel())] = rng.choice([float("nan"), float("inf")])
        return t
    if kind == 4:  # a near miss well above the tolerance
        return None
    if kind == 5:
        return torch.randn(shape) * 10 ** rng.uniform(-12, 3)
    if kind == 6:
        return torch.zeros(shape)
    if kind == 7:
        return expected.float().t() if expected.dim() == 2 else -expected.float()
    return expected.numpy()


def test_three_hundred_random_answers_never_crash_the_grader_and_never_pass():
    rng = random.Random(1234)
    cases = 0
    for _ in range(300):
        kata = rng.choice(KATAS)
        out = rng.choice(kata.outputs)
        level = level_of(kata)
        problem = level.problem(kata, rng.choice(level.phases).name, None)
        expected = problem.expected[out]
        answer = random_answer(rng, expected)
        if answer is None:
            continue
        c = compare(out, answer, expected, problem.scale[out])
        assert c.reason in ("values", "type", "dtype", "device", "shape", "nonfinite")
        if c.ok:  # only answers equal to the reference within the tolerance may pass
            assert isinstance(answer, torch.Tensor) and answer.shape == expected.shape
            assert (answer.double() - expected).abs().max() <= c.tol
            assert expected.abs().max() <= c.tol or torch.allclose(
                answer.double(), expected, rtol=0, atol=c.tol
            )
        cases += 1
    assert cases >= 200


def test_near_misses_fail_and_rounding_passes_for_every_output():
    rng = torch.Generator().manual_seed(7)
    for kata in KATAS:
        level = level_of(kata)
        for phase in level.phases:
            problem = level.problem(kata, phase.name, None)
            for out in kata.outputs:
                expected, scale = problem.expected[out], problem.scale[out]
                noise = torch.rand(expected.shape, generator=rng, dtype=torch.float64) - 0.5
                tol = compare(out, expected, expected, scale).tol
                assert compare(out, expected + 0.2 * tol * noise, expected, scale).ok
                miss = expected.clone()
                miss.view(-1)[0] += 10 * tol
                assert not compare(out, miss, expected, scale).ok
                assert compare(out, expected.float(), expected, scale).ok


def test_whole_katas_returning_garbage_are_graded_without_a_crash():
    rng = random.Random(99)
    for kata in KATAS:
        for _ in range(6):

            def garbage(outputs=kata.outputs, **inputs):
                pick = rng.randrange(5)
                if pick == 0:
                    return {o: torch.randn(3) for o in outputs}
                if pick == 1:
                    return {"nonsense": 1}
                if pick == 2:
                    return [1, 2]
                if pick == 3:
                    return torch.randn(2, 2)
                raise ValueError("boom")

            garbage.__name__ = kata.name
            result = grade_function(garbage, kata)
            assert set(result.checks) == set(kata.outputs)
            assert all(c.status != Status.PASSED for c in result.checks.values())
            assert all(c.lines and c.lines[0] for c in result.checks.values())
