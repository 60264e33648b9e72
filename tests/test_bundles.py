"""The teacher's bundles end to end: Classroom 50's `autograder.py` run as its runner runs it
(its variables, cwd = the student's checkout, no index: nothing but the bundle), Gradescope's
`run_autograder` in a scratch `/autograder`, and the dojo's wheel both carry.

One wheel, one student template and two borrowing venvs per module (torch, pytest and pip
come from this environment; the dojo only from the wheel), four katas per template.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from class_runs import KILLS, RAISES, classroom50_env, read_json, rows
from helpers import SOLUTIONS, borrowing_venv, valid_gradescope

from pytest_ninja.classroom import contract
from pytest_ninja.classroom.assignment import Assignment
from pytest_ninja.classroom.wheel import dojo_wheel
from pytest_ninja.cli.main import main
from pytest_ninja.levels import BY_ID
from pytest_ninja.levels import KATAS as CATALOGUE

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths and signals")

ASSIGNED = ("01_backward_loss", "04_backward_exp", "07_backward_tanh", "09_backward_bn_stats")
POINTS = {"01_backward_loss": 2, "09_backward_bn_stats": 6}  # the others 1: 10 in all
WRONG_TANH = "def backward_tanh(hpreact, h, dh):\n    return (1 - hpreact**2) * dh\n"
EXP_RAISES = RAISES.replace(
    "backward_tanh(hpreact, h, dh)", "backward_exp(norm_logits, counts, dcounts)"
)
EXP_KILLED = KILLS.replace(
    "backward_tanh(hpreact, h, dh)", "backward_exp(norm_logits, counts, dcounts)"
)
TIMES: dict[str, float] = {}  # seconds each simulated push took, printed by the last test


def run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def offline(**more: str) -> dict[str, str]:
    """This environment without the test run's and pip's own settings: pip sees no index, no
    configuration file and no local wheels, so only the bundle can be installed."""
    skip = ("PYTEST_", "GITHUB_", "PIP_", "CLASSROOM", "ASSIGNMENT", "SUBMISSION_TAG")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env.update(PIP_NO_INDEX="1", PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.update(more)
    return env


def no_workflow_commands(done: subprocess.CompletedProcess) -> None:
    lines = (done.stdout + done.stderr).splitlines()
    assert not [ln for ln in lines if ln.lstrip().startswith(("::", "##["))]


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    """`pytest-ninja init student --classroom50 --gradescope`: the template and the bundles."""
    where = tmp_path_factory.mktemp("class")
    flags = ["--katas", "01,04,07,09", "--points", "01=2,09=6", "--grader", str(where / "grader")]
    assert main(["init", str(where / "student"), "--classroom50", "--gradescope", *flags]) == 0
    return where


@pytest.fixture(scope="module")
def wheel(made) -> Path:
    (found,) = (made / "grader" / "classroom50").glob("pytest_ninja-*.whl")
    return found


@pytest.fixture(scope="module")
def bare(tmp_path_factory) -> Path:
    """A venv without the dojo whose python borrows torch, pytest and pip: Classroom 50's
    Python once torch is there."""
    return borrowing_venv(tmp_path_factory.mktemp("bare") / "venv", pip=False)


@pytest.fixture(scope="module")
def autograder_root(tmp_path_factory, wheel) -> Path:
    """A scratch `/autograder` as setup.sh leaves it: `venv/` with the wheel installed
    (`--no-index --no-deps`: torch and pytest are borrowed)."""
    root = tmp_path_factory.mktemp("autograder")
    python = borrowing_venv(root / "venv", pip=False)
    pip = [str(python), "-m", "pip", "install", "-q", "--no-index", "--no-deps", str(wheel)]
    done = run(pip, root, offline())
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def checkout(made: Path, where: Path, katas: dict[str, str]) -> Path:
    """A copy of the student template with these katas 'solved' or replaced by a source."""
    shutil.copytree(made / "student", where)
    for kata_id, what in katas.items():
        source = (SOLUTIONS / f"{kata_id}.py").read_text() if what == "solved" else what
        (where / "katas" / f"{kata_id}.py").write_text(source)
    return where


def push(python: Path, grader: Path, repo: Path, **more: str) -> subprocess.CompletedProcess:
    """`python autograder.py` as Classroom 50's runner runs it: cwd = the checkout."""
    runner = {"RUNNER_TEMP": str(repo.parent / "runner-temp"), "GITHUB_WORKSPACE": str(repo)}
    env = offline(**classroom50_env(GITHUB_REPOSITORY="ml-2026/ninja-ada", **runner, **more))
    began = time.monotonic()
    done = run([str(python), str(grader / "autograder.py")], repo, env)
    TIMES[repo.parent.name] = time.monotonic() - began
    no_workflow_commands(done)
    return done


