"""A class's student template (`pytest-ninja init DIR --classroom ...`): GitHub Classroom's
workflow and autograding.json grade it right, its README says how, and the dojo in it shows
the assigned katas only. The workflow's grading step is run as the workflow runs it."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import (
    NODE24_ACTIONS,
    ROOT,
    SOLUTIONS,
    actionlint,
    run_cli,
    run_python,
    valid_classroom,
)

from pytest_ninja.classroom import templates
from pytest_ninja.classroom.assignment import Assignment
from pytest_ninja.cli import init as init_command
from pytest_ninja.cli.main import main
from pytest_ninja.levels import BY_ID

INSTALL = "pytest-ninja @ https://example.org/pytest_ninja-0.1.0-py3-none-any.whl"
ASSIGNED = ["07_backward_tanh", "09_backward_bn_stats", "12_backward_cross_entropy"]
WRONG_TANH = "def backward_tanh(hpreact, h, dh):\n    return (1 - hpreact**2) * dh\n"
KILLS = (
    "import os, signal\n\n\ndef backward_tanh(hpreact, h, dh):\n"
    "    os.kill(os.getpid(), signal.SIGKILL)\n"
)


def make_template(where: Path, *flags: str) -> Path:
    assert main(["init", str(where), *flags]) == 0
    return where


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The class template of the tests (never changed by a test: copy it to change it)."""
    where = tmp_path_factory.mktemp("class") / "assignment"
    flags = ["--classroom", "--install", INSTALL, "--katas", "07,09,12", "--points", "09=6"]
    return make_template(where, *flags)


@pytest.fixture
def workflow(template) -> str:
    return (template / templates.WORKFLOW).read_text()


def steps(workflow: str) -> list[dict[str, str]]:
    """The job's steps, each a dict of its keys (`run: |` blocks joined into one script)."""
    body = workflow.split("\n    steps:\n", 1)[1]
    found = []
    for chunk in re.split(r"\n      - ", "\n" + body)[1:]:
        step, key = {}, None
        for line in chunk.splitlines():
            match = re.match(r"^(?: {8})?([a-z-]+): ?(.*)$", line)  # a key of the step
            if match:
                key, value = match.groups()
                step[key] = "" if value == "|" else value
            elif line.startswith("          ") and key == "run":
                step["run"] += line[10:] + "\n"
        found.append(step)
    return found


def step(workflow: str, step_id: str) -> dict[str, str]:
    (found,) = [s for s in steps(workflow) if s.get("id") == step_id]
    return found


def run_step(script: str, cwd: Path, tmp_path: Path, **env: str) -> tuple[int, Path, Path]:
    """A `run:` script as GitHub's runner runs it (bash -eo pipefail, this Python first on
    PATH, the output and summary files set); its exit code and the two files."""
    assert "${{" not in script  # no expression for the runner to expand first
    output, summary = tmp_path / "github_output", tmp_path / "step_summary"
    output.write_text("")
    summary.write_text("")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "GITHUB_"))}
    environ.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{environ['PATH']}",
        GITHUB_OUTPUT=str(output),
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_ACTIONS="true",
        **env,
    )
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, output, summary


def result_document(output: Path) -> dict:
    """The reporter's document, from the `result=` line of $GITHUB_OUTPUT."""
    (line,) = [ln for ln in output.read_text().splitlines() if ln.startswith("result=")]
    return json.loads(base64.b64decode(line.removeprefix("result=")))


def student(template: Path, where: Path, **katas: str) -> Path:
    """A copy of the template as a student left it: each named kata 'solved' or a source."""
    subprocess.run(["cp", "-a", str(template), str(where)], check=True)
    for kata_id, what in katas.items():
        source = (SOLUTIONS / f"{kata_id}.py").read_text() if what == "solved" else what
        (where / "katas" / f"{kata_id}.py").write_text(source)
    return where


# -- the workflow ------------------------------------------------------------------------


def test_the_workflow_has_the_names_classroom_keys_on(workflow):
    assert "\nname: Autograding Tests\n" in workflow
    assert "\njobs:\n  run-autograding-tests:\n" in workflow
    assert workflow.count("\n  run-") == 1  # one job
    reporter = steps(workflow)[-1]
    assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1"
    assert reporter["if"] == "always()"
    assert "KATAS_RESULTS:" in workflow and "runners: katas" in workflow
    assert "::notice" not in workflow  # the reporter's notices carry the score, nobody else's


def test_the_workflow_installs_cpu_torch_then_the_teachers_requirement(workflow):
    (install,) = [s for s in steps(workflow) if "pip install" in s.get("run", "")]
    torch, dojo = install["run"].splitlines()
    assert torch.endswith("pip install torch --index-url https://download.pytorch.org/whl/cpu")
    assert dojo.endswith(f'pip install "{INSTALL}"')
    assert 'python-version: "3.12"' in workflow


