"""How the plugin is loaded: installed or from a plain checkout, once, and never paying for
torch when no kata is collected."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import ROOT, lay_out, run_python


def checkout(where: Path) -> Path:
    """A plain checkout: the root conftest.py, the package and the katas."""
    shutil.copy(ROOT / "conftest.py", where / "conftest.py")
    shutil.copytree(
        ROOT / "pytest_ninja", where / "pytest_ninja", ignore=shutil.ignore_patterns("__pycache__")
    )
    lay_out(where, solved=("07_backward_tanh",))
    return where


def test_importing_the_package_and_its_plugin_does_not_import_torch(tmp_path):
    code = (
        "import sys, pytest_ninja, pytest_ninja.plugin, pytest_ninja.levels; "
        "print('torch' in sys.modules)"
    )
    assert run_python(["-c", code], tmp_path).stdout.strip() == "False"


def test_an_unrelated_pytest_run_does_not_import_torch(tmp_path):
    (tmp_path / "test_other.py").write_text(
        "import sys\n\ndef test_no_torch():\n    assert 'torch' not in sys.modules\n"
    )
    done = run_python(["-m", "pytest", "-p", "no:cacheprovider", "test_other.py"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ninja" in done.stdout  # the plugin was loaded, and still nothing heavy


def test_an_installed_dojo_with_the_checkouts_conftest_registers_once(tmp_path):
    checkout(tmp_path)
    done = run_python(
        ["-m", "pytest", "katas/07_backward_tanh.py", "-p", "no:cacheprovider"], tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_a_plain_checkout_loads_the_plugin_from_its_conftest(tmp_path):
    checkout(tmp_path)
    done = run_python(
        ["-m", "pytest", "katas/07_backward_tanh.py", "-p", "no:cacheprovider"],
        tmp_path,
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


@pytest.mark.parametrize("autoload", ["", "1"], ids=["installed", "plain checkout"])
def test_no_ninja_switches_the_plugin_off_in_a_checkout(tmp_path, autoload):
    checkout(tmp_path)
    env = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": autoload} if autoload else {}
    done = run_python(
        ["-m", "pytest", "katas", "-p", "no:ninja", "-p", "no:cacheprovider"], tmp_path, **env
    )
    assert done.returncode == pytest.ExitCode.NO_TESTS_COLLECTED, done.stdout + done.stderr


def test_the_entry_point_names_the_plugin_ninja():
    from importlib.metadata import entry_points

    (ep,) = [ep for ep in entry_points(group="pytest11") if ep.name == "ninja"]
    assert ep.value == "pytest_ninja.plugin"
