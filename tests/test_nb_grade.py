"""Grading in a notebook, in process: a `%%kata` cell's source, `check(fn)`, the verdict shown
as text and HTML, the picture of a wrong gradient, the progress file, the kernel left as found;
level 2's katas 22 and 23 (dict inputs, a grads dict) and a panel of the notebook's levels.
"""

from __future__ import annotations

import json
import os
import random
import sys
import warnings

import pytest
import torch
from helpers import ROOT, SOLUTIONS

import pytest_ninja
from pytest_ninja.core.loading import function_source
from pytest_ninja.core.result import Status
from pytest_ninja.levels import BY_ID, KATAS
from pytest_ninja.loop.notebook import grade as nb_grade
from pytest_ninja.loop.notebook import scope as nb_scope
from pytest_ninja.loop.progress import Progress

TANH = BY_ID["07_backward_tanh"]
CROSS_ENTROPY = BY_ID["12_backward_cross_entropy"]


@pytest.fixture(autouse=True)
def notebook_dir(tmp_path, monkeypatch):
    """Each test in a working directory of its own, as a notebook's, in a session of its own."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(nb_grade, "_SESSION", Progress())
    monkeypatch.setattr(nb_scope, "_DECLARED", {})  # a kernel that declared no level yet
    return tmp_path


def solution(kata) -> str:
    return "\n".join(function_source(SOLUTIONS / kata.filename, kata.name)) + "\n"


def stub(kata) -> str:
    return "\n".join(function_source(ROOT / "katas" / kata.filename, kata.name)) + "\n"


def cell(source: str, kata=TANH, namespace=None, **kwargs):
    namespace = {"torch": torch, "F": torch.nn.functional} if namespace is None else namespace
    return nb_grade.grade_cell(source, kata, namespace, **kwargs)


def saved_progress(where) -> dict:
    return json.loads((where / "katas" / ".ninja-progress.json").read_text())


def test_a_right_answer_passes_is_defined_in_the_namespace_and_shows_its_solution_folded():
    namespace = {"torch": torch}
    verdict = cell(solution(TANH), namespace=namespace)
    assert verdict.status is Status.PASSED
    assert callable(namespace["backward_tanh"])
    assert verdict.lines() == [
        "07 backward_tanh: passed, 1/1 checks pass",
        "dhpreact matches autograd in both phases",
    ]
    html = verdict._repr_html_()
    assert "<details><summary>the reference solution" in html and "(1.0 - h**2) * dh" in html
    assert "the reference solution (compare it with yours):" in repr(verdict)


def test_the_stub_with_its_body_replaced_by_a_right_answer_passes():
    answered = stub(TANH).replace("    raise NotImplementedError", "    return (1 - h**2) * dh")
    assert '"""Write the backward pass' in answered
    assert cell(answered).status is Status.PASSED


def test_the_stub_is_todo_and_no_solution_is_shown_before_a_pass():
    verdict = cell(stub(TANH))
    assert verdict.status is Status.TODO
    assert verdict.lines()[1] == "todo: implement backward_tanh in %%kata 07"
    assert verdict.solution == ""
    assert "<details>" not in verdict._repr_html_()
    assert "reference solution" not in repr(verdict) and "1.0 - h**2" not in repr(verdict)


def test_a_wrong_answer_shows_the_terminals_lines_and_the_picture_of_where_it_is_wrong():
    wrong = solution(CROSS_ENTROPY).replace("    dlogits /= n\n", "")
    verdict = cell(wrong, CROSS_ENTROPY)
    lines = verdict.lines()
    assert lines[0] == "12 backward_cross_entropy: failed, 0/1 checks pass"
    assert lines[1].startswith("dlogits | exact: False | approximate: False | maxdiff:")
    assert lines[2] == "likely: n = 32 times too large: a 1/n is missing"
    assert lines[3].startswith("worst entry [")
    assert lines[4].startswith("failed in the lecture phase")
    assert verdict.picture is not None and verdict.picture.png.startswith(b"\x89PNG")
    assert "data:image/png;base64," in verdict._repr_html_()
    assert [type(p).__name__ for p in verdict.parts()] == ["_VerdictPart", "Picture", "Panel"]
    assert "likely: n = 32 times too large" in verdict._repr_html_()


