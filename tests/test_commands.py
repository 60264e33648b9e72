"""The learner's commands: init, hint, status, reset, watch (and their mistakes: every usage
error is one line on stderr first, exit 2)."""

from __future__ import annotations

import pytest
from helpers import SOLUTIONS, result_of

from pytest_ninja.cli.main import main
from pytest_ninja.core.result import Status
from pytest_ninja.levels import FIRST
from pytest_ninja.loop import progress as progress_file


@pytest.fixture
def ws(tmp_path):
    assert main(["init", str(tmp_path / "ws")]) == 0
    return tmp_path / "ws"


def test_init_makes_stubs_an_empty_solutions_folder_config_and_a_readme(ws, capsys):
    assert len(list((ws / "katas").glob("*.py"))) == len(FIRST)  # the lecture's level
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
    captured = capsys.readouterr()
    assert captured.err.splitlines()[0].startswith(
        "pytest-ninja hint: no kata '42': the katas are 01_backward_loss, 02_backward_log, "
    )
    assert "14_backward_mlp" in captured.err and captured.out == ""


def test_a_named_kata_s_hint_is_read_anywhere_and_nothing_is_written(tmp_path, capsys):
    assert main(["hint", "07", "--dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("hint 1/3 for 07 backward_tanh")
    assert list(tmp_path.iterdir()) == []


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
    captured = capsys.readouterr()
    first, detail = captured.err.splitlines()
    assert first == f"pytest-ninja status: no katas/ folder in {tmp_path.resolve()}"
    assert "pytest-ninja init DIR" in detail and captured.out == ""


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
    assert "14 kata(s) back" in capsys.readouterr().out  # the workspace's: level 1's
    assert len(list((ws / "katas").glob("*.py"))) == len(FIRST)
    assert main(["reset", "--dir", str(ws)]) == 2
    assert capsys.readouterr().err.startswith("pytest-ninja reset: name the katas to put back")


def test_init_katas_is_a_list_of_kata_ids(tmp_path, capsys):
    assert main(["init", str(tmp_path / "w"), "--katas", "07,backward_bn_stats"]) == 0
    made = sorted(p.name for p in (tmp_path / "w" / "katas").glob("*.py"))
    assert made == ["07_backward_tanh.py", "09_backward_bn_stats.py"]


NOT_A_WORKSPACE = "no katas/ folder in "
USAGE_ERRORS = {  # argv ({empty}: a folder that is not a workspace) -> the first line's words
    "init without a folder": (["init"], "pytest-ninja init: the following arguments are required"),
    "init, a bad kata": (
        ["init", "{empty}/w", "--katas", "07,42"],
        "pytest-ninja init: no kata '42'",
    ),
    "init, bad points": (
        ["init", "{empty}/w", "--points", "07=x"],
        "pytest-ninja init: --points: ",
    ),
    "hint, a bad kata": (["hint", "42"], "pytest-ninja hint: no kata '42': the katas are 01_"),
    "hint, a bad level": (["hint", "07", "--level", "5"], "pytest-ninja hint: argument --level"),
    "hint, no workspace": (["hint", "--dir", "{empty}"], f"pytest-ninja hint: {NOT_A_WORKSPACE}"),
    "status, no workspace": (
        ["status", "--dir", "{empty}"],
        f"pytest-ninja status: {NOT_A_WORKSPACE}",
    ),
    "status, an extra argument": (
        ["status", "07"],
        "pytest-ninja status: unrecognized arguments: 07",
    ),
    "reset, a bad kata": (["reset", "07", "99"], "pytest-ninja reset: no kata '99'"),
    "reset, no workspace": (
        ["reset", "07", "--dir", "{empty}"],
        f"pytest-ninja reset: {NOT_A_WORKSPACE}",
    ),
    "watch, no workspace": (
        ["watch", "--dir", "{empty}"],
        f"pytest-ninja watch: {NOT_A_WORKSPACE}",
    ),
    "watch, a negative timeout": (
        ["watch", "--timeout", "-1"],
        "pytest-ninja watch: --timeout is -1: ",
    ),
    "watch, no poll": (["watch", "--poll", "0"], "pytest-ninja watch: --poll is 0: "),
    "watch, a timeout not a number": (
        ["watch", "--timeout", "x"],
        "pytest-ninja watch: argument --timeout",
    ),
    "train, no workspace": (
        ["train", "--dir", "{empty}"],
        f"pytest-ninja train: {NOT_A_WORKSPACE}",
    ),
    "train, reference and dir": (
        ["train", "--reference", "--dir", "."],
        "pytest-ninja train: --reference",
    ),
    "an unknown command": (["bogus"], "pytest-ninja: argument COMMAND: invalid choice: 'bogus'"),
    "no command": ([], "pytest-ninja: name a command"),
}


@pytest.mark.parametrize("argv, first", USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_every_usage_error_is_one_line_on_stderr_first_and_exit_2(tmp_path, capsys, argv, first):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main([a.replace("{empty}", str(empty)) for a in argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines()[0].startswith(first), captured.err
    assert "Traceback" not in captured.err
    assert not (empty / "w").exists()


def test_no_command_prints_the_help_on_stderr(capsys):
    assert main([]) == 2
    assert "init" in capsys.readouterr().err
