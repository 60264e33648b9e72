"""Progress across runs: the file, the panel's states, and what pytest runs record."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from helpers import SOLUTIONS, dojo, lay_out, result_of

from pytest_ninja.core.result import Status
from pytest_ninja.levels import BY_ID, KATAS
from pytest_ninja.loop import progress as progress_file
from pytest_ninja.loop import workspace
from pytest_ninja.loop.panel import panel_lines
from pytest_ninja.loop.progress import Progress

TANH = BY_ID["07_backward_tanh"]
P, F, T, E = Status.PASSED, Status.FAILED, Status.TODO, Status.ERROR


def test_a_kata_that_passes_records_when_and_resets_its_failures():
    p = Progress()
    p.record(result_of("07_backward_tanh", F))
    p.record(result_of("07_backward_tanh", F))
    k = p.record(result_of("07_backward_tanh", P))
    assert p.status(TANH) is P and k.first_passed and k.failed_in_a_row == 0 and k.runs == 3


def test_a_kata_that_passed_and_fails_now_is_regressed():
    p = Progress()
    p.record(result_of("07_backward_tanh", P))
    p.record(result_of("07_backward_tanh", F))
    assert p.regressed(TANH)


def test_todo_runs_are_not_attempts():
    p = Progress()
    assert p.record(result_of("07_backward_tanh", T)).runs == 0


def test_a_selection_of_checks_keeps_the_others_from_earlier_runs():
    p = Progress()
    p.record(result_of("09_backward_bn_stats", *[P] * 6))
    p.record(result_of("09_backward_bn_stats", P, F))  # `-k "dbnvar_inv or dbnvar"`
    stored = p.katas["09_backward_bn_stats"].checks
    assert stored["dbnvar"] is F and stored["dhprebn"] is P
    assert p.status(BY_ID["09_backward_bn_stats"]) is F


def test_progress_survives_a_save_and_a_load(tmp_path):
    p = Progress()
    p.record(result_of("09_backward_bn_stats", P, F))
    progress_file.save(tmp_path, p)
    again = progress_file.load(tmp_path)
    assert again.katas == p.katas and not again.warning
    assert [f.name for f in tmp_path.iterdir()] == [progress_file.FILENAME]


def test_a_file_of_the_previous_version_is_read_as_it_was(tmp_path):
    v1 = {
        "format": "pytest-ninja/progress/1",
        "katas": {
            "07_backward_tanh": {
                "first_passed": "2026-11-30T10:00:00",
                "runs": 4,
                "failed_in_a_row": 0,
                "status": "passed",
                "checks": {"dhpreact": "pass"},
                "hint_level": 2,
            },
            "09_backward_bn_stats": {
                "first_passed": None,
                "runs": 2,
                "failed_in_a_row": 2,
                "status": "failed",
                "checks": {
                    "dbnvar_inv": "pass",
                    "dbnvar": "fail",
                    "dhprebn": "error",
                    "dbndiff": "todo",
                },
                "hint_level": 0,
            },
        },
    }
    (tmp_path / progress_file.FILENAME).write_text(json.dumps(v1))
    p = progress_file.load(tmp_path)
    assert p.warning == ""
    assert p.status(TANH) is P and p.katas["07_backward_tanh"].hint_level == 2
    assert p.katas["09_backward_bn_stats"].checks == {
        "dbnvar_inv": P,
        "dbnvar": F,
        "dhprebn": E,
        "dbndiff": T,
    }
    assert p.katas["09_backward_bn_stats"].failed_in_a_row == 2
    progress_file.save(tmp_path, p)
    saved = json.loads((tmp_path / progress_file.FILENAME).read_text())
    assert saved["format"] == progress_file.FORMAT
    assert saved["katas"]["07_backward_tanh"]["checks"] == {"dhpreact": "passed"}


@pytest.mark.parametrize("content", ["{not json", '{"format": "other"}', "[]", "\xff\xfe"])
def test_a_file_that_is_not_ours_is_set_aside_with_a_warning(tmp_path, content):
    (tmp_path / progress_file.FILENAME).write_text(content)
    p = progress_file.load(tmp_path)
    assert p.katas == {} and "starts afresh" in p.warning
    assert (tmp_path / ".ninja-progress.json.damaged").read_text() == content
    progress_file.save(tmp_path, p)
    assert progress_file.load(tmp_path).warning == ""


def test_a_second_damaged_file_never_overwrites_the_first_backup(tmp_path):
    for content in ("{first", "{second", "{third"):
        (tmp_path / progress_file.FILENAME).write_text(content)
        progress_file.load(tmp_path)
    kept = {f.name: f.read_text() for f in tmp_path.iterdir()}
    assert kept == {
        ".ninja-progress.json.damaged": "{first",
        ".ninja-progress.json.damaged-2": "{second",
        ".ninja-progress.json.damaged-3": "{third",
    }


GOOD = {
    "first_passed": "2026-11-30T10:00:00",
    "runs": 3,
    "failed_in_a_row": 1,
    "hint_level": 1,
    "worked_at": 1764500000.5,
    "digest": "abc",
    "checks": {"dhpreact": "failed"},
}
JSON_VALUES = [None, True, False, 0, -1, 2.5, "30", "", [], [1], {}, {"a": 1}]


def _is_valid(field, value):
    keep = progress_file.FIELDS.get(field)
    return keep is not None and keep[0](value)


@pytest.mark.parametrize("field", [*GOOD])
@pytest.mark.parametrize("value", JSON_VALUES, ids=repr)
def test_every_field_of_every_json_type_is_kept_or_dropped_alone(tmp_path, field, value):
    entry = {**GOOD, field: value}
    doc = {
        "format": progress_file.FORMAT,
        "katas": {"07_backward_tanh": entry, "01_backward_loss": dict(GOOD, checks={})},
    }
    (tmp_path / progress_file.FILENAME).write_text(json.dumps(doc))
    p = progress_file.load(tmp_path)  # never raises
    kept = p.katas["07_backward_tanh"]
    assert p.katas["01_backward_loss"].runs == 3  # the rest is kept
    if field == "checks" or _is_valid(field, value):
        if field != "checks":
            assert getattr(kept, field) == value and p.warning == ""
    else:
        assert getattr(kept, field) == getattr(progress_file.KataProgress(), field)
        assert f"katas.07_backward_tanh.{field}" in p.warning
        assert len(p.warning.splitlines()) == 1
        assert (tmp_path / ".ninja-progress.json.damaged").is_file()
    # whatever was kept still runs through the panel and a save
    lines = panel_lines(workspace.find(tmp_path / "katas"), "katas", {}, p)
    assert any("katas," in line for line in lines)
    progress_file.save(tmp_path, p)
    assert progress_file.load(tmp_path).warning == ""


@pytest.mark.parametrize("value", [*JSON_VALUES, "passed", "pass", "maybe"], ids=repr)
def test_every_check_status_of_every_json_type_is_kept_or_dropped_alone(tmp_path, value):
    doc = {
        "format": progress_file.FORMAT,
        "katas": {
            "09_backward_bn_stats": {
                "checks": {"dbnvar": value, "dhprebn": "passed", "dnothing": "passed"}
            }
        },
    }
    (tmp_path / progress_file.FILENAME).write_text(json.dumps(doc))
    p = progress_file.load(tmp_path)
    checks = p.katas["09_backward_bn_stats"].checks
    assert checks["dhprebn"] is P and "dnothing" not in checks
    assert ("dbnvar" in checks) == (value == "passed")
    assert "katas.09_backward_bn_stats.checks.d" in p.warning


@pytest.mark.parametrize("value", JSON_VALUES, ids=repr)
def test_a_kata_entry_or_the_katas_of_any_other_type_are_dropped_with_a_warning(tmp_path, value):
    for doc in (
        {"format": progress_file.FORMAT, "katas": {"07_backward_tanh": value}},
        {"format": progress_file.FORMAT, "katas": value},
    ):
        (tmp_path / progress_file.FILENAME).write_text(json.dumps(doc))
        p = progress_file.load(tmp_path)
        if isinstance(value, dict) and value in ({}, {"a": 1}):
            continue
        assert p.katas == {} and "katas" in p.warning


def test_the_kata_you_are_on_is_the_unpassed_one_changed_last():
    p = Progress()
    for kata in KATAS:  # the first run: every stub todo, nothing worked on yet
        p.record(replace(result_of(kata.id, T), digest="stub"), now=1.0)
    assert p.current() is BY_ID["01_backward_loss"]
    p.record(replace(result_of("09_backward_bn_stats", F), digest="v1"), now=2.0)
    p.record(replace(result_of("12_backward_cross_entropy", F), digest="v1"), now=3.0)
    assert p.current() is BY_ID["12_backward_cross_entropy"]
    p.record(replace(result_of("09_backward_bn_stats", F), digest="v1"), now=4.0)  # unchanged
    assert p.current() is BY_ID["12_backward_cross_entropy"]
    p.record(replace(result_of("09_backward_bn_stats", F), digest="v2"), now=5.0)
    assert p.current() is BY_ID["09_backward_bn_stats"]
    p.record(replace(result_of("09_backward_bn_stats", *[P] * 6), digest="v3"), now=6.0)
    assert p.current() is BY_ID["12_backward_cross_entropy"]


def test_the_panel_shows_every_state_and_the_whole_dojo(tmp_path):
    stored = Progress()
    stored.record(result_of("01_backward_loss", P))
    stored.record(result_of("02_backward_log", P))
    stored.record(result_of("03_backward_normalize", P, F))
    this_run = result_of("02_backward_log", F, line="dprobs | exact: False")
    stored.record(this_run)
    view = {k.id: stored.status(k) for k in KATAS}
    assert view["01_backward_loss"] is P and stored.regressed(BY_ID["02_backward_log"])
    assert view["03_backward_normalize"] is F and view["04_backward_exp"] is T
    space = workspace.find(tmp_path / "katas")
    lines = panel_lines(space, "katas", {"02_backward_log": this_run}, stored)
    assert len([line for line in lines if line.startswith("  ") and "/" in line]) >= 14
    assert any("02 backward_log" in line and "regressed" in line for line in lines)
    assert any("01 backward_loss" in line and "(earlier run)" in line for line in lines)
    assert any("1/14 katas, 2/35 checks" in line for line in lines)
    assert any("next: katas/02_backward_log.py:7" in line for line in lines)
    assert any("dprobs | exact: False" in line for line in lines)
    assert any("stuck? pytest-ninja hint 02" in line for line in lines)


def test_the_panel_fits_in_80_columns():
    stored = Progress()
    space = workspace.find(SOLUTIONS)
    lines = panel_lines(space, "a/rather/long/folder/name", {}, stored, "hint: " + "x" * 60)
    assert max(len(line) for line in lines) <= 80


def test_progress_persists_across_runs_so_one_file_still_shows_the_whole_dojo(pytester):
    lay_out(pytester.path, solved=("01_backward_loss", "02_backward_log"))
    dojo(pytester, "katas")
    result = dojo(pytester, "katas/02_backward_log.py")
    result.stdout.fnmatch_lines(
        [
            "*01 backward_loss * passed * 1/1  (earlier run)",
            "*02 backward_log * passed * 1/1",
            "*2/14 katas, 2/35 checks",
        ]
    )


def test_a_kata_that_breaks_after_passing_is_flagged_regressed(pytester):
    katas = lay_out(pytester.path, solved=("07_backward_tanh",))
    dojo(pytester, "katas")
    (katas / "07_backward_tanh.py").write_text(
        "def backward_tanh(hpreact, h, dh):\n    return (1 - hpreact**2) * dh\n"
    )
    result = dojo(pytester, "katas", "-k", "dhpreact")
    result.stdout.fnmatch_lines(["*07 backward_tanh * regressed * 0/1"])


def test_a_damaged_progress_file_is_rebuilt_with_a_warning(pytester):
    katas = lay_out(pytester.path)
    (katas / progress_file.FILENAME).write_text("{broken")
    result = dojo(pytester, "katas")
    result.stdout.fnmatch_lines(["*warning: .ninja-progress.json was damaged*"])
    assert (katas / ".ninja-progress.json.damaged").read_text() == "{broken"
    assert progress_file.load(katas).warning == ""


def test_folders_other_than_katas_keep_no_progress(pytester):
    lay_out(pytester.path, folder="attempts")
    dojo(pytester, "attempts")
    assert not (pytester.path / "attempts" / progress_file.FILENAME).exists()


def test_after_three_failed_runs_the_panel_shows_the_first_hint(pytester):
    katas = lay_out(pytester.path)
    (katas / "01_backward_loss.py").write_text(
        "def backward_loss(logprobs, Yb, n):\n    return logprobs * 0\n"
    )
    for run in range(3):
        result = dojo(pytester, "katas/01_backward_loss.py")
        hinted = any("hint: " in line for line in result.outlines)
        assert hinted == (run == 2), run
    result.stdout.fnmatch_lines(["*hint: The loss only sees n entries*"])


def test_the_progress_file_gets_the_usual_permissions_not_a_temporary_files(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        progress_file.save(tmp_path, Progress())
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / progress_file.FILENAME).stat().st_mode)
    assert mode == 0o644