def test_without_matplotlib_there_is_no_picture_and_the_text_says_it_all(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` fails
    wrong = solution(CROSS_ENTROPY).replace("    dlogits /= n\n", "")
    verdict = cell(wrong, CROSS_ENTROPY)
    assert verdict.status is Status.FAILED and verdict.picture is None
    assert [type(p).__name__ for p in verdict.parts()] == ["_VerdictPart", "Panel"]


def test_a_wrong_answer_of_the_wrong_shape_has_no_picture():
    wrong = solution(CROSS_ENTROPY).replace("return dlogits", "return dlogits.sum(0)")
    verdict = cell(wrong, CROSS_ENTROPY)
    assert "has shape (27,) but must have shape (32, 27)" in verdict.lines()[1]
    assert verdict.picture is None


def test_the_cells_source_is_refused_as_a_files_is_and_nothing_is_defined():
    namespace = {"torch": torch}
    source = "import inspect\n\n" + solution(TANH)
    verdict = cell(source, namespace=namespace)
    assert verdict.status is Status.ERROR
    assert verdict.lines()[1].startswith("%%kata 07:2: `import inspect` is refused in a kata")
    assert "backward_tanh" not in namespace
    autograd = solution(TANH).replace("return dhpreact", "return torch.autograd.grad(h, dh)")
    assert "autograd is switched off" in cell(autograd).lines()[1]


def test_errors_name_the_cells_line_as_the_notebook_numbers_it():
    # line 1 is the `%%kata 07` line itself, so `return 1 / 0` is line 3
    crash = cell("def backward_tanh(hpreact, h, dh):\n    return 1 / 0\n")
    assert crash.lines()[1] == (
        "backward_tanh raised ZeroDivisionError: division by zero (%%kata 07:3: return 1 / 0)"
    )
    syntax = cell("def backward_tanh(hpreact, h, dh):\n    return (\n")
    assert syntax.lines()[1].startswith("%%kata 07 has a syntax error: ")
    assert "(%%kata 07:3: return (" in syntax.lines()[1]


def test_a_cell_that_lost_its_function_is_not_graded_on_an_earlier_runs():
    namespace = {"torch": torch}
    assert cell(solution(TANH), namespace=namespace).status is Status.PASSED
    renamed = solution(TANH).replace("def backward_tanh", "def my_tanh")
    verdict = cell(renamed, namespace=namespace)
    assert verdict.lines()[1] == "%%kata 07 has no function `backward_tanh` (it defines my_tanh)"


def test_a_wrong_signature_and_an_in_place_write_get_the_cores_messages():
    wrong = cell("def backward_tanh(hpreact, h):\n    return h\n")
    assert "is missing the parameter `dh`" in wrong.lines()[1]
    in_place = cell("def backward_tanh(hpreact, h, dh):\n    dh *= 1 - h**2\n    return dh\n")
    assert "changed its input `dh` in place" in in_place.lines()[1]


def test_an_endless_loop_is_stopped_by_the_time_limit_and_says_how_to_set_it():
    verdict = cell(
        "def backward_tanh(hpreact, h, dh):\n    while True:\n        pass\n", timeout=0.2
    )
    assert verdict.status is Status.ERROR
    assert verdict.lines()[1] == (
        "backward_tanh ran for more than 0.2 s and was stopped: an endless loop? "
        "(the limit is set by %%kata 07 --timeout SECONDS)"
    )


def test_an_answer_on_another_device_is_told_to_come_back_to_the_cpu():
    # Colab: a learner's tensors may live on cuda; the dojo's inputs are on the CPU, and an
    # answer on another device is not moved, it is told so (`meta` stands in for `cuda` here)
    verdict = cell("def backward_tanh(hpreact, h, dh):\n    return ((1 - h**2) * dh).to('meta')\n")
    assert verdict.lines()[1] == (
        "dhpreact is on meta, the dojo grades on cpu: return it with .to('cpu')"
    )


def test_progress_is_kept_where_pytest_katas_keeps_it(notebook_dir):
    cell(solution(TANH))
    cell(stub(CROSS_ENTROPY), CROSS_ENTROPY)
    saved = saved_progress(notebook_dir)
    assert saved["format"] == "pytest-ninja/progress/2"
    assert saved["katas"]["07_backward_tanh"]["checks"] == {"dhpreact": "passed"}
    assert saved["katas"]["07_backward_tanh"]["first_passed"]
    assert saved["katas"]["12_backward_cross_entropy"]["checks"] == {"dlogits": "todo"}
    panel = pytest_ninja.check(stub_function()).panel
    assert panel.kept_in == str(notebook_dir / "katas" / ".ninja-progress.json")


def stub_function():
    def backward_cross_entropy(logits, Yb, n):
        raise NotImplementedError

    return backward_cross_entropy


def test_the_panel_shows_every_kata_a_bar_and_the_kata_you_are_on():
    cell(solution(TANH))
    wrong = solution(CROSS_ENTROPY).replace("    dlogits /= n\n", "")
    lines = cell(wrong, CROSS_ENTROPY).panel.lines()
    assert lines[0] == "dojo: 1/14 katas, 1/35 checks  [#.............................]"
    assert "07 passed    1/1" in lines[2] and "12 failed    0/1" in lines[3]
    assert lines[4] == "next: %%kata 12  (12 backward_cross_entropy)"
    assert lines[5].startswith("      dlogits | exact: False")
    assert "      stuck? %kata_hint 12" in lines


def test_after_three_failed_runs_the_panel_shows_the_first_hint_by_itself():
    wrong = solution(CROSS_ENTROPY).replace("    dlogits /= n\n", "")
    panels = [cell(wrong + "\n" * i, CROSS_ENTROPY).panel.lines() for i in range(3)]
    assert not any(line.strip().startswith("hint:") for line in panels[1])
    assert any(line.strip().startswith("hint: Work softmax") for line in panels[2])


def test_a_kata_that_passed_and_fails_now_is_regressed_and_every_kata_passed_is_said():
    for kata in KATAS:
        verdict = cell(solution(kata), kata)
    assert verdict.panel.lines()[-2:] == [
        "every kata passed: you are a backprop ninja",
        f"progress: {os.getcwd()}/katas/.ninja-progress.json",
    ]
    again = cell(stub(TANH).replace("raise NotImplementedError", "return dh"))
    assert "07 regressed 0/1" in "\n".join(again.panel.lines())


def test_a_working_directory_that_cannot_keep_progress_keeps_it_for_the_session(notebook_dir):
    (notebook_dir / "katas").write_text("not a folder")
    verdict = cell(solution(TANH))
    assert verdict.status is Status.PASSED
    assert verdict.panel.warning.startswith("progress is kept for this session only: ")
    assert verdict.panel.lines()[-1].startswith("warning: progress is kept for this session")


def test_check_grades_a_function_by_its_name_or_the_kata_named():
    def backward_tanh(hpreact, h, dh):
        return (1 - h**2) * dh

    assert pytest_ninja.check(backward_tanh).status is Status.PASSED
    assert pytest_ninja.check(backward_tanh, kata="07").status is Status.PASSED
    assert pytest_ninja.check(backward_tanh, kata=7).status is Status.PASSED
    mine = pytest_ninja.check(lambda hpreact, h, dh: dh, kata="backward_tanh")
    assert mine.status is Status.FAILED


def test_check_says_in_one_line_what_is_not_a_kata():
    def my_function(x):
        return x

    with pytest.raises(ValueError, match="^'my_function' is not a kata's function: name it"):
        pytest_ninja.check(my_function)
    with pytest.raises(ValueError, match="^no kata '42': name one by its number"):
        pytest_ninja.check(my_function, kata=42)


def test_check_refuses_shortcuts_and_functions_whose_source_cannot_be_read():
    def backward_tanh(hpreact, h, dh):
        import inspect  # noqa: F401

        return dh

    refused = pytest_ninja.check(backward_tanh)
    assert refused.status is Status.ERROR
    assert "`import inspect` is refused in a kata" in refused.lines()[1]
    namespace: dict = {}
    exec("def backward_tanh(hpreact, h, dh):\n    return dh\n", namespace)
    unread = pytest_ninja.check(namespace["backward_tanh"])
    assert unread.lines()[1].startswith("the source of backward_tanh cannot be read")


def test_check_names_the_line_of_a_function_from_a_file(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text("def backward_tanh(hpreact, h, dh):\n    return 1 / 0\n")
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    verdict = pytest_ninja.check(namespace["backward_tanh"])
    assert verdict.lines()[1].endswith("(mine.py:2: return 1 / 0)")
    assert (
        "check(..., timeout=SECONDS)" in pytest_ninja.check(endless_tanh(), timeout=0.2).lines()[1]
    )


def endless_tanh():
    def backward_tanh(hpreact, h, dh):
        while True:
            pass

    return backward_tanh


def kernel_state():
    return (
        torch.get_num_threads(),
        torch.is_grad_enabled(),
        torch.get_default_dtype(),
        torch.get_rng_state(),
        random.getstate(),
        os.getcwd(),
        list(warnings.filters),
    )


def same_state(a, b) -> bool:
    return a[:3] == b[:3] and torch.equal(a[3], b[3]) and a[4:] == b[4:]


def test_grading_leaves_the_kernel_as_it_found_it_whatever_the_answer_does(tmp_path):
    messy = (
        "import os, random, warnings\n"
        "def backward_tanh(hpreact, h, dh):\n"
        "    torch.manual_seed(0); random.seed(0); torch.set_num_threads(1)\n"
        "    torch.set_default_dtype(torch.float64); warnings.simplefilter('error')\n"
        "    os.chdir('/')\n"
        "    return (1 - h**2) * dh\n"
    )
    threads = torch.get_num_threads()
    with warnings.catch_warnings():
        try:
            torch.set_num_threads(2)
            torch.set_grad_enabled(False)  # the learner switched autograd off for the session
            torch.manual_seed(1234)
            torch.randn(3)
            warnings.filterwarnings("ignore", message="a filter of the learner's own")
            before = kernel_state()
            verdict = cell(messy)
            after = kernel_state()
        finally:
            torch.set_grad_enabled(True)
            torch.set_num_threads(threads)
            torch.set_default_dtype(torch.float32)
    assert verdict.status is Status.PASSED
    assert same_state(before, after)


def test_a_cell_that_changes_torch_is_refused_and_torch_is_put_back():
    abs_ = torch.Tensor.abs
    patched = "T = torch.Tensor\nT.abs = lambda self: self * 0\n\n" + solution(TANH)
    verdict = cell(patched)
    assert verdict.status is Status.ERROR
    assert "when it ran, it changed torch.Tensor.abs" in verdict.lines()[1]
    assert verdict.solution == ""
    assert torch.Tensor.abs is abs_
    # what the learner's other cells do to torch is theirs: only a graded cell is watched
    assert cell(solution(TANH)).status is Status.PASSED


# -- level 2: katas 22 and 23, and the panel of the notebook's own levels ------------------

BLOCK, GPT = BY_ID["22_backward_block"], BY_ID["23_backward_gpt"]
RETURN_BLOCK = "    return dx, {key: grads[key] for key in params}  # in params' order\n"


def whole(kata) -> str:
    """The solution's file as a cell: its helpers (katas 22 and 23 chain the ops') and all."""
    return (SOLUTIONS / kata.filename).read_text()


def test_a_level_2_notebooks_panel_shows_level_2_only():
    nb_scope.declare("2")
    verdict = cell(whole(BLOCK), BLOCK)
    assert verdict.status is Status.PASSED
    assert verdict.lines() == [
        "22 backward_block: passed, 13/13 checks pass",
        "all 13 match autograd in both phases: dx and every key of grads",
    ]
    lines = verdict.panel.lines()
    assert lines[0] == "dojo: 1/9 katas, 13/53 checks  [#######.......................]"
    shown = " ".join(lines[1:3])
    assert "15 todo" in shown and "22 passed    13/13" in shown and "23 todo      0/28" in shown
    assert "01 todo" not in "\n".join(lines) and "level 1" not in "\n".join(lines)
    assert lines[3] == "next: %%kata 15  (15 backward_encoder)"
    assert nb_grade.status().lines()[0].startswith("dojo: 1/9 katas, 13/53 checks")


def test_kata_22s_missing_key_is_todo_and_counted_check_by_check(notebook_dir):
    nb_scope.declare("2")
    missing = whole(BLOCK).replace(
        RETURN_BLOCK, '    del grads["ln_1.bias"]\n    return dx, grads\n'
    )
    verdict = cell(missing, BLOCK)
    assert verdict.status is Status.TODO and verdict.solution == ""
    assert verdict.lines() == [
        "22 backward_block: todo, 12/13 checks pass",
        "12 of 13 match autograd in both phases: all but dln_1.bias",
        "todo: dln_1.bias is not returned yet",
    ]
    assert "22 todo      12/13" in "\n".join(verdict.panel.lines())
    assert verdict.panel.totals() == (0, 12, 53)
    checks = saved_progress(notebook_dir)["katas"]["22_backward_block"]["checks"]
    assert checks["dln_1.bias"] == "todo" and checks["dattn.c_attn.weight"] == "passed"
    assert len(checks) == 13


def test_kata_23s_solution_passes_every_key_and_its_shown_solution_brings_its_helpers():
    nb_scope.declare("2")
    verdict = cell(whole(GPT), GPT)
    assert verdict.lines() == [
        "23 backward_gpt: passed, 28/28 checks pass",
        "all 28 match autograd in both phases: every key of grads",
    ]
    assert verdict.panel.totals() == (1, 28, 53)
    # what is shown after the pass is the cell it would take: helpers, constants, `import math`
    assert "def _block(" in verdict.solution and "GELU_K = " in verdict.solution
    assert "import math" in verdict.solution and "import torch\n" not in verdict.solution
    assert cell(verdict.solution, GPT).status is Status.PASSED


def test_a_wrong_weight_gradient_in_a_grads_dict_gets_its_picture():
    doubled = '    grads["attn.c_proj.weight"] = 2 * grads["attn.c_proj.weight"]\n' + RETURN_BLOCK
    verdict = cell(whole(BLOCK).replace(RETURN_BLOCK, doubled), BLOCK)
    assert verdict.status is Status.FAILED
    assert (
        verdict.lines()[1] == "12 of 13 match autograd in both phases: all but dattn.c_proj.weight"
    )
    assert verdict.lines()[2].startswith("dattn.c_proj.weight | exact: False")
    assert verdict.picture is not None and verdict.picture.name == "dattn.c_proj.weight"


CHAINED = """def backward_block(x, params, cache, n_head, dout):
    p, c, grads = params, cache, {}

    def linear(name, inp, d):  # kata 17's answer, from its own cell
        g = backward_linear(inp, p[name + ".weight"], p[name + ".bias"], d)
        grads[name + ".weight"], grads[name + ".bias"] = g["dweight"], g["dbias"]
        return g["dinp"]

    def layernorm(name, inp, d):  # kata 16's
        w, b = p[name + ".weight"], p[name + ".bias"]
        g = backward_layernorm(inp, w, b, c[name + ".mean"], c[name + ".rstd"], d)
        grads[name + ".weight"], grads[name + ".bias"] = g["dweight"], g["dbias"]
        return g["dx"]

    d = backward_gelu(c["mlp.c_fc.out"], linear("mlp.c_proj", c["mlp.gelu.out"], dout))
    dx2 = dout + layernorm("ln_2", c["x2"], linear("mlp.c_fc", c["ln_2.out"], d))
    d = linear("attn.c_proj", c["attn.y"], dx2)
    d = backward_attention(c["attn.c_attn.out"], c["attn.att"], n_head, d)
    return dx2 + layernorm("ln_1", x, linear("attn.c_attn", c["ln_1.out"], d)), grads
"""


def test_kata_22s_cell_may_call_the_answers_of_the_katas_before_it():
    namespace = {"torch": torch, "F": torch.nn.functional}
    for kid in ("16_backward_layernorm", "17_backward_linear", "18_backward_gelu"):
        assert cell(solution(BY_ID[kid]), BY_ID[kid], namespace).status is Status.PASSED
    attention = BY_ID["20_backward_attention"]
    assert cell(solution(attention), attention, namespace).status is Status.PASSED
    assert cell(CHAINED, BLOCK, namespace).status is Status.PASSED


def test_a_notebook_of_both_levels_shows_them_level_by_level():
    nb_scope.declare("1,2")
    lines = cell(solution(TANH)).panel.lines()
    assert lines[0].startswith("dojo: 1/23 katas, 1/88 checks")
    headings = [line for line in lines if line.startswith("  level ")]
    assert headings == [
        "  level 1: the lecture's MLP (1/14 katas)",
        "  level 2: a character-level GPT (0/9 katas)",
    ]
    assert lines.index(headings[1]) > next(i for i, ln in enumerate(lines) if "14 todo" in ln)
    html = nb_grade.status()._repr_html_()
    assert "level 1: the lecture&#x27;s MLP (1/14 katas)" in html
    assert "level 2: a character-level GPT (0/9 katas)" in html
