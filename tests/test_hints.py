"""The hints: three short levels per kata, chapters in the video's order, and worked examples
whose every printed number autograd (and the reference solution) agrees with, in every level."""

from __future__ import annotations

import ast
import math
import re
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F
from helpers import ROOT, SOLUTIONS

from pytest_ninja.core.hints import LEVELS, timestamp
from pytest_ninja.core.level import level_of
from pytest_ninja.core.loading import load_function
from pytest_ninja.levels import KATAS
from pytest_ninja.levels.gpt import LEVEL as GPT
from pytest_ninja.levels.gpt.hints import CHAPTERS as GPT_CHAPTERS
from pytest_ninja.levels.gpt.hints import LAYERNORM_NOTES
from pytest_ninja.levels.mlp import LEVEL
from pytest_ninja.levels.mlp.hints import CHAPTERS

hints = LEVEL.hints  # level 1's, for the tests of its own chapters and examples

IDS = [k.id for k in KATAS]
BY_KATA = pytest.mark.parametrize("kata", KATAS, ids=IDS)
# a kata of dicts (a whole block's params and cache) is too big for an example to print
EXAMPLED = [k for k in KATAS if not k.groups]
WITH_EXAMPLE = pytest.mark.parametrize("kata", EXAMPLED, ids=lambda k: k.id)
LECTURE_KATAS = pytest.mark.parametrize("kata", LEVEL.katas, ids=lambda k: k.id)


def hints_of(kata):
    return level_of(kata).hints


def forward(kata, t: dict) -> None:
    """The forward lines the kata reverses (its catalogue entry's), run on an example's tensors.

    A line whose result the example gives, or whose inputs it does not (kata 14's example
    starts at bnraw), is left out: the example starts below it.
    """
    given = set(t)
    for line in kata.reverses:
        target = line.split("=", 1)[0].strip()
        if target in given:
            continue
        try:
            exec(line, {"torch": torch, "F": F, "math": math}, t)
        except NameError:
            continue


def _shape(kata, name: str) -> str:
    return kata.shape(name, level_of(kata).shape_of)


def _tensor(kata, name: str, value):
    shape = _shape(kata, name)
    if shape == "int":
        return value
    if shape.endswith("int64"):
        return torch.tensor(value, dtype=torch.int64)
    grad = not name.startswith("d")  # upstream gradients are given, not differentiated
    return torch.tensor(value, dtype=torch.float64, requires_grad=grad)


def run_example(kata) -> dict:
    """Every tensor of the example's forward pass, and every gradient autograd finds."""
    ex = hints_of(kata).example(kata.id)
    t = {name: _tensor(kata, name, v) for name, v in {**ex.given, **ex.hidden}.items()}
    forward(kata, t)
    for v in t.values():
        if isinstance(v, torch.Tensor) and v.requires_grad and not v.is_leaf:
            v.retain_grad()
    (frontier,) = kata.frontier
    if frontier == "loss":
        t["loss"].backward()
    else:
        t[frontier].backward(t["d" + frontier])
    grads = {"d" + k: v.grad for k, v in t.items() if isinstance(v, torch.Tensor)}
    return {**t, **{k: g for k, g in grads.items() if g is not None}}


def _assert_printed(name: str, computed: torch.Tensor, printed, decimals: int) -> None:
    want = torch.tensor(printed, dtype=torch.float64)
    got = computed.detach().to(torch.float64)
    assert got.shape == want.shape, f"{name}: printed shape {tuple(want.shape)}, is {got.shape}"
    assert torch.equal(want, want.round(decimals=decimals)), f"{name} has more digits than shown"
    err = (got - want).abs().max().item()
    assert err <= 0.5 * 10**-decimals + 1e-12, f"{name} prints {printed}, is {got.tolist()}"


def _numbers(text: str) -> list[str]:
    return re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text)


@BY_KATA
def test_every_kata_has_three_nonempty_levels_within_the_size_limits(kata):
    assert LEVELS == 3
    for level in range(1, LEVELS + 1):
        text = hints_of(kata).hint(kata.id, level)
        lines = text.splitlines()
        assert text.strip() and 1 <= len(lines) <= 8
        assert all(line.strip() and len(line) <= 88 for line in lines), text


def test_every_kata_but_those_of_dicts_has_a_worked_example():
    for kata in KATAS:
        assert (kata.id in hints_of(kata).examples) == (kata in EXAMPLED), kata.id


@WITH_EXAMPLE
def test_level_three_ends_with_its_worked_example(kata):
    hints = hints_of(kata)
    text = hints.hint(kata.id, 3)
    rendered = hints.example(kata.id).render()
    assert text.endswith("\n" + rendered) and rendered.startswith("e.g. ")
    assert "e.g." not in hints.hint(kata.id, 1) + hints.hint(kata.id, 2)


@WITH_EXAMPLE
def test_a_worked_example_is_small_and_names_real_tensors(kata):
    ex = hints_of(kata).example(kata.id)
    shown = {name: value for name, value, _ in ex.shows}
    for name, value in {**ex.given, **ex.hidden, **shown}.items():
        try:
            _shape(kata, name)
        except KeyError:
            pytest.fail(f"{name} is not a tensor of level {kata.level}")
        assert torch.tensor(value).numel() <= 4, f"{name} is too big to check by hand"
    assert ex.shows[-1][0] in kata.outputs, "the last number shown is one the kata returns"
    for number in _numbers(ex.render()):
        digits = number.lstrip("-").replace(".", "").lstrip("0")
        assert len(digits) <= 3, f"{number}: at most three significant digits"
    note = ex.note.replace("n-1", "")
    assert not re.search(r"\d", note), "a note has no numbers: only checked ones are printed"


@WITH_EXAMPLE
def test_every_number_of_a_worked_example_is_what_autograd_computes(kata):
    t = run_example(kata)
    for name, printed, decimals in hints_of(kata).example(kata.id).shows:
        assert name in t, f"{name} is neither a forward tensor nor a gradient of the example"
        _assert_printed(name, t[name], printed, decimals)


@pytest.mark.parametrize(
    "kata",
    [k for k in EXAMPLED if k.id != "14_backward_mlp"],  # its example starts halfway, at bnraw
    ids=lambda k: k.id,
)
def test_every_output_a_worked_example_shows_is_what_the_solution_returns(kata):
    t = run_example(kata)
    args = {
        name: v.detach().clone() if isinstance(v, torch.Tensor) else v
        for name, v in t.items()
        if name in kata.inputs
    }
    func = load_function(SOLUTIONS / kata.filename, kata)
    out = func(**args)
    out = out if isinstance(out, dict) else {kata.outputs[0]: out}
    shown = [s for s in hints_of(kata).example(kata.id).shows if s[0] in kata.outputs]
    assert shown
    for name, printed, decimals in shown:
        _assert_printed(name, out[name], printed, decimals)


def test_the_example_text_prints_the_data_it_was_made_from():
    text = hints.hint("12_backward_cross_entropy", 3)
    assert "logits = [[2, 1, 0]], Yb = [0], n = 1 give dlogits = [[-0.335, 0.245, 0.090]]" in (
        " ".join(text.split())
    )
    assert hints.example("09").render().count("-0.167") == 1
    assert "-0.00" not in "".join(hints_of(k).example(k.id).render() for k in EXAMPLED)


def _solution_statements(kata) -> list[str]:
    tree = ast.parse((SOLUTIONS / kata.filename).read_text())
    stmts = [n for n in ast.walk(tree) if isinstance(n, ast.Assign | ast.AugAssign)]
    return ["".join(ast.unparse(s).split()) for s in stmts]