def graded(done: subprocess.CompletedProcess, repo: Path) -> dict:
    """The result.json a push left: exit 0, valid under the contract, Release notes beside."""
    assert done.returncode == 0, done.stdout + done.stderr
    doc = read_json(repo / "result.json")
    assert contract.problems(doc, classroom50_env()) == []
    assert [r["test-name"] for r in doc["tests"]] == list(ASSIGNED)
    assert [r["max-score"] for r in doc["tests"]] == [2, 1, 1, 6]
    assert contract.check_body((repo / "release-body.md").read_text("utf-8")) == []
    return doc


# -- Classroom 50 --------------------------------------------------------------------------


def test_a_push_scores_solved_wrong_todo_and_crashing_katas_honestly(made, bare, tmp_path):
    repo = checkout(
        made,
        tmp_path / "mixed",
        {
            "01_backward_loss": "solved",
            "04_backward_exp": EXP_RAISES,
            "07_backward_tanh": WRONG_TANH,
        },
    )
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    done = push(
        bare,
        made / "grader" / "classroom50",
        repo,
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_OUTPUT=str(output),
    )
    doc = graded(done, repo)
    by = rows(doc)
    assert by["01_backward_loss"]["passed"] and by["01_backward_loss"]["score"] == 2
    assert not by["04_backward_exp"]["passed"] and "not today" in by["04_backward_exp"]["message"]
    assert not by["07_backward_tanh"]["passed"] and by["07_backward_tanh"]["score"] == 0
    assert "todo" in by["09_backward_bn_stats"]["message"]
    assert doc["score"] == 2
    assert "installed pytest-ninja" in done.stdout  # from the wheel: the dojo was missing
    assert not summary.exists() and not output.exists()  # the runner writes those, not we


def test_a_kata_that_kills_the_grader_costs_that_kata_alone(made, bare, tmp_path):
    repo = checkout(
        made,
        tmp_path / "killed",
        {
            "04_backward_exp": EXP_KILLED,
            "07_backward_tanh": "solved",
            "09_backward_bn_stats": "solved",
        },
    )
    doc = graded(push(bare, made / "grader" / "classroom50", repo), repo)
    by = rows(doc)
    assert not by["04_backward_exp"]["passed"] and "killed" in by["04_backward_exp"]["message"]
    assert by["07_backward_tanh"]["score"] == 1 and by["09_backward_bn_stats"]["score"] == 6
    assert by["01_backward_loss"]["score"] == 0 and doc["score"] == 7


def test_outside_the_runner_it_writes_nothing_and_exits_2(made, bare, tmp_path):
    repo = checkout(made, tmp_path / "ada", {})
    before = sorted(repo.rglob("*"))
    done = run(
        [str(bare), str(made / "grader" / "classroom50" / "autograder.py")],
        repo,
        offline(RUNNER_TEMP=str(tmp_path / "runner-temp")),
    )
    assert done.returncode == 2
    assert "not inside Classroom 50's runner: CLASSROOM" in done.stderr.splitlines()[0]
    assert sorted(repo.rglob("*")) == before and not (tmp_path / "runner-temp").exists()


def fallback(done: subprocess.CompletedProcess, repo: Path, says: str) -> None:
    doc = graded(done, repo)
    assert doc["score"] == 0 and not any(r["passed"] for r in doc["tests"])
    assert all(says in r["message"] and "\n" not in r["message"] for r in doc["tests"])
    assert says in (repo / "release-body.md").read_text("utf-8")


def test_a_bundle_without_its_wheel_still_leaves_a_valid_result(made, bare, tmp_path):
    grader = tmp_path / "broken"
    grader.mkdir()
    shutil.copy(made / "grader" / "classroom50" / "autograder.py", grader)
    repo = checkout(made, tmp_path / "ada", {"07_backward_tanh": "solved"})
    forged = [{"test-name": k, "passed": True, "score": 9, "max-score": 9} for k in ASSIGNED]
    (repo / "result.json").write_text(json.dumps({"tests": forged}))  # never taken for a grade
    done = push(bare, grader, repo)
    fallback(done, repo, "the dojo's wheel (pytest_ninja-")


