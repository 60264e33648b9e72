"""The dojo as a learner installs it: a wheel built and installed in a fresh virtual
environment (package data behaves differently there than in an editable install)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, SOLUTIONS, borrowing_venv, build_wheel

from pytest_ninja.levels import KATAS

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX venv layout")


def run(cmd, cwd, env=None):
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A fresh venv with the wheel installed; torch and pytest borrowed from this one."""
    where = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(ROOT, where / "dist")
    py = borrowing_venv(where / "venv")
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
    )
    return py


def test_the_wheel_carries_every_stub_and_solution(venv, tmp_path):
    code = (
        "from pytest_ninja.levels import bundled; import pytest_ninja; "
        "print(bundled('katas')); print(bundled('solutions')); print(pytest_ninja.__file__)"
    )
    katas, solutions, package = run([str(venv), "-c", code], tmp_path).stdout.split()
    assert "site-packages" in package and str(ROOT) not in package
    assert sorted(p.name for p in Path(katas).glob("*.py")) == [k.filename for k in KATAS]
    assert sorted(p.name for p in Path(solutions).glob("*.py")) == [k.filename for k in KATAS]


def test_init_then_pass_a_kata_reveals_its_solution_and_no_other(venv, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    cli = [str(venv), "-m", "pytest_ninja.cli"]
    run([*cli, "init", "ws"], tmp_path, env)
    ws = tmp_path / "ws"
    assert sorted(p.name for p in (ws / "solutions").iterdir()) == ["README.md"]
    (ws / "katas/07_backward_tanh.py").write_text((SOLUTIONS / "07_backward_tanh.py").read_text())
    done = run([str(venv), "-m", "pytest", "katas"], ws, env)
    assert "solution revealed: solutions/07_backward_tanh.py" in done.stdout
    assert sorted(p.name for p in (ws / "solutions").iterdir()) == [
        "07_backward_tanh.py",
        "README.md",
    ]
    assert "index_add_" not in "".join(p.read_text() for p in (ws / "solutions").iterdir())
