"""The core's problems and stubs for a kata of any level: whole-number inputs besides n, a
kata's own shapes and notes, and a level naming the mistake behind a wrong shape."""

from __future__ import annotations

import torch

from pytest_ninja.core import stubs
from pytest_ninja.core.diagnosis import misshapen, verdict
from pytest_ninja.core.level import Kata, Level, Mistakes, Phase, Step, register
from pytest_ninja.core.problems import Cache, build_problem
from pytest_ninja.levels import LEVELS

# a toy kata: out = x.view(B, heads, -1).sum(-1), with the head count a whole-number input
TOY = Kata(
    number=99,
    name="backward_toy",
    title="a toy",
    exercise=1,
    reverses=("out = x.view(x.shape[0], heads, -1).sum(-1)",),
    inputs=("x", "heads", "n", "dout"),
    outputs=("dx",),
    frontier=("out",),
    backward=(Step("dx", ("dout",), "the sum"),),
    level=99,
    shapes=(("x", "(B, 6)"),),
    notes=(("heads", "how many groups"),),
)


def _toy_cache(heads: int = 3) -> Cache:
    x = torch.randn(4, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    x.requires_grad_()
    out = x.view(4, heads, -1).sum(-1)
    tensors = {"x": x, "out": out}
    grads = {"x": torch.zeros_like(x), "out": torch.ones_like(out), "loss": torch.ones(())}
    return Cache("first", 0, 4, tensors, grads, random_upstream=True, scalars={"heads": heads})


def test_a_caches_scalars_become_whole_number_inputs_and_n_keeps_working():
    problem = build_problem(TOY, _toy_cache(heads=3))
    assert problem.inputs["heads"] == 3 and isinstance(problem.inputs["heads"], int)
    assert problem.inputs["n"] == 4
    assert problem.inputs["x"].dtype == torch.float32 and problem.inputs["dout"].shape == (4, 3)
    # the reference is the upstream gradient spread over each group
    dout = problem.inputs["dout"].double()
    expected = dout.repeat_interleave(2, dim=1)
    assert torch.allclose(problem.expected["dx"], expected)
    fresh = problem.fresh_inputs()
    assert fresh["heads"] == 3 and fresh["x"] is not problem.inputs["x"]


def test_a_cache_without_scalars_is_what_it_was():
    assert Cache("p", 0, 1, {}, {}).scalars == {}


def test_a_katas_own_shapes_and_notes_come_before_its_levels():
    def shape_of(name: str) -> str:
        return {"x": "(n, 2)", "heads": "int", "n": "int", "out": "(B, heads)"}.get(
            name.removeprefix("d")
        )

    assert TOY.shape("x", shape_of) == "(B, 6)" and TOY.shape("dx", shape_of) == "(B, 6)"
    assert TOY.shape("out", shape_of) == "(B, heads)"
    stub = stubs.render(TOY, shape_of, "Takes")
    assert "        heads  int            how many groups" in stub
    assert (
        "        x      (B, 6)" in stub and "        n      int            the batch size" in stub
    )


def test_every_stubs_forward_lines_need_only_torch_and_f_which_it_imports():
    # a notebook's set-up cell imports the same two for every kata: no `math.` in a stub
    for level in LEVELS:
        for kata in level.katas:
            assert not any("math." in line for line in kata.reverses), kata.id
            text = stubs.render(kata, level.shape_of, level.sizes)
            imports = [line for line in text.splitlines() if line.startswith(("import ", "from "))]
            assert imports == stubs.IMPORTS.splitlines()


def test_a_level_may_name_the_mistake_behind_a_wrong_shape():
    def shaped(kata, out, got, problem):
        return verdict("toy-shape", "one row per group") if got == (4, 3) else None

    register(
        Level(
            number=99,
            name="toy",
            title="a toy",
            katas=(TOY,),
            phases=(Phase("first", "the first phase"),),
            problem=lambda kata, phase, seed=None: build_problem(kata, _toy_cache()),
            hints=LEVELS[0].hints,
            shape_of=str,
            sizes="",
            mistakes=Mistakes(shaped=shaped),
        )
    )
    problem = build_problem(TOY, _toy_cache())
    assert misshapen(TOY, "dx", (4, 3), problem).kind == "toy-shape"
    assert misshapen(TOY, "dx", (6, 4), problem) is None
    assert misshapen(LEVELS[0].katas[0], "dlogprobs", (1,), problem) is None  # level 1: none