def test_a_python_that_cannot_install_torch_still_leaves_a_valid_result(made, tmp_path):
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True
    )
    repo = checkout(made, tmp_path / "ada", {"07_backward_tanh": "solved"})
    done = push(tmp_path / "venv" / "bin" / "python", made / "grader" / "classroom50", repo)
    fallback(done, repo, "the grader could not install torch (CPU): see the job's log")


FAKE_GRADERS = {
    "killed": "import os, signal\n\n\ndef main(args):\n    os.kill(os.getpid(), signal.SIGKILL)\n",
    "half a document": (
        "from pathlib import Path\n\n\ndef main(args):\n"
        "    Path('result.json').write_text('{\"score\": 3.0, \"tests\": []}')\n    return 0\n"
    ),
}


@pytest.mark.parametrize(
    ("grader", "says"),
    [
        ("killed", "the grading was killed by SIGKILL and wrote no result.json"),
        ("half a document", "the grading ended with exit code 0 with a result.json that is wrong"),
    ],
)
def test_a_grading_that_dies_or_writes_a_bad_document_still_leaves_a_valid_one(
    made, bare, tmp_path, grader, says
):
    """A dojo already in the runner's temporary folder whose grading command misbehaves."""
    version = importlib.metadata.version("pytest-ninja")
    fake = tmp_path / "runner-temp" / "pytest-ninja-autograder" / f"dojo-{version}" / "pytest_ninja"
    (fake / "cli").mkdir(parents=True)
    (fake / "__init__.py").write_text(f"__version__ = {version!r}\n")
    (fake / "cli" / "__init__.py").write_text("")
    (fake / "cli" / "main.py").write_text(FAKE_GRADERS[grader])
    repo = checkout(made, tmp_path / "ada", {"07_backward_tanh": "solved"})
    done = push(bare, made / "grader" / "classroom50", repo)
    assert "are there already" in done.stdout  # nothing was installed
    fallback(done, repo, says)


def test_the_readme_says_where_the_bundle_goes_and_pins_python(made):
    text = (made / "grader" / "classroom50" / "README.md").read_text()
    assert "<classroom>/autograders/<slug>/" in text
    assert 'runtime: {"python": "3.12"}' in text
    assert "| 09_backward_bn_stats | 6 | 6 |" in text


# -- Gradescope ----------------------------------------------------------------------------


def gradescope(root: Path, made: Path, repo: Path) -> subprocess.CompletedProcess:
    """`run_autograder` with AUTOGRADER_ROOT at `root`, the submission copied there."""
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.copytree(repo / "katas", root / "submission")  # an upload: kata files at the top
    script = made / "grader" / "gradescope" / "run_autograder"
    return run([str(script)], root, offline(AUTOGRADER_ROOT=str(root)))


def test_gradescope_scores_a_submission_honestly(made, autograder_root, tmp_path):
    repo = checkout(
        made, tmp_path / "ada", {"01_backward_loss": "solved", "07_backward_tanh": WRONG_TANH}
    )
    done = gradescope(autograder_root, made, repo)
    assert done.returncode == 0, done.stdout + done.stderr
    doc = read_json(autograder_root / "results" / "results.json")
    valid_gradescope(doc)
    tests = {t["name"]: t for t in doc["tests"]}
    assert list(tests) == list(ASSIGNED)
    assert (
        tests["01_backward_loss"]["status"] == "passed" and tests["01_backward_loss"]["score"] == 2
    )
    assert tests["07_backward_tanh"]["status"] == "failed" and doc["score"] == 2
    assert [t["max_score"] for t in doc["tests"]] == [2, 1, 1, 6]


