"""The core for a kata of dicts (a GPT's block and whole model): inputs that are dicts of
tensors (`params`, `cache`), copied as deeply as tensors are and watched for writes, and the
parameters' gradients returned as one dict (`grads`), each key a check with a test id without
dots; and the wire and the class grader's worker carrying them both ways."""

from __future__ import annotations

import textwrap

import pytest
import torch

from pytest_ninja.classroom import isolation, worker
from pytest_ninja.core import wire
from pytest_ninja.core.grading import grade_function
from pytest_ninja.core.kata import Kata, Step
from pytest_ninja.core.level import Level, Phase, register
from pytest_ninja.core.problems import Cache, build_problem
from pytest_ninja.core.result import Status
from pytest_ninja.levels import LEVELS

KEYS = ("lin.weight", "lin.bias")
# a toy block: out = x + x @ lin.weight.T + lin.bias, with its forward cache a dict too
BLOCK = Kata(
    number=98,
    name="backward_toy_block",
    title="a toy block",
    exercise=1,
    reverses=("out = x + x @ params['lin.weight'].T + params['lin.bias']",),
    inputs=("x", "params", "cache", "dout"),
    outputs=("dx", "dlin.weight", "dlin.bias"),
    frontier=("out",),
    backward=(
        Step("dlin.weight", ("dout",), "the linear layer"),
        Step("dlin.bias", ("dout",), "the linear layer"),
        Step("dx", ("dout",), "both branches"),
    ),
    level=98,
    groups=(("params", KEYS), ("cache", ("lin.out",))),
    grads=KEYS,
)


def _cache(seed: int = 0) -> Cache:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(5, 3, dtype=torch.float64, generator=g).requires_grad_()
    w = torch.randn(3, 3, dtype=torch.float64, generator=g).requires_grad_()
    b = torch.randn(3, dtype=torch.float64, generator=g).requires_grad_()
    lin = x @ w.T + b
    out = x + lin
    tensors = {"x": x, "lin.weight": w, "lin.bias": b, "lin.out": lin, "out": out}
    return Cache("first", seed, 5, tensors, {}, random_upstream=True)


register(
    Level(
        number=98,
        name="toy-block",
        title="a toy block",
        katas=(BLOCK,),
        phases=(Phase("first", "the first phase"),),
        problem=lambda kata, phase, seed=None: build_problem(kata, _cache()),
        hints=LEVELS[0].hints,
        shape_of=str,
        sizes="",
    )
)

RIGHT = """
def backward_toy_block(x, params, cache, dout):
    w = params["lin.weight"]
    grads = {"lin.weight": dout.T @ x, "lin.bias": dout.sum(0)}
    return dout + dout @ w, grads
"""


def _function(source: str):
    space: dict = {"torch": torch}
    exec(textwrap.dedent(source), space)
    return space[BLOCK.name]


def _graded(source: str):
    return grade_function(_function(source), BLOCK)


def test_dict_inputs_are_dicts_of_float32_copies_and_the_references_are_by_key():
    problem = build_problem(BLOCK, _cache())
    params = problem.inputs["params"]
    assert set(params) == set(KEYS) and params["lin.weight"].dtype == torch.float32
    assert set(problem.inputs["cache"]) == {"lin.out"}
    fresh = problem.fresh_inputs()
    assert fresh["params"] is not params and fresh["params"]["lin.bias"] is not params["lin.bias"]
    assert set(problem.expected) == {"dx", "dlin.weight", "dlin.bias"}


def test_a_right_answer_passes_every_key_and_each_key_is_a_check_without_dots():
    result = _graded(RIGHT)
    assert {o: c.status for o, c in result.checks.items()} == dict.fromkeys(
        BLOCK.outputs, Status.PASSED
    )
    assert [BLOCK.check_id(o) for o in BLOCK.outputs] == ["dx", "dlin_weight", "dlin_bias"]
    assert BLOCK.output_of("dlin_weight") == "dlin.weight" and BLOCK.leading == ("dx",)


def test_a_key_left_out_is_todo_and_the_others_are_graded():
    partial = RIGHT.replace('"lin.bias": dout.sum(0)', "")
    result = _graded(partial)
    assert result.checks["dlin.bias"].status is Status.TODO
    assert result.checks["dlin.weight"].status is Status.PASSED


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("return grads", "must return (dx, grads); it returned a dict"),
        ("return dout, grads, 1", "must return (dx, grads); it returned a tuple of 3"),
        ("return dout, [1]", "grads a dict keyed by the parameters' names (lin.weight, ...)"),
        ("return dout, {'lin.weights': dout}", "unknown key `lin.weights` (did you mean"),
        ("params['lin.weight'].zero_(); return dout, grads", "changed its input `params["),
        (
            "cache['lin.out'].add_(1); return dout, grads",
            "changed its input `cache['lin.out']`",
        ),
    ],
)
def test_a_wrong_shape_of_answer_or_a_write_into_a_dict_input_is_one_line(body, words):
    source = f"""
    def backward_toy_block(x, params, cache, dout):
        grads = {{"lin.weight": dout.T @ x, "lin.bias": dout.sum(0)}}
        {body}
    """
    result = _graded(source)
    lines = {c.message for c in result.checks.values()}
    assert len(lines) == 1 and words in lines.pop()


def test_through_the_wire_a_tuple_of_a_tensor_and_a_dict_crosses_as_it_was():
    blobs: list[bytes] = []
    answer = (torch.ones(2), {"lin.weight": torch.eye(2), "lin.bias": torch.zeros(2)})
    back = wire.decode(wire.encode(answer, blobs), blobs)
    assert isinstance(back, tuple) and torch.equal(back[0], answer[0])
    assert set(back[1]) == set(KEYS) and torch.equal(back[1]["lin.weight"], torch.eye(2))
    deeper = wire.decode(wire.encode((1, {"a": {"b": torch.ones(1)}}), blobs), blobs)
    assert isinstance(deeper[1]["a"], wire.Foreign)  # two deep, and no deeper


def test_a_dict_input_the_worker_changed_is_seen_and_changed_here_too():
    given = {"lin.out": torch.zeros(2), "lin.w": torch.ones(2)}
    kept = worker._kept(given)
    assert worker._as_kept(given, kept)
    given["lin.out"].add_(1)
    assert not worker._as_kept(given, kept)
    here = {"lin.out": torch.zeros(2), "lin.w": torch.ones(2)}
    isolation._copy_back(here, {"lin.out": torch.ones(2), "lin.w": torch.ones(2)})
    assert torch.equal(here["lin.out"], torch.ones(2)) and torch.equal(here["lin.w"], torch.ones(2))
    isolation._copy_back(here, None)  # changed beyond a copy: changed all the same
    assert not torch.equal(here["lin.w"], torch.ones(2))
