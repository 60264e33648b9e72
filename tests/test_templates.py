"""`pytest-ninja init DIR --classroom`: a teacher's template repository whose workflow,
autograding.json and Gradescope scripts grade a class right."""

from __future__ import annotations

import argparse
import base64
import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import SOLUTIONS, actionlint, valid_classroom, valid_gradescope

from pytest_ninja.cli import commands


def make_template(where: Path, katas: str = "", points: str = "", install=None) -> Path:
    args = argparse.Namespace(
        directory=str(where), classroom=True, katas=katas, points=points, install=install
    )
    assert commands.init(args) == 0
    return where


@pytest.fixture
def template(tmp_path):
    return make_template(tmp_path / "assignment", katas="07,09,12", points="09=3")


def step(workflow: str, step_id: str) -> str:
    match = re.search(rf"id: {step_id}\n(?:.*\n)*?\s+run: (.*)\n", workflow)
    assert match, step_id
    return match.group(1)


def test_the_workflow_has_the_names_classroom_keys_on(template):
    workflow = (template / ".github/workflows/classroom.yml").read_text()
    assert "\nname: Autograding Tests\n" in workflow
    assert "\n  run-autograding-tests:\n" in workflow
    assert "uses: classroom-resources/autograding-grading-reporter@v1" in workflow
    assert "KATAS_RESULTS:" in workflow and "runners: katas" in workflow
    assert "--index-url https://download.pytorch.org/whl/cpu" in workflow  # not the CUDA build
    assert "uses: actions/setup-python@" in workflow
    assert "--ninja-classroom" in step(workflow, "katas")
    assert "::notice" not in workflow


def test_the_workflow_passes_actionlint(template):
    done = actionlint(template / ".github/workflows/classroom.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_fallback_hands_the_reporter_a_valid_error_document(template):
    workflow = (template / ".github/workflows/classroom.yml").read_text()
    encoded = re.search(r'echo "result=([A-Za-z0-9+/=]+)"', workflow).group(1)
    doc = json.loads(base64.b64decode(encoded))
    valid_classroom(doc)
    assert doc["status"] == "error" and doc["max_score"] == 5.0
    assert [t["name"] for t in doc["tests"]] == [
        "07_backward_tanh",
        "09_backward_bn_stats",
        "12_backward_cross_entropy",
    ]


def test_autograding_json_has_one_entry_per_kata(template):
    doc = json.loads((template / ".github/classroom/autograding.json").read_text())
    assert [t["name"] for t in doc["tests"]] == [
        "07_backward_tanh",
        "09_backward_bn_stats",
        "12_backward_cross_entropy",
    ]
    for t in doc["tests"]:
        assert set(t) == {
            "name",
            "setup",
            "run",
            "input",
            "output",
            "comparison",
            "timeout",
            "points",
        }
        assert t["comparison"] in ("included", "exact", "regex") and t["input"] == ""
        assert "--ninja-kata" in t["run"] and isinstance(t["points"], int)
    assert [t["points"] for t in doc["tests"]] == [1, 3, 1]


def test_gradescope_scripts_are_executable_shell_and_note_the_memory(template):
    for name in ("setup.sh", "run_autograder"):
        path = template / "gradescope" / name
        assert path.stat().st_mode & 0o111
        assert subprocess.run(["bash", "-n", str(path)]).returncode == 0
    assert "768 MB" in (template / "gradescope/setup.sh").read_text()
    run = (template / "gradescope/run_autograder").read_text()
    fallback = run.split("<<'JSON'\n", 1)[1].split("\nJSON\n", 1)[0]
    valid_gradescope(json.loads(fallback))


def test_where_graders_install_the_dojo_from_is_a_parameter(tmp_path):
    source = "pytest-ninja @ https://example.org/pytest_ninja-0.1.0-py3-none-any.whl"
    t = make_template(tmp_path / "a", install=source)
    for name in (
        ".github/workflows/classroom.yml",
        "gradescope/setup.sh",
        ".github/classroom/autograding.json",
    ):
        assert source in (t / name).read_text()


def test_the_subset_is_the_workspace(template):
    assert sorted(p.name for p in (template / "katas").glob("*.py")) == [
        "07_backward_tanh.py",
        "09_backward_bn_stats.py",
        "12_backward_cross_entropy.py",
    ]


def test_a_template_with_one_kata_solved_and_one_wrong_scores_alike_everywhere(
    template, pytester, monkeypatch
):
    shutil.copytree(template, pytester.path, dirs_exist_ok=True)
    (pytester.path / "katas/09_backward_bn_stats.py").write_text(
        (SOLUTIONS / "09_backward_bn_stats.py").read_text()
    )
    (pytester.path / "katas/07_backward_tanh.py").write_text(
        "def backward_tanh(hpreact, h, dh):\n    return (1 - hpreact**2) * dh\n"
    )
    output = pytester.path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    workflow = (pytester.path / ".github/workflows/classroom.yml").read_text()
    command = shlex.split(step(workflow, "katas"))
    assert command[:4] == ["python", "-m", "pytest", "katas"]
    result = pytester.runpytest(*command[3:])
    assert result.ret == 0
    doc = json.loads(base64.b64decode(output.read_text().strip().removeprefix("result=")))
    valid_classroom(doc)
    scores = {t["name"]: t["score"] for t in doc["tests"]}
    assert scores == {
        "07_backward_tanh": 0.0,
        "09_backward_bn_stats": 3.0,
        "12_backward_cross_entropy": 0.0,
    }
    assert doc["max_score"] == 5.0
    results = pytester.path / "results.json"
    run = (pytester.path / "gradescope/run_autograder").read_text()
    flags = shlex.split(run.split('--ninja-gradescope="$results" \\\n', 1)[1].split("\n")[0])
    pytester.runpytest("katas", f"--ninja-gradescope={results}", *flags)
    gradescope = json.loads(results.read_text())
    valid_gradescope(gradescope)
    assert gradescope["score"] == sum(scores.values()) == 3.0


def test_init_again_adds_what_is_new_and_never_overwrites_a_learners_file(tmp_path):
    t = make_template(tmp_path / "w", katas="07")
    (t / "katas/07_backward_tanh.py").write_text("# mine\n")
    make_template(t)
    assert (t / "katas/07_backward_tanh.py").read_text() == "# mine\n"
    assert (t / "katas/14_backward_mlp.py").exists()
