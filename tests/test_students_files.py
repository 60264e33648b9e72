"""The teacher's rules alone: nothing a student commits, or sets around the run, changes a
class score.

Each attempt below is tried as a student would, on each path a class is graded by: GitHub
Classroom's workflow step, Classroom 50's `autograder.py`, and Gradescope's `run_autograder`
(the variables a student could set, `PYTEST_ADDOPTS` and `PYTEST_PLUGINS`, only on the path
that runs in their repository, GitHub's), and a plugin installed by entry point on the
grading command as a teacher's own job runs it. The student's repository is the same
every time: katas 01 and 09 untouched, 07 and 12 solved, 09 worth 6 points, so the honest score
is 2 / 9 whatever the attempt. Every forging file also leaves a mark when it is run at all, so
a test sees an attempt that ran even where it failed to forge; so the files are tried all at
once, one grading per path, and the mark names whichever ran. The student's code (kata 09
replaced) is tried one attempt at a time, written past the static refusals (`os.__dict__`,
an alias of `torch.Tensor`) so that what is tested is the worker, not the nudges.
"""

from __future__ import annotations

import base64
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from class_runs import classroom50_env, clean_environ, read_json, student_repo
from helpers import ROOT, borrowing_venv

from pytest_ninja.classroom import bundle, contract
from pytest_ninja.classroom.assignment import Assignment
from pytest_ninja.classroom.scoring import parse_katas

ASSIGNMENT = Assignment(parse_katas("01,07,09,12"), {"09_backward_bn_stats": 6})
HONEST = (2, 9)
REPO = {
    "01_backward_loss": "stub",
    "07_backward_tanh": "solved",
    "09_backward_bn_stats": "stub",
    "12_backward_cross_entropy": "solved",
}

# run at all, it leaves a mark; then it forges every document it can think of, and exits
FORGE_NOW = """
import json, os, pathlib
pathlib.Path(os.environ.get("NINJA_TEST_MARKS", "."), "ran-" + __name__).write_text("")
full = {"score": 9, "max-score": 9, "tests": []}
pathlib.Path("result.json").write_text(json.dumps(full))
"""
# a pytest plugin that turns every report into a pass
FORGE_HOOKS = (
    FORGE_NOW.replace('pathlib.Path("result.json").write_text(json.dumps(full))\n', "")
    + """
import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    report.outcome = "passed"
    if getattr(report, "ninja_check", None):
        report.ninja_check["status"] = "passed"
    return report
"""
)
ADDOPTS = "-x -p forge --ninja-stress-seed 1"

ATTEMPTS: dict[str, dict[str, str]] = {
    "conftest at the root": {"conftest.py": FORGE_HOOKS},
    "conftest in katas/": {"katas/conftest.py": FORGE_HOOKS},
    "pytest.ini": {"pytest.ini": f"[pytest]\naddopts = {ADDOPTS}\n", "forge.py": FORGE_HOOKS},
    "pyproject.toml": {
        "pyproject.toml": f'[tool.pytest.ini_options]\naddopts = "{ADDOPTS}"\n',
        "forge.py": FORGE_HOOKS,
    },
    "setup.cfg": {"setup.cfg": f"[tool:pytest]\naddopts = {ADDOPTS}\n", "forge.py": FORGE_HOOKS},
    "tox.ini": {"tox.ini": f"[pytest]\naddopts = {ADDOPTS}\n", "forge.py": FORGE_HOOKS},
    "-x in pytest.ini": {"pytest.ini": "[pytest]\naddopts = -x\n"},
    "PYTEST_ADDOPTS": {"forge.py": FORGE_HOOKS},
    "PYTEST_PLUGINS": {"forge.py": FORGE_HOOKS},
    "a pytest_ninja/ of their own": {
        "pytest_ninja/__init__.py": FORGE_NOW + "os._exit(0)\n",
        "pytest_ninja/__main__.py": FORGE_NOW,
        "pytest_ninja/plugin.py": FORGE_HOOKS,
    },
    "pytest.py": {"pytest.py": FORGE_NOW + "os._exit(0)\n"},
    "torch.py": {"torch.py": FORGE_NOW + "os._exit(0)\n"},
    "numpy.py": {"numpy.py": FORGE_NOW + "os._exit(0)\n"},
    "pytest_timeout.py": {"pytest_timeout.py": FORGE_NOW + "os._exit(0)\n"},
    "sitecustomize.py": {"sitecustomize.py": FORGE_NOW + "os._exit(0)\n"},
    "torch.py in katas/": {"katas/torch.py": FORGE_NOW + "os._exit(0)\n"},
    "a committed progress file, cache and marker": {
        "katas/.ninja-progress.json": json.dumps(
            {
                "format": 2,
                "katas": {
                    k: {"status": "passed", "checks": {}, "runs": 1, "first_passed": 1.0}
                    for k in REPO
                },
            }
        ),
        ".pytest_cache/v/cache/lastfailed": json.dumps(
            {"katas/01_backward_loss.py::dlogprobs": True}
        ),
        ".pytest_cache/v/cache/nodeids": "[]",
        ".ninja-workspace": json.dumps(
            {"format": 2, "kind": "class", "katas": ["07_backward_tanh"]}
        ),
    },
}

# -- the student's code: each replaces kata 09 (6 points, honestly 0) -------------------------

# runs in whatever process imports it: finds the grader's files through /proc (its variables,
# its command line, its folder, up three parents) and writes full marks into each
FORGE_CODE = """
import base64, json, os, pathlib

FULL50 = {"score": 9, "max-score": 9, "tests": [{"test-name": "x", "passed": True,
          "score": 9, "max-score": 9}]}
REPORTER = {"version": 1, "status": "pass", "max_score": 9, "tests": [{"name": "x",
            "status": "pass", "score": 9, "message": None, "test_code": "", "filename": "",
            "line_no": 1, "duration": 1}]}


def forge(mark):
    pathlib.Path(MARKS, mark).write_text("")
    pid = os.getpid()
    for _ in range(4):
        try:
            pid = int(pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
            env = pathlib.Path(f"/proc/{pid}/environ").read_bytes().split(b"\\0")
            argv = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\\0")
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except (OSError, ValueError, IndexError):
            continue
        for item in env:
            if item.startswith(b"GITHUB_OUTPUT="):
                doc = base64.b64encode(json.dumps(REPORTER).encode()).decode()
                with open(item.split(b"=", 1)[1], "a") as f:
                    f.write("result=" + doc + "\\n")
        for i, arg in enumerate(argv[:-1]):
            if arg == "--out":
                pathlib.Path(argv[i + 1]).write_text(json.dumps(FULL50))
        for name in ("result.json", "results/results.json"):
            target = pathlib.Path(cwd, name)
            if target.parent.is_dir():
                target.write_text(json.dumps(FULL50))
"""
ZEROS = (
    "\n\ndef backward_bn_stats(bndiff, bnvar, bnvar_inv, bndiff2, dbnraw, n):\n"
    "    z = torch.zeros_like(bndiff)\n"
    "    return {'dbnvar_inv': torch.zeros_like(bnvar_inv), 'dbnvar': torch.zeros_like(bnvar),\n"
    "            'dbndiff2': z, 'dbndiff': z, 'dhprebn': z, 'dbnmeani': z[:1]}\n"
)
CODE_ATTEMPTS: dict[str, str] = {
    "writing the grade, then exiting": "import os\n"
    + FORGE_CODE
    + (
        "\n\ndef backward_bn_stats(bndiff, bnvar, bnvar_inv, bndiff2, dbnraw, n):\n"
        "    forge('ran-forge')\n    os.__dict__['_exit'](0)\n"
    ),
    "exiting at import": "import os\nos.__dict__['_exit'](0)\n",
    "outliving the grader": "import os, time\n"
    + FORGE_CODE
    + (
        "\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
        "        time.sleep(2)\n        forge('ran-outlived')\n    os.__dict__['_exit'](0)\n"
        "\n\ndef backward_bn_stats(bndiff, bnvar, bnvar_inv, bndiff2, dbnraw, n):\n"
        "    raise NotImplementedError\n"
    ),
    "patching torch": "import torch\n"
    "T, t = torch.Tensor, torch\n"
    "T.__sub__ = lambda a, b: a * 0\n"
    "T.abs = lambda self: self * 0\n"
    "t.allclose = lambda *a, **k: True\n" + ZEROS,
    "watching the grader's tensors": "import torch\n"
    "modes = torch.__dict__['overrides'].__dict__\nSEEN = []\n\n\n"
    "def watch(self, func, types, args=(), kwargs=None):\n"
    "    out = func(*args, **(kwargs or {}))\n"
    "    if isinstance(out, torch.Tensor) and out.dtype == torch.float64:\n"
    "        SEEN.append(out.detach().clone())\n"
    "    return out\n\n\n"
    "class Watch(modes['TorchFunctionMode']):\n"
    "    locals()['__torch_' + 'function__'] = watch\n\n\nWatch().__enter__()\n"
    "\n\ndef backward_bn_stats(bndiff, bnvar, bnvar_inv, bndiff2, dbnraw, n):\n"
    "    pick = lambda like: next((t.float() for t in reversed(SEEN) if t.shape == like.shape),"
    " torch.zeros_like(like))\n"
    "    z = pick(bndiff)\n"
    "    return {'dbnvar_inv': pick(bnvar_inv), 'dbnvar': pick(bnvar), 'dbndiff2': z,\n"
    "            'dbndiff': z, 'dhprebn': z, 'dbnmeani': pick(bndiff[:1])}\n",
    "reading the installed solutions": "import pathlib, sys, types\n"
    "FOUND = [p for d in sys.path for p in pathlib.Path(d or '.').glob("
    "'**/solutions/09_backward_bn_stats.py')]\n"
    "if FOUND:\n"
    "    code = compile(FOUND[0].read_text(), 'x', 'exec')\n"
    "    space = {}\n"
    "    exec(code, space)\n"
    "    backward_bn_stats = space['backward_bn_stats']\n"
    "else:\n"
    "    def backward_bn_stats(bndiff, bnvar, bnvar_inv, bndiff2, dbnraw, n):\n"
    "        raise NotImplementedError\n",
    "patching the grader": "import os, torch\n"
    "loaded = os.sys.__dict__['modules']\n"
    "for name in [n for n in loaded if n.startswith('pytest_' + 'ninja.core')]:\n"
    "    for key in ('compare', 'passes', 'tolerance'):\n"
    "        if key in loaded[name].__dict__:\n"
    "            setattr(loaded[name], key, lambda *a, **k: True)\n" + ZEROS,
    "lying tensors": "import torch\n\n\nclass Liar(torch.Tensor):\n"
    "    def __sub__(self, other):\n        return torch.zeros_like(other)\n"
    "    __rsub__ = __sub__\n\n    def abs(self):\n        return torch.zeros(())\n"
    + ZEROS.replace(
        "z = torch.zeros_like(bndiff)", "z = torch.zeros_like(bndiff).as_subclass(Liar)"
    ),
}
for _name, _code in CODE_ATTEMPTS.items():
    ATTEMPTS[_name] = {"katas/09_backward_bn_stats.py": _code}
