"""Helpers for the tests of class grading: a student's repository laid out as a template
would be, and `pytest-ninja grade` run on it as a grading system runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from helpers import KATAS, SOLUTIONS

from pytest_ninja.classroom.classroom50 import ENV

# a kata 07 that is wrong in a way the diagnosis names (a sign)
WRONG_TANH = "def backward_tanh(hpreact, h, dh):\n    return -(1 - h**2) * dh\n"
RAISES = "def backward_tanh(hpreact, h, dh):\n    raise RuntimeError('not today')\n"
KILLS = (
    "import os, signal\n\n\ndef backward_tanh(hpreact, h, dh):\n"
    "    os.kill(os.getpid(), signal.SIGKILL)\n"
)


def student_repo(where: Path, katas: dict[str, str]) -> Path:
    """`where/katas/` holding each kata as 'solved', 'stub', or the given source."""
    folder = where / "katas"
    folder.mkdir(parents=True, exist_ok=True)
    for kata_id, what in katas.items():
        name = f"{kata_id}.py"
        if what == "solved":
            shutil.copy(SOLUTIONS / name, folder / name)
        elif what == "stub":
            shutil.copy(KATAS / name, folder / name)
        else:
            (folder / name).write_text(what)
    return where


def classroom50_env(**more: str) -> dict[str, str]:
    """The variables Classroom 50's runner sets (autograding.md)."""
    env = {
        "CLASSROOM": "ml-2026",
        "ASSIGNMENT": "backprop-ninja",
        "SUBMISSION_TAG": "submit/1",
        "COMMIT_URL": "https://github.com/ml-2026/ninja-ada/commit/abc",
        "RELEASE_URL": "https://github.com/ml-2026/ninja-ada/releases/tag/submit/1",
        "REVIEW_URL": "https://github.com/ml-2026/ninja-ada/pull/1",
        "USERNAME": "ada",
        "OWNER": "ml-2026",
        "ASSIGNMENT_TYPE": "individual",
        "MODE": "push",
        "GITHUB_ACTIONS": "true",
    }
    assert set(ENV) <= set(env)
    env.update(more)
    return env


def clean_environ(**env: str) -> dict[str, str]:
    """This process's environment without the test run's PYTEST_* variables, plus `env`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "GITHUB_"))}
    base.update(env)
    return base


def grade(
    cwd: Path, *args: str, python: str = sys.executable, **env: str
) -> subprocess.CompletedProcess:
    """`python -I -m pytest_ninja.cli grade ARGS` in `cwd`, as a template runs it."""
    return subprocess.run(
        [python, "-I", "-m", "pytest_ninja.cli", "grade", *args],
        cwd=cwd,
        env=clean_environ(**env),
        capture_output=True,
        text=True,
        timeout=600,
    )


def rows(document: dict) -> dict[str, dict]:
    """Classroom 50's rows by kata id."""
    return {row["test-name"]: row for row in document["tests"]}


def read_json(path: Path) -> dict:
    return json.loads(path.read_text("utf-8"))