@BY_KATA
def test_no_hint_contains_a_line_of_the_solution_code(kata):
    for level in range(1, LEVELS + 1):
        text = hints_of(kata).hint(kata.id, level)
        squeezed = "".join(text.split())
        for stmt in _solution_statements(kata):
            assert stmt not in squeezed, f"level {level} gives away `{stmt}`"
        for out in kata.outputs:
            # an output may be shown a value, never assigned an expression
            code = re.search(rf"\b{out}(\[[^\]]*\])?\s*[-+*/]?=\s*(?![\s\[\d-])", text)
            assert code is None, f"level {level} writes the code for {out}"


def test_chapters_are_the_videos_own_in_its_order():
    starts = list(CHAPTERS)
    assert starts == sorted(starts) == [446, 781, 3917, 5191, 5797, 6602]
    assert [timestamp(s) for s in starts] == [
        "7:26",
        "13:01",
        "1:05:17",
        "1:26:31",
        "1:36:37",
        "1:50:02",
    ]
    mains = [hints.chapter_starts(k.id)[0] for k in LEVEL.katas]
    assert mains == sorted(mains), "katas follow the video"
    for kata in LEVEL.katas:
        found = hints.chapter_starts(kata.id)
        assert list(found) == sorted(found) and set(found) <= set(CHAPTERS)


@LECTURE_KATAS
def test_a_kata_names_its_exercise_chapter_and_links_to_it(kata):
    text = hints.chapter(kata.id)
    assert text.startswith(f"exercise {kata.exercise}: ")
    start = hints.chapter_starts(kata.id)[0]
    assert f"from {timestamp(start)}" in text
    url = hints.chapter_url(kata.id)
    assert url == f"https://www.youtube.com/watch?v=q8SA3rM6ckI&t={start}s"


def test_the_bn_stats_kata_also_names_bessels_correction():
    assert hints.chapter("01_backward_loss") == (
        "exercise 1: backproping the atomic compute graph, from 13:01"
    )
    text = hints.chapter("09_backward_bn_stats")
    assert text.startswith("exercise 1: backproping the atomic compute graph, from 13:01; ")
    assert text.endswith("brief digression: Bessel's correction in batchnorm, at 1:05:17")
    assert hints.chapter_url("09", 3917).endswith("&t=3917s")
    with pytest.raises(ValueError):
        hints.chapter_url("09", 5191)
    assert hints.chapter("12").endswith("from 1:26:31")


def test_a_hint_is_found_by_number_and_refuses_unknown_katas_and_levels():
    assert hints.hint("7", 1) == hints.hint("07_backward_tanh", 1)
    with pytest.raises(KeyError):
        hints.hint("99_backward_nothing", 1)
    for level in (0, 4):
        with pytest.raises(ValueError):
            hints.hint("07_backward_tanh", level)


@pytest.mark.parametrize("kata", GPT.katas, ids=lambda k: k.id)
def test_a_gpt_kata_names_its_chapters_of_lets_build_gpt_and_links_to_the_main_one(kata):
    hints = GPT.hints
    starts = hints.chapter_starts(kata.id)
    assert starts and set(starts) <= set(GPT_CHAPTERS)
    main = starts[0]
    assert hints.chapter(kata.id).startswith(f"{GPT_CHAPTERS[main]}, from {timestamp(main)}")
    assert hints.chapter_url(kata.id) == f"https://www.youtube.com/watch?v=kCc8FmEb1nY&t={main}s"
    assert list(GPT_CHAPTERS) == sorted(GPT_CHAPTERS)


def test_the_layernorm_hint_links_llm_c_s_notes_and_says_the_variance_is_biased():
    text = GPT.hints.hint("16", 2)
    assert LAYERNORM_NOTES in text.splitlines()
    assert LAYERNORM_NOTES.startswith("https://github.com/karpathy/llm.c/")
    assert "divides by C (biased)" in " ".join(text.split())


def test_importing_the_hints_does_not_import_torch():
    result = subprocess.run(
        [sys.executable, "-c", "import sys, pytest_ninja.levels; print('torch' in sys.modules)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"