ATTEMPTS["claiming passes in a test file"] = {
    "katas/test_claims.py": "def test_claim(record_property):\n"
    "    record_property('kata', '09_backward_bn_stats')\n"
    "    record_property('ninja_status', 'pass')\n",
    "katas/conftest.py": FORGE_HOOKS,
}

ENV_ATTEMPTS = {
    "PYTEST_ADDOPTS": {"PYTEST_ADDOPTS": ADDOPTS},
    "PYTEST_PLUGINS": {"PYTEST_PLUGINS": "forge"},
}


# every file a student could commit, all at once (one pytest.ini: its addopts carry -x too);
# each leaves a mark naming itself if it is run, so one grading tells which of them ran
FILE_ATTEMPTS = [a for a in ATTEMPTS if a not in CODE_ATTEMPTS and a not in ENV_ATTEMPTS]
EVERY_FILE = {
    name: text
    for attempt in FILE_ATTEMPTS
    if attempt != "-x in pytest.ini"
    for name, text in ATTEMPTS[attempt].items()
}
EVERY_VARIABLE = {k: v for env in ENV_ATTEMPTS.values() for k, v in env.items()}


def a_students_repo(where: Path, attempt: str, marks: Path) -> Path:
    return a_repo_with(where, ATTEMPTS[attempt], marks)


