"""Levels in the loop: a learner doing the lecture sees level 1 alone, adds level 2 when
ready, and then sees both, grouped; teachers choose any level's katas."""

from __future__ import annotations

import json

import pytest
from class_runs import classroom50_env, grade, read_json, rows, student_repo
from helpers import ROOT, dojo

from pytest_ninja.cli.main import main
from pytest_ninja.levels import FIRST, KATAS, LEVELS, of_levels, present_in
from pytest_ninja.loop import workspace

SECOND = of_levels([2])


def test_init_makes_the_lecture_alone_and_says_the_next_level_is_there(tmp_path, capsys):
    assert main(["init", str(tmp_path / "dojo")]) == 0
    out = capsys.readouterr().out
    assert f"level 2 ({LEVELS[1].title}) is there too" in out
    assert f"pytest-ninja init {tmp_path / 'dojo'} --level 2" in out
    files = sorted(p.name for p in (tmp_path / "dojo" / "katas").glob("*.py"))
    assert files == [k.filename for k in FIRST]
    assert workspace.at(tmp_path / "dojo").katas == FIRST


def test_a_lecture_workspace_shows_no_level_two_then_init_level_2_adds_it_grouped(pytester):
    root = pytester.path
    assert main(["init", str(root)]) == 0
    result = dojo(pytester, "katas")
    out = result.stdout.str()
    assert "15 backward_encoder" not in out and "level 1:" not in out
    assert f"0/{len(FIRST)} katas" in out
    (root / "katas" / "07_backward_tanh.py").write_text(
        (ROOT / "solutions" / "07_backward_tanh.py").read_text()
    )
    dojo(pytester, "katas/07_backward_tanh.py")
    assert main(["init", str(root), "--level", "2"]) == 0
    marker = json.loads((root / workspace.MARKER).read_text())
    assert marker["katas"] == [k.id for k in (*FIRST, *SECOND)]
    result = dojo(pytester, "katas")
    result.stdout.fnmatch_lines(
        [
            f"*level 1: {LEVELS[0].title} (1/{len(FIRST)} katas)*",
            "*07 backward_tanh*passed*",
            f"*level 2: {LEVELS[1].title} (0/{len(SECOND)} katas)*",
            "*15 backward_encoder*todo*",
            f"*1/{len(KATAS)} katas*",
        ]
    )


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--level", "3"], "--level: there is no level 3: the levels are 1 ("),
        (["--level", "two"], "--level: 'two' is not a level number"),
        (["--level", "2", "--katas", "07"], "--katas and --level both choose katas"),
    ],
)
def test_a_level_that_is_not_there_is_one_line(tmp_path, capsys, argv, words):
    assert main(["init", str(tmp_path / "dojo"), *argv]) == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "dojo" / "katas").exists()


def test_an_unmarked_folder_holds_the_levels_whose_files_it_has(tmp_path):
    (tmp_path / "a").mkdir()
    assert present_in(tmp_path / "a") == FIRST  # none yet: the lecture's
    (tmp_path / "a" / SECOND[0].filename).write_text("")
    assert present_in(tmp_path / "a") == SECOND
    (tmp_path / "a" / FIRST[3].filename).write_text("")
    assert present_in(tmp_path / "a") == KATAS
    assert workspace.find(ROOT / "katas").katas == KATAS  # this checkout: every level
    assert workspace.find(ROOT / "solutions").katas == KATAS


def test_a_teacher_chooses_a_level_two_kata_like_any_other(tmp_path):
    repo = student_repo(
        tmp_path / "ada",
        {"07_backward_tanh": "solved", SECOND[1].id: "solved", SECOND[0].id: "stub"},
    )
    env = classroom50_env()
    done = grade(
        repo, "--for", "classroom50", "--katas", f"07,{SECOND[0].number},{SECOND[1].number}", **env
    )
    assert done.returncode == 0, done.stderr
    by = rows(read_json(repo / "result.json"))
    assert by["07_backward_tanh"]["passed"] and by[SECOND[1].id]["passed"]
    assert not by[SECOND[0].id]["passed"]
