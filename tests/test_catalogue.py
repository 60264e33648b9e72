"""The catalogue and the kata files agree: names, parameters, docstrings, stubs."""

from __future__ import annotations

import ast

import pytest
from helpers import KATAS as KATA_DIR
from helpers import SOLUTIONS

from pytest_ninja.core import stubs
from pytest_ninja.core.level import level_of
from pytest_ninja.levels import BY_ID, KATAS, LEVELS, find, kata_for_file
from pytest_ninja.levels.mlp import LEVEL as LECTURE

LECTURE_ORDER = (
    "dlogprobs dprobs dcounts_sum_inv dcounts_sum dcounts dnorm_logits dlogit_maxes dlogits dh "
    "dW2 db2 dhpreact dbngain dbnbias dbnraw dbnvar_inv dbnvar dbndiff2 dbndiff dbnmeani dhprebn "
    "dembcat dW1 db1 demb dC"
).split()


def test_exercise_one_grades_the_lectures_26_gradients_in_its_order():
    outputs = [out for k in LECTURE.katas if k.exercise == 1 for out in k.outputs]
    assert sorted(outputs) == sorted(LECTURE_ORDER) and len(outputs) == 26
    assert sorted(outputs, key=LECTURE_ORDER.index) == outputs


def test_exercise_four_returns_all_seven_parameter_gradients():
    (mlp,) = [k for k in LECTURE.katas if k.exercise == 4]
    assert sorted(mlp.outputs) == sorted(["dC", "dW1", "db1", "dW2", "db2", "dbngain", "dbnbias"])


def test_a_kata_is_found_by_id_number_or_name():
    kata = KATAS[8]
    for key in (
        "09_backward_bn_stats",
        "09",
        "9",
        "backward_bn_stats",
        "katas/09_backward_bn_stats.py",
    ):
        assert find(key) is kata
    assert find("99") is None and kata_for_file("conftest") is None


def test_the_levels_number_their_katas_once_across_levels_and_in_order_within_each():
    assert [level.number for level in LEVELS] == list(range(1, len(LEVELS) + 1))
    numbers = [k.number for k in KATAS]
    assert len(set(numbers)) == len(numbers) and len(BY_ID) == len(KATAS)
    for level in LEVELS:
        assert all(k.level == level.number for k in level.katas), level.name
        assert [k.number for k in level.katas] == sorted(k.number for k in level.katas)


@pytest.mark.parametrize("kata", KATAS, ids=lambda k: k.id)
def test_every_shape_a_stub_shows_is_known_to_its_level(kata):
    level = level_of(kata)
    for name in (*kata.inputs, *kata.outputs):
        assert kata.shape(name, level.shape_of), (kata.id, name)
    assert set(dict(kata.shapes)) <= {*kata.inputs, *(o[1:] for o in kata.outputs), *kata.frontier}
    assert set(dict(kata.notes)) <= set(kata.inputs) - set(kata.upstream)


@pytest.mark.parametrize("kata", KATAS, ids=lambda k: k.id)
def test_each_stub_takes_exactly_the_inputs_and_raises_not_implemented(kata):
    tree = ast.parse((KATA_DIR / kata.filename).read_text())
    (func,) = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert func.name == kata.name
    assert tuple(a.arg for a in func.args.args) == kata.inputs
    doc = ast.get_docstring(func)
    assert all(line in doc for line in kata.reverses)
    assert all(out in doc for out in kata.leading)  # each returned tensor, by name
    assert all(key in doc for key in stubs.shown_keys(kata.grads))  # each key of grads, as params'
    last = func.body[-1]
    assert isinstance(last, ast.Raise) and ast.unparse(last.exc) == "NotImplementedError"


@pytest.mark.parametrize("kata", KATAS, ids=lambda k: k.id)
def test_each_solution_defines_the_same_function(kata):
    tree = ast.parse((SOLUTIONS / kata.filename).read_text())
    funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    (func,) = [f for f in funcs if not f.name.startswith("_")]  # helpers are private
    assert (func.name, tuple(a.arg for a in func.args.args)) == (kata.name, kata.inputs)


@pytest.mark.parametrize("kata", KATAS, ids=lambda k: k.id)
def test_every_stub_is_exactly_what_its_catalogue_entry_makes(kata):
    level = level_of(kata)
    made = stubs.render(kata, level.shape_of, level.sizes)
    assert (KATA_DIR / kata.filename).read_text() == made, (
        f"katas/{kata.filename} drifted from its catalogue entry: run `pytest-ninja stubs`"
    )


@pytest.mark.parametrize("kata", KATAS, ids=lambda k: k.id)
def test_each_backward_pass_computes_every_output_once_from_gradients_before_it(kata):
    assert kata.backward, "every kata lists its backward pass"
    grads = [s.grad for s in kata.steps]
    assert len(set(grads)) == len(grads)
    assert set(kata.outputs) <= set(grads)
    for i, step in enumerate(kata.steps):
        for source in step.sources:
            assert source in grads[:i] or source in kata.upstream, (kata.id, step.grad, source)
        assert step.via, (kata.id, step.grad)
    # what it computes on the way is a gradient of a forward tensor, never an input
    assert not set(kata.internal) & set(kata.inputs)


def test_kata_14s_backward_pass_is_the_lectures_from_dlogits_to_dC():
    mlp = find("14")
    assert [s.grad for s in mlp.steps] == (
        "dlogits dW2 db2 dh dhpreact dbngain dbnbias dhprebn dW1 db1 dembcat dC".split()
    )
    assert mlp.internal == ("dlogits", "dh", "dhpreact", "dhprebn", "dembcat")
    sources = {s.grad: s.sources for s in mlp.steps}
    assert sources["dhpreact"] == ("dh",) and sources["dC"] == ("dembcat",)