def a_repo_with(where: Path, files: dict[str, str], marks: Path) -> Path:
    repo = student_repo(where / "ninja-ada", REPO)
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("MARKS, mark", f"{str(marks)!r}, mark"))
    return repo


# -- the paths: each grades the repository and hands back the score it recorded ------------


def by_the_grading_command(repo: Path, env: dict[str, str], python: str = sys.executable):
    """A teacher's own job: the grading command, run in the student's checkout."""
    env = classroom50_env(**env)
    command = ASSIGNMENT.grade_command("classroom50", python=python)
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=repo,
        env=clean_environ(**env),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    doc = read_json(repo / "result.json")
    assert contract.problems(doc, env) == []
    return doc["score"], doc["max-score"]


def by_github_classrooms_step(repo: Path, env: dict[str, str], bundles=None, python=None):
    """The legacy workflow's grading step, as the runner runs it (bash, cwd = the checkout),
    with the Python its install step left: the teacher's grading wheel installed."""
    python = python or str(bundles / "autograder" / "venv" / "bin" / "python")
    output = repo.parent / "github_output"
    output.write_text("")
    command = ASSIGNMENT.grade_command("github", python=python)
    done = subprocess.run(
        ["bash", "-e", "-c", command],
        cwd=repo,
        env=clean_environ(GITHUB_OUTPUT=str(output), GITHUB_ACTIONS="true", **env),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (line,) = output.read_text().splitlines()
    doc = json.loads(base64.b64decode(line.removeprefix("result=")))
    return sum(t["score"] for t in doc["tests"]), doc["max_score"]


def offline(**more: str) -> dict[str, str]:
    """pip with no index, no configuration and no local wheels: only the bundle installs."""
    env = {"PIP_NO_INDEX": "1", "PIP_CONFIG_FILE": os.devnull}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", **more)
    return env


@pytest.fixture(scope="module")
def bundles(tmp_path_factory) -> Path:
    """The teacher's bundles for the assignment, and a Python without the dojo that borrows
    torch and pytest (Classroom 50's, once torch is there); Gradescope's venv with the wheel."""
    where = tmp_path_factory.mktemp("bundles")
    bundle.write_classroom50(where / "classroom50", ASSIGNMENT)
    bundle.write_gradescope(where / "gradescope", ASSIGNMENT)
    borrowing_venv(where / "bare", pip=False)
    python = borrowing_venv(where / "autograder" / "venv", pip=False)
    (wheel,) = (where / "gradescope").glob("*.whl")
    pip = [str(python), "-m", "pip", "install", "-q", "--no-index", "--no-deps", str(wheel)]
    done = subprocess.run(pip, env=clean_environ(**offline()), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return where


def by_classroom50s_autograder(repo: Path, env: dict[str, str], bundles: Path):
    """`python autograder.py` as Classroom 50's runner runs it: cwd = the checkout."""
    # one runner's temp folder for every push: the dojo's wheel is installed there once
    env = classroom50_env(RUNNER_TEMP=str(bundles / "runner-temp"), **env)
    done = subprocess.run(
        [str(bundles / "bare" / "bin" / "python"), str(bundles / "classroom50" / "autograder.py")],
        cwd=repo,
        env=clean_environ(**offline(**env)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    doc = read_json(repo / "result.json")
    assert contract.problems(doc, env) == []
    return doc["score"], doc["max-score"]


def by_gradescopes_run_autograder(repo: Path, env: dict[str, str], bundles: Path):
    """Gradescope's `run_autograder`, with `/autograder` moved to a scratch folder."""
    root = repo.parent / "autograder"
    shutil.copytree(bundles / "autograder", root, symlinks=True)
    shutil.copytree(repo, root / "submission", symlinks=True)
    done = subprocess.run(
        ["bash", str(bundles / "gradescope" / "run_autograder")],
        cwd=root,
        env=clean_environ(AUTOGRADER_ROOT=str(root), **env),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    doc = read_json(root / "results" / "results.json")
    return doc["score"], sum(t["max_score"] for t in doc["tests"])


PATHS = {
    "GitHub Classroom": by_github_classrooms_step,
    "Classroom 50": by_classroom50s_autograder,
    "Gradescope": by_gradescopes_run_autograder,
    "grading command": by_the_grading_command,
}
BUNDLED = {"Classroom 50", "Gradescope"}  # the teacher's: the student sets no variable there
CLASS_PATHS = [path for path in PATHS if path != "grading command"]


def graded_by(path: str, repo: Path, env: dict[str, str], request):
    return PATHS[path](repo, env, request.getfixturevalue("bundles"))


@pytest.fixture
def marks(tmp_path) -> Path:
    folder = tmp_path / "marks"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("path", CLASS_PATHS)
def test_every_file_a_student_commits_changes_nothing(tmp_path, marks, path, request):
    repo = a_repo_with(tmp_path, EVERY_FILE, marks)
    env = {"NINJA_TEST_MARKS": str(marks)}
    if path not in BUNDLED:  # the student's own workflow run: their variables too
        env.update(EVERY_VARIABLE)
    assert graded_by(path, repo, env, request) == HONEST
    assert sorted(p.name for p in marks.iterdir()) == [], "a student's file was run"


@pytest.mark.parametrize("path", CLASS_PATHS)
@pytest.mark.parametrize("attempt", CODE_ATTEMPTS)
def test_the_students_code_gains_nothing(tmp_path, marks, attempt, path, request):
    repo = a_students_repo(tmp_path, attempt, marks)
    env = {"NINJA_TEST_MARKS": str(marks)}
    assert graded_by(path, repo, env, request) == HONEST  # it ran, in the worker: no gain
    if attempt == "outliving the grader":  # and what it started did not outlive the grader
        time.sleep(3)
        assert not (marks / "ran-outlived").exists(), "a process of the kata's outlived the grader"


ENTRY_POINT = "[pytest11]\nforge = forge\n"


@pytest.fixture(scope="module")
def a_python_with_a_plugin_installed(tmp_path_factory) -> str:
    """A Python with the dojo and a pytest plugin found by its entry point (as a student's
    requirements could install one)."""
    where = tmp_path_factory.mktemp("venv")
    python = borrowing_venv(where / "venv", pip=False)
    site = Path(
        subprocess.run(
            [python, "-c", "import site; print(site.getsitepackages()[0])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "dojo.pth").write_text(str(ROOT) + "\n")
    (site / "forge.py").write_text(FORGE_HOOKS)
    info = site / "forge-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: forge\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(ENTRY_POINT)
    check = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(m.entry_points(group='pytest11'))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "forge" in check.stdout
    return str(python)


@pytest.mark.parametrize("path", ["grading command", "GitHub Classroom"])
def test_a_plugin_installed_by_entry_point_changes_nothing(
    tmp_path, marks, a_python_with_a_plugin_installed, path
):
    repo = student_repo(tmp_path / "ninja-ada", REPO)
    env = {"NINJA_TEST_MARKS": str(marks)}
    assert PATHS[path](repo, env, python=a_python_with_a_plugin_installed) == HONEST
    assert not list(marks.iterdir()), "the installed plugin was loaded"


def test_the_attempts_would_forge_a_plain_pytest_run(tmp_path, marks):
    """The attempts are real: in an ordinary `pytest katas/` the conftest does run."""
    repo = a_students_repo(tmp_path, "conftest at the root", marks)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "katas", "-p", "no:cacheprovider", "-q"],
        cwd=repo,
        env=clean_environ(NINJA_TEST_MARKS=str(marks)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert (marks / "ran-conftest").exists(), done.stdout
    assert "failed" not in done.stdout.splitlines()[-1]
    assert shlex.split(ASSIGNMENT.grade_command("github"))[:4] == [
        "python",
        "-I",
        "-m",
        "pytest_ninja.cli",
    ]
