"""The learner's commands: init, hint, status, reset (and their mistakes)."""

from __future__ import annotations

import pytest
from helpers import SOLUTIONS, result_of

from pytest_ninja import progress as progress_file
from pytest_ninja.cli import main
from pytest_ninja.result import Status


@pytest.fixture
def ws(tmp_path):
    assert main(["init", str(tmp_path / "ws")]) == 0
    return tmp_path / "ws"


def test_init_makes_stubs_an_empty_solutions_folder_config_and_a_readme(ws, capsys):
    assert len(list((ws / "katas").glob("*.py"))) == 14
    assert sorted(p.name for p in (ws / "solutions").iterdir()) == ["README.md"]
    assert (ws / "pytest.ini").exists() and (ws / "README.md").exists()
    assert main(["init", str(ws)]) == 0
    assert "up to date" in capsys.readouterr().out


def test_hint_gives_the_next_level_for_the_current_kata_each_time(ws, capsys):
    for level in (1, 2, 3):
        assert main(["hint", "--dir", str(ws)]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"hint {level}/3 for 01 backward_loss")
        assert "in the lecture: exercise 1" in out
    assert main(["hint", "--dir", str(ws)]) == 0
    assert capsys.readouterr().out.startswith("hint 3/3")
    assert progress_file.load(ws / "katas").katas["01_backward_loss"].hint_level == 3


def test_hint_for_a_named_kata_and_a_level(ws, capsys):
    assert main(["hint", "12", "--level", "3", "--dir", str(ws)]) == 0
    out = capsys.readouterr().out
    assert "hint 3/3 for 12 backward_cross_entropy" in out
    assert "-0.335" in out and "from 1:26:31" in out


def test_an_unknown_kata_is_named_with_the_real_ones(ws, capsys):
    assert main(["hint", "42", "--dir", str(ws)]) == 2
    assert "no kata '42'" in capsys.readouterr().err


def test_status_draws_the_panel_without_running_anything(ws, capsys):
    progress = progress_file.Progress()
    progress.record(result_of("01_backward_loss", Status.PASSED))
    progress_file.save(ws / "katas", progress)
    assert main(["status", "--dir", str(ws)]) == 0
    out = capsys.readouterr().out
    assert "01 backward_loss" in out and "1/14 katas" in out
    assert "next: katas/02_backward_log.py:7" in out


def test_status_outside_a_workspace_says_how_to_make_one(tmp_path, capsys):
    assert main(["status", "--dir", str(tmp_path)]) == 2
    assert "pytest-ninja init" in capsys.readouterr().out


def test_reset_restores_the_stub_and_keeps_the_learners_file(ws, capsys):
    mine = ws / "katas/07_backward_tanh.py"
    mine.write_text((SOLUTIONS / "07_backward_tanh.py").read_text())
    assert main(["reset", "07", "--dir", str(ws)]) == 0
    assert "NotImplementedError" in mine.read_text()
    (backup,) = (ws / "katas").glob("07_backward_tanh.py.bak-*")
    assert "1.0 - h**2" in backup.read_text()
    assert "kept as katas/07_backward_tanh.py.bak-" in capsys.readouterr().out


def test_reset_all_and_reset_nothing(ws, capsys):
    assert main(["reset", "--all", "--dir", str(ws)]) == 0
    assert "14 kata(s) back" in capsys.readouterr().out
    assert main(["reset", "--dir", str(ws)]) == 2


def test_no_command_prints_the_help(capsys):
    assert main([]) == 2
    assert "init" in capsys.readouterr().out