def test_the_grading_step_is_the_assignments_grading_command(workflow):
    script = step(workflow, "katas")["run"]
    command = Assignment(
        tuple(BY_ID[k] for k in ASSIGNED), {"09_backward_bn_stats": 6}, install=INSTALL
    ).grade_command("github")
    assert script.splitlines()[0] == command
    assert "--for github" in command and "--ninja" not in workflow  # no plugin flag


def test_the_workflow_says_which_score_classroom_records(workflow, template):
    assert "pytest-ninja score: X / Y" in workflow and "issue #10" in workflow
    readme = (template / "README.md").read_text()
    assert "`pytest-ninja score: X / Y`" in readme and "not your grade" in readme


def test_the_workflow_passes_actionlint(template):
    done = actionlint(template / templates.WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_catches_a_misspelt_input(workflow, tmp_path):
    typo = tmp_path / "classroom.yml"
    typo.write_text(
        workflow.replace(
            "uses: actions/checkout@v5\n",
            "uses: actions/checkout@v5\n        with:\n          fetch-dept: 0\n",
        )
    )
    done = actionlint(typo)
    assert done.returncode == 1 and 'input "fetch-dept" is not defined' in done.stdout


@pytest.mark.parametrize("which", ["classroom.yml", "ci.yml"])
def test_every_action_is_a_node24_version_we_know(which, workflow):
    text = workflow if which == "classroom.yml" else (ROOT / ".github/workflows/ci.yml").read_text()
    uses = set(re.findall(r"uses: (\S+)", text))
    assert uses and uses <= NODE24_ACTIONS, uses - NODE24_ACTIONS


def test_the_fallback_hands_the_reporter_a_valid_error_document(workflow, tmp_path):
    fallback = step(workflow, "fallback")
    assert fallback["if"] == "always() && steps.katas.outputs.result == ''"
    code, output, _ = run_step(fallback["run"], tmp_path, tmp_path)
    doc = result_document(output)
    valid_classroom(doc)
    assert code == 0 and doc["status"] == "error" and doc["max_score"] == 8
    assert [t["name"] for t in doc["tests"]] == ASSIGNED
    assert all(t["score"] == 0 and type(t["score"]) is int for t in doc["tests"])
    assert "did not finish" in doc["tests"][0]["message"]
    env = re.search(r"KATAS_RESULTS: (.*)", workflow).group(1)
    assert env == '"${{ steps.katas.outputs.result || steps.fallback.outputs.result }}"'


# -- the grading step, run as the workflow runs it ---------------------------------------


def test_the_grading_step_scores_the_student_honestly(template, workflow, tmp_path):
    repo = student(template, tmp_path / "repo", **{ASSIGNED[0]: WRONG_TANH, ASSIGNED[1]: "solved"})
    code, output, summary = run_step(step(workflow, "katas")["run"], repo, tmp_path)
    assert code == 0  # so that the reporter runs
    doc = result_document(output)
    valid_classroom(doc)
    scores = {t["name"]: t["score"] for t in doc["tests"]}
    assert scores == {ASSIGNED[0]: 0, ASSIGNED[1]: 6, ASSIGNED[2]: 0}
    assert all(type(s) is int for s in scores.values())
    assert doc["max_score"] == 8 and doc["status"] == "fail"
    assert "**Score: 6 / 8**" in summary.read_text()
    assert "GitHub Classroom records the score above" in summary.read_text()


def test_a_kata_that_kills_the_grading_still_leaves_a_valid_document(template, workflow, tmp_path):
    repo = student(template, tmp_path / "repo", **{ASSIGNED[0]: KILLS, ASSIGNED[1]: "solved"})
    code, output, _ = run_step(step(workflow, "katas")["run"], repo, tmp_path)
    assert code == 0
    doc = result_document(output)
    valid_classroom(doc)
    by = {t["name"]: t for t in doc["tests"]}
    assert by[ASSIGNED[0]]["score"] == 0 and by[ASSIGNED[0]]["status"] == "error"
    assert by[ASSIGNED[1]]["score"] == 6  # graded in a run of its own, after the kill


# -- the older generation: autograding.json ----------------------------------------------


def test_autograding_json_has_one_exit_code_entry_per_kata(template):
    doc = json.loads((template / templates.AUTOGRADING).read_text())
    assert [t["name"] for t in doc["tests"]] == ASSIGNED
    for i, (t, kata_id) in enumerate(zip(doc["tests"], ASSIGNED)):
        keys = {"name", "setup", "run", "input", "output", "comparison", "timeout", "points"}
        assert set(t) == keys
        assert t["comparison"] == "included" and t["input"] == t["output"] == ""
        alone = Assignment((BY_ID[kata_id],), install=INSTALL)
        assert t["run"] == alone.grade_command("exit-code")
        assert type(t["timeout"]) is int and t["timeout"] > 10  # minutes
        assert bool(t["setup"]) == (i == 0)
    assert [t["points"] for t in doc["tests"]] == [1, 6, 1]
    assert (
        "pip install torch --index-url https://download.pytorch.org/whl/cpu"
        in (doc["tests"][0]["setup"])
    )
    assert f'pip install "{INSTALL}"' in doc["tests"][0]["setup"]


def test_an_entry_passes_exactly_when_its_kata_does(template, tmp_path):
    """As the older runner runs an entry: its command alone, in a stripped environment."""
    doc = json.loads((template / templates.AUTOGRADING).read_text())
    repo = student(template, tmp_path / "repo", **{ASSIGNED[0]: WRONG_TANH, ASSIGNED[1]: "solved"})
    env = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin", "HOME": str(tmp_path)}
    codes = []
    for entry in doc["tests"][:2]:
        done = subprocess.run(
            ["bash", "-c", entry["run"]], cwd=repo, env=env, capture_output=True, timeout=300
        )
        codes.append(done.returncode)
    assert codes[0] != 0 and codes[1] == 0


# -- the student template ----------------------------------------------------------------


def test_classroom_without_install_is_a_usage_error_and_writes_nothing(tmp_path):
    done = run_cli(["init", str(tmp_path / "a"), "--classroom"], tmp_path)
    assert done.returncode == 2
    assert "--classroom needs --install" in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_the_readme_says_what_is_assigned_and_how_it_is_graded(template):
    readme = (template / "README.md").read_text()
    for kata_id, points in zip(ASSIGNED, (1, 6, 1)):
        assert re.search(rf"\| `katas/{kata_id}\.py` \|.*\| {points} \|", readme), kata_id
    assert "In all: 8 points." in readme
    assert "⌊P·k/n⌋" in readme and "all or nothing" in readme  # the workflow's, and the old one's
    assert "stress seed" in readme and "conftest.py" in readme
    assert "not on PyPI" in readme and "pytest katas/" in readme and "pytest-ninja hint" in readme
    assert "pip install pytest-ninja" not in readme and ".whl" not in readme


def test_an_all_or_nothing_readme_says_so(tmp_path):
    a = Assignment((BY_ID["09_backward_bn_stats"],), {"09_backward_bn_stats": 3}, True)
    readme = templates.student_readme(a, ["classroom50"])
    assert "only when **all** its checks pass" in readme and "⌊" not in readme
    assert "Classroom 50" in readme and "GitHub Classroom" not in readme


def test_a_classroom50_template_holds_no_wheel_no_solution_and_no_workflow(tmp_path, monkeypatch):
    try:
        import pytest_ninja.classroom.bundle  # noqa: F401  (the teacher's side: another module)
    except ImportError:  # until it is there, the student's side alone
        monkeypatch.setattr(init_command, "_bundles", lambda grader, assignment, args: [])
    root = make_template(tmp_path / "a", "--classroom50", "--katas", "07,09")
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert not [f for f in files if f.endswith(".whl") or f.startswith(".github")]
    assert [f for f in files if f.startswith("solutions/")] == ["solutions/README.md"]
    assert sorted(f for f in files if f.startswith("katas/")) == [
        "katas/07_backward_tanh.py",
        "katas/09_backward_bn_stats.py",
    ]
    assert "Classroom 50" in (root / "README.md").read_text()


def test_the_dojo_in_a_class_template_shows_only_its_katas(template, tmp_path):
    repo = student(template, tmp_path / "repo", **{ASSIGNED[0]: "solved"})
    others = [k for k in BY_ID if k not in ASSIGNED]
    panel = run_python(["-m", "pytest", "katas/", "-p", "no:cacheprovider"], repo)
    assert panel.returncode == 1, panel.stdout  # two katas still to do
    shown = re.findall(r"^  (\d\d) backward_\w+ ", panel.stdout, re.M)
    assert shown == ["07", "09", "12"], panel.stdout
    assert "next: katas/09_backward_bn_stats.py" in panel.stdout  # not 08: it is not assigned
    assert "1/3 katas" in panel.stdout
    hint = run_cli(["hint"], repo)
    assert hint.returncode == 0 and hint.stdout.startswith("hint 1/3 for 09 backward_bn_stats")
    status = run_cli(["status"], repo)
    assert re.findall(r"^  (\d\d) backward_\w+ ", status.stdout, re.M) == ["07", "09", "12"]
    for text in (panel.stdout, status.stdout):
        assert not [k for k in others if k[:2] + " " + k[3:] in text]


def test_init_again_adds_what_is_new_and_never_overwrites_a_students_file(tmp_path):
    root = make_template(tmp_path / "w", "--classroom", "--install", INSTALL, "--katas", "07")
    (root / "katas/07_backward_tanh.py").write_text("# mine\n")
    (root / templates.WORKFLOW).write_text("# the teacher's own\n")
    make_template(root, "--classroom", "--install", INSTALL, "--katas", "07,14")
    assert (root / "katas/07_backward_tanh.py").read_text() == "# mine\n"
    assert (root / templates.WORKFLOW).read_text() == "# the teacher's own\n"
    assert (root / "katas/14_backward_mlp.py").exists()