def test_gradescope_leaves_the_fallback_when_the_grading_dies(made, tmp_path):
    root = tmp_path / "autograder"
    (root / "venv" / "bin").mkdir(parents=True)
    python = root / "venv" / "bin" / "python"
    python.write_text("#!/bin/sh\nkill -9 $$\n")  # the grading dies at once
    python.chmod(0o755)
    repo = checkout(made, tmp_path / "ada", {"07_backward_tanh": "solved"})
    done = gradescope(root, made, repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "without a valid results.json" in done.stdout
    doc = read_json(root / "results" / "results.json")
    valid_gradescope(doc)
    assert [t["name"] for t in doc["tests"]] == list(ASSIGNED) and doc["score"] == 0
    assert all("could not grade" in t["output"] for t in doc["tests"])


def test_gradescope_setup_installs_cpu_torch_then_the_wheel_beside_it(made, wheel):
    text = (made / "grader" / "gradescope" / "setup.sh").read_text()
    assert "--index-url https://download.pytorch.org/whl/cpu" in text
    assert f"/autograder/source/{wheel.name}" in text and "/autograder/venv" in text
    for name in ("setup.sh", "run_autograder"):
        assert os.access(made / "grader" / "gradescope" / name, os.X_OK)


# -- the wheel -----------------------------------------------------------------------------


def test_the_wheel_holds_the_package_and_the_katas_and_no_solution_and_no_pycache(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        record = archive.read(f"pytest_ninja-{wheel.name.split('-')[1]}.dist-info/RECORD")
        for line in record.decode().splitlines():
            name, digest, size = line.split(",")
            if digest:
                data = archive.read(name)
                sha = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
                assert digest == f"sha256={sha.decode()}" and int(size) == len(data)
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert {f"pytest_ninja/dojo/katas/{k.filename}" for k in CATALOGUE} <= set(names)
    assert not [n for n in names if "solutions" in n], "a learner's code could read them"
    assert "pytest_ninja/levels/mlp/words.txt" in names and "pytest_ninja/plugin.py" in names


def test_the_wheels_metadata_and_entry_points_are_the_installed_ones(wheel, tmp_path):
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path)
    (packed,) = importlib.metadata.distributions(path=[str(tmp_path)])
    dist = importlib.metadata.distribution("pytest-ninja")
    assert (packed.name, packed.version) == (dist.name, dist.version)
    assert packed.requires == dist.requires
    assert set(packed.entry_points) == set(dist.entry_points)
    assert wheel.name == f"pytest_ninja-{dist.version}-py3-none-any.whl"


def test_the_same_package_makes_the_same_wheel(tmp_path, wheel):
    assert dojo_wheel(tmp_path).read_bytes() == wheel.read_bytes()


def test_a_wheel_install_makes_the_same_wheel_again(autograder_root, wheel, tmp_path):
    """From a wheel install (the package's own `dojo/`, pip's `__pycache__`), not a checkout."""
    python = str(autograder_root / "venv" / "bin" / "python")
    code = (
        "import sys; from pytest_ninja.classroom.wheel import dojo_wheel; dojo_wheel(sys.argv[1])"
    )
    done = run([python, "-I", "-c", code, str(tmp_path)], tmp_path, offline())
    assert done.returncode == 0, done.stderr
    assert (tmp_path / wheel.name).read_bytes() == wheel.read_bytes()


def test_the_installed_wheel_grades_a_folder(autograder_root, made, tmp_path):
    repo = checkout(made, tmp_path / "ada", {"07_backward_tanh": "solved"})
    python = str(autograder_root / "venv" / "bin" / "python")
    code = (
        "import pytest_ninja; from pytest_ninja.levels import bundled; "
        "print(pytest_ninja.__file__); print(bundled('katas'))"
    )
    where = run([python, "-I", "-c", code], repo, offline()).stdout.split()
    assert len(where) == 2 and all(w.startswith(str(autograder_root / "venv")) for w in where)
    assignment = Assignment(tuple(BY_ID[k] for k in ASSIGNED), POINTS)
    dry = assignment.grade_command("classroom50", str(repo), "--dry-run", python=python)
    done = run(shlex.split(dry), repo, offline())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pytest-ninja score: 1 / 10" in done.stdout


def test_the_student_template_holds_no_wheel_and_no_solution(made):
    student = made / "student"
    assert not list(student.rglob("*.whl"))
    assert [p.name for p in (student / "solutions").iterdir()] == ["README.md"]
    answers = {p.read_text() for p in SOLUTIONS.glob("[0-9][0-9]_*.py")}
    assert not [p for p in student.rglob("*.py") if p.read_text() in answers]
    assert not (student / ".github" / "workflows" / "autograde.yaml").exists()
    assert sorted(p.name for p in (student / "katas").glob("*.py")) == [f"{k}.py" for k in ASSIGNED]


def test_how_long_each_push_took(capsys):
    """Not a check: prints the seconds each simulated push took (with -s, or in -rP)."""
    with capsys.disabled():
        for name, seconds in TIMES.items():
            print(f"\n  simulated push {name}: {seconds:.1f} s")
