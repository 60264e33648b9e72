"""One definition of CI: `.ci/run` installs, lints and runs the README's test command, and the
GitHub workflow runs `.ci/run` and nothing else."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from helpers import ROOT, actionlint

CI_RUN = ROOT / ".ci" / "run"
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def readme_test_command() -> str:
    """The line under "run the dojo's own tests" in the README's two commands."""
    lines = (ROOT / "README.md").read_text().splitlines()
    (at,) = [i for i, line in enumerate(lines) if "# 2. run the dojo's own tests" in line]
    return lines[at + 1].strip()


# Stand-ins for the tools .ci/run calls: each logs its command line, so a run takes a second.
FAKE = """#!/bin/sh
echo "$(basename "$0")${*:+ $*}" >> "$LOG"
if [ "$1 $2" = "-m venv" ]; then mkdir -p "$3/bin" && : > "$3/bin/activate"; fi
echo "$CI" > "$LOG.ci"
name=$(basename "$0" | tr - _)
eval "exit \\${FAIL_$name:-0}"
"""


def run_ci(tmp_path: Path, pyproject: str = "", **env: str) -> tuple[int, list[str]]:
    """`.ci/run` in a copy of the project's layout, with every tool it calls faked: its exit
    code and the commands it ran (`FAIL_tool=N` makes that tool exit N)."""
    repo, fakes = tmp_path / "repo", tmp_path / "bin"
    (repo / ".ci").mkdir(parents=True)
    shutil.copy(CI_RUN, repo / ".ci" / "run")
    (repo / "pyproject.toml").write_text(pyproject)
    fakes.mkdir()
    for tool in ("python3", "python", "pip", "ruff", "lint-imports", "sudo", "apt-get"):
        (fakes / tool).write_text(FAKE)
        (fakes / tool).chmod(stat.S_IRWXU)
    log = tmp_path / "log"
    log.touch()
    environ = {"PATH": f"{fakes}{os.pathsep}{os.environ['PATH']}", "LOG": str(log), **env}
    done = subprocess.run(
        ["bash", str(repo / ".ci" / "run")], env=environ, capture_output=True, text=True, timeout=60
    )
    return done.returncode, log.read_text().splitlines()


def root_steps(tmp_path: Path) -> list[str]:
    """How `.ci/run` runs the root tests here: as root itself, else through (fake) sudo."""
    if os.geteuid() == 0:
        return ["python -m pytest -m root tests"]
    return ["sudo -n true", f"sudo -n -E {tmp_path / 'bin' / 'python'} -m pytest -m root tests"]


def test_ci_installs_lints_then_runs_the_readmes_test_command(tmp_path):
    code, steps = run_ci(tmp_path)
    assert code == 0
    assert steps == [
        "python3 -m venv .venv",
        "pip install -q torch==2.13.0",  # this machine's CPU wheel, before the dojo
        "pip install -q -e .[test]",
        "ruff check .",
        "ruff format --check .",
        readme_test_command(),
        *root_steps(tmp_path),  # the unprivileged worker's tests
    ]
    assert readme_test_command() == "python -m pytest"
    assert (tmp_path / "log.ci").read_text() == "true\n"  # actionlint's tests fail, not skip


def test_the_matrix_chooses_torch_and_its_index(tmp_path):
    index = "https://download.pytorch.org/whl/cpu"
    code, steps = run_ci(tmp_path, NINJA_TORCH="torch==2.2.2 numpy<2", NINJA_TORCH_INDEX=index)
    assert code == 0
    assert steps[1] == f"pip install -q torch==2.2.2 numpy<2 --index-url {index}"


def test_the_import_contracts_are_checked_once_they_exist(tmp_path):
    code, steps = run_ci(tmp_path, pyproject="[tool.importlinter]\nroot_package = 'x'\n")
    assert code == 0
    tail = ["lint-imports", readme_test_command(), *root_steps(tmp_path)]
    assert steps[-len(tail) :] == tail


@pytest.mark.parametrize(
    ("tool", "exit_code"),
    [("python", 5), ("python", 1), ("ruff", 1), ("pip", 1)],
    ids=["no test ran", "a test failed", "lint", "pip"],
)
def test_any_failing_step_fails_ci(tmp_path, tool, exit_code):
    code, steps = run_ci(tmp_path, **{f"FAIL_{tool}": str(exit_code)})
    assert code == exit_code
    assert steps[-1].startswith(tool)  # and nothing ran after it


def test_the_workflow_runs_ci_run_and_nothing_else():
    workflow = WORKFLOW.read_text()
    assert re.findall(r"\brun: (.*)", workflow) == ["bash .ci/run"]
    assert "NINJA_TORCH: ${{ matrix.torch }}" in workflow
    assert "https://download.pytorch.org/whl/cpu" in workflow  # not the CUDA build, on Linux
    uses = re.findall(r"uses: (\S+)", workflow)
    assert uses == ["actions/checkout@v5", "actions/setup-python@v6"]


def test_the_workflow_passes_actionlint():
    done = actionlint(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr
