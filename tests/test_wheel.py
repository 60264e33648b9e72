"""The dojo as a learner installs it: a wheel built and installed in a fresh virtual
environment (package data behaves differently there than in an editable install)."""

from __future__ import annotations

import os
import site
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, SOLUTIONS

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
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(where / "dist"),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = (where / "dist").glob("pytest_ninja-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(where / "venv")], check=True)
    py = where / "venv" / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
    )
    ours = subprocess.run(
        [str(py), "-c", "import site; print(site.getsitepackages()[0])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # the dependencies (torch, pytest, ...) come from the environment running the tests
    Path(ours, "borrowed.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return py


def test_the_wheel_carries_every_stub_and_solution(venv, tmp_path):
    code = (
        "from pytest_ninja.loop.workspace import bundled; import pytest_ninja; "
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
