"""The dojo notebook run in a real kernel (ipykernel, through nbclient), as a learner runs it:
its stubs, every kata answered with its solution, one typical mistake and the hints; and level
2's notebook, every kata answered with its solution's file (katas 22 and 23 with their helpers).

One kernel run per scenario (module-scoped fixtures), each in a working directory of its own;
the dojo is importable here, so the set-up cell must install nothing (the tests run offline).
"""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest
from helpers import SOLUTIONS
from nbclient import NotebookClient

from pytest_ninja.core.loading import function_source
from pytest_ninja.levels import FIRST as KATAS  # the lecture's level
from pytest_ninja.levels import of_levels
from pytest_ninja.loop.notebook import build as nb_build

TIMEOUT = 120  # seconds a cell may take; each run takes a few


def generated(where, katas=KATAS) -> nbformat.NotebookNode:
    nb_build.write_notebook(where / "dojo.ipynb", katas=katas)
    return nbformat.read(where / "dojo.ipynb", as_version=4)


def execute(nb: nbformat.NotebookNode, where) -> nbformat.NotebookNode:
    client = NotebookClient(
        nb, kernel_name="python3", timeout=TIMEOUT, resources={"metadata": {"path": str(where)}}
    )
    client.execute()
    nbformat.write(nb, where / "executed.ipynb")  # to look at when a test fails
    return nb


def cell_of(nb, cell_id: str):
    return next(c for c in nb.cells if c.get("id") == cell_id)


def kata_cell(nb, kata):
    return cell_of(nb, f"kata-{kata.number:02d}")


def text_of(cell) -> str:
    """Everything a plain-text front end shows of a cell's outputs."""
    parts = []
    for o in cell.outputs:
        if o.output_type == "stream":
            parts.append(o.text)
        elif o.output_type == "error":
            parts.append(f"{o.ename}: {o.evalue}")
        else:
            parts.append(o.data.get("text/plain", ""))
    return "\n".join(parts)


def html_of(cell) -> str:
    return "\n".join(o.data.get("text/html", "") for o in cell.outputs if "data" in o)


def code_cell(source: str, cell_id: str):
    return nbformat.v4.new_code_cell(source, id=cell_id)


def no_errors(nb) -> None:
    for c in nb.cells:
        if c.cell_type == "code":
            bad = [o for o in c.outputs if o.output_type == "error" or o.get("name") == "stderr"]
            assert not bad, (c.source.splitlines()[0], bad)


KERNEL_STATE = """import os, random, warnings
torch.set_num_threads(2)
torch.set_grad_enabled(False)
torch.set_default_dtype(torch.float64)
torch.manual_seed(1234); torch.randn(3)
random.seed(5)
warnings.filterwarnings("ignore", message="a filter of the learner's own")

def kernel_state():
    return (torch.get_num_threads(), torch.is_grad_enabled(), torch.get_default_dtype(),
            torch.get_rng_state(), random.getstate(), os.getcwd(), list(warnings.filters))

BEFORE = kernel_state()
"""

MESSY = """import pytest_ninja

def backward_tanh(hpreact, h, dh):
    torch.manual_seed(0); random.seed(0); torch.set_num_threads(1)
    torch.set_default_dtype(torch.float32); warnings.simplefilter("error")
    os.chdir("/")
    return (1 - h**2) * dh

pytest_ninja.check(backward_tanh)
"""

SAME_STATE = """AFTER = kernel_state()
assert AFTER[:3] == BEFORE[:3] and torch.equal(AFTER[3], BEFORE[3]), (AFTER[:3], BEFORE[:3])
assert AFTER[4:] == BEFORE[4:]
print("the kernel is as it was found")
"""


@pytest.fixture(scope="module")
def stubs(tmp_path_factory):
    """The notebook as written, with the learner's own state set before it and a graded
    function that tampers with it, then read again."""
    where = tmp_path_factory.mktemp("stubs")
    nb = generated(where)
    nb.cells.insert(2, code_cell(KERNEL_STATE, "state-before"))
    nb.cells.insert(-2, code_cell(MESSY, "messy"))
    nb.cells.insert(-2, code_cell(SAME_STATE, "state-after"))
    return execute(nb, where), where


def test_the_setup_cell_installs_nothing_where_the_dojo_is_importable(stubs):
    nb, where = stubs
    out = text_of(cell_of(nb, "setup"))
    assert out.startswith("pytest-ninja: the dojo is loaded")
    assert f"progress: {where}/katas/.ninja-progress.json" in out
    assert "pip" not in out.lower() and "Successfully installed" not in out


def test_every_stub_runs_as_todo_with_no_error_output(stubs):
    nb, _ = stubs
    no_errors(nb)
    for kata in KATAS:
        out = text_of(kata_cell(nb, kata))
        number, name = kata.id.split("_", 1)
        assert out.startswith(f"{number} {name}: todo, 0/{len(kata.outputs)} checks pass"), out
        assert f"todo: implement {name} in %%kata {number}" in out
        assert "text/html" in kata_cell(nb, kata).outputs[0].data
        assert "reference solution" not in out + html_of(kata_cell(nb, kata))


def test_grading_leaves_the_learners_kernel_as_it_found_it(stubs):
    nb, _ = stubs
    assert "07 backward_tanh: passed" in text_of(cell_of(nb, "messy"))
    assert text_of(cell_of(nb, "state-after")).strip() == "the kernel is as it was found"


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """Every kata cell's function replaced by the solution's."""
    where = tmp_path_factory.mktemp("solved")
    nb = generated(where)
    for kata in KATAS:
        answer = "\n".join(function_source(SOLUTIONS / kata.filename, kata.name))
        kata_cell(nb, kata).source = f"%%kata {kata.number:02d}\n{answer}\n"
    return execute(nb, where), where


def test_every_kata_answered_with_its_solution_passes_and_fills_the_panel(solved):
    nb, _ = solved
    no_errors(nb)
    for kata in KATAS:
        number, name = kata.id.split("_", 1)
        total = len(kata.outputs)
        assert text_of(kata_cell(nb, kata)).startswith(
            f"{number} {name}: passed, {total}/{total} checks pass"
        )
        assert "<details><summary>the reference solution" in html_of(kata_cell(nb, kata))
    status = text_of(cell_of(nb, "status"))
    assert status.startswith("dojo: 14/14 katas, 35/35 checks  [" + "#" * 30 + "]")
    assert "every kata passed: you are a backprop ninja" in status


def ninja_status(where):
    """`pytest-ninja status` run in a notebook's folder, as a learner would: it must succeed."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest_ninja.cli", "status"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_the_notebooks_progress_is_the_workspaces_so_pytest_ninja_status_reads_it(solved):
    _, where = solved
    done = ninja_status(where)
    assert "14/14 katas, 35/35 checks" in done.stdout


MISTAKE = """%%kata 12
def backward_cross_entropy(logits, Yb, n):
    dlogits = F.softmax(logits, 1)
    dlogits[range(n), Yb] -= 1
    return dlogits
"""


@pytest.fixture(scope="module")
def mistaken(tmp_path_factory):
    """Kata 12 with the 1/n forgotten, then hints: twice for 09, once for the kata one is on."""
    where = tmp_path_factory.mktemp("mistaken")
    nb = generated(where)
    kata_cell(nb, KATAS[11]).source = MISTAKE
    nb.cells.insert(-2, code_cell("%kata_hint 09", "hint-09"))
    nb.cells.insert(-2, code_cell("%kata_hint 09", "hint-09-again"))
    nb.cells.insert(-2, code_cell("%kata_hint", "hint-bare"))
    return execute(nb, where), where


def test_a_typical_mistake_gets_its_diagnosis_and_a_picture(mistaken):
    nb, _ = mistaken
    cell = kata_cell(nb, KATAS[11])
    out = text_of(cell)
    assert out.startswith("12 backward_cross_entropy: failed, 0/1 checks pass")
    assert "dlogits | exact: False | approximate: False | maxdiff:" in out
    assert "likely: n = 32 times too large: a 1/n is missing" in out
    assert "failed in the lecture phase" in out
    assert "likely: n = 32 times too large" in html_of(cell)
    kinds = [sorted(o.data) for o in cell.outputs]
    assert kinds == [
        ["text/html", "text/plain"],
        ["image/png", "text/plain"],
        ["text/html", "text/plain"],
    ]
    assert "reference solution" not in out + html_of(cell)


def test_hints_come_level_by_level_and_follow_the_kata_you_are_on(mistaken):
    nb, _ = mistaken
    first = text_of(cell_of(nb, "hint-09"))
    assert first.startswith("hint 1/3 for 09 backward_bn_stats")
    assert "more: %kata_hint 09" in first
    assert text_of(cell_of(nb, "hint-09-again")).startswith("hint 2/3 for 09 backward_bn_stats")
    assert text_of(cell_of(nb, "hint-bare")).startswith("hint 1/3 for 12 backward_cross_entropy")
    no_errors(nb)


SECOND = of_levels([2])


@pytest.fixture(scope="module")
def second(tmp_path_factory):
    """Level 2's notebook, every kata cell answered with its solution's whole file."""
    where = tmp_path_factory.mktemp("second")
    nb = generated(where, SECOND)
    for kata in SECOND:
        answer = (SOLUTIONS / kata.filename).read_text()
        kata_cell(nb, kata).source = f"%%kata {kata.number:02d}\n{answer}"
    return execute(nb, where), where


def test_level_2s_notebook_declares_its_level_and_passes_every_kata_and_key(second):
    nb, where = second
    no_errors(nb)
    setup = text_of(cell_of(nb, "setup")).splitlines()
    assert setup[-1] == "this notebook: level 2, a character-level GPT (katas 15 to 23)"
    for kata in SECOND:
        number, name = kata.id.split("_", 1)
        total = len(kata.outputs)
        assert text_of(kata_cell(nb, kata)).startswith(
            f"{number} {name}: passed, {total}/{total} checks pass"
        )
    status = text_of(cell_of(nb, "status"))
    assert status.startswith("dojo: 9/9 katas, 53/53 checks  [" + "#" * 30 + "]")
    assert "every kata passed" in status and "\n  01 " not in status
    done = ninja_status(where)
    assert "9/9 katas, 53/53 checks" in done.stdout and "backward_loss" not in done.stdout
