"""Progress across runs: the file, the panel's states, and what pytest runs record."""

from __future__ import annotations

import json
import threading

import pytest
from helpers import SOLUTIONS, lay_out

from pytest_ninja import progress as progress_file
from pytest_ninja.panel import Tally, panel_lines, rows
from pytest_ninja.progress import Progress


def test_a_kata_that_passes_records_when_and_resets_its_failures():
    p = Progress()
    p.record("07_backward_tanh", {"dhpreact": "fail"})
    p.record("07_backward_tanh", {"dhpreact": "fail"})
    k = p.record("07_backward_tanh", {"dhpreact": "pass"})
    assert k.status == "passed" and k.first_passed and k.failed_in_a_row == 0 and k.runs == 3


def test_a_kata_that_passed_and_fails_now_is_regressed():
    p = Progress()
    p.record("07_backward_tanh", {"dhpreact": "pass"})
    assert p.record("07_backward_tanh", {"dhpreact": "fail"}).regressed


def test_todo_runs_are_not_attempts():
    p = Progress()
    assert p.record("07_backward_tanh", {"dhpreact": "todo"}).runs == 0


def test_progress_survives_a_save_and_a_load(tmp_path):
    p = Progress()
    p.record("09_backward_bn_stats", {"dbnvar": "pass", "dhprebn": "fail"})
    progress_file.save(tmp_path, p)
    again = progress_file.load(tmp_path)
    assert again.katas == p.katas and not again.warning
    assert [f.name for f in tmp_path.iterdir()] == [progress_file.FILENAME]


@pytest.mark.parametrize("content", ["{not json", '{"format": "other"}', '{"format": '
                                     '"pytest-ninja/progress/1", "katas": {"x": 3}}', "[]"])
def test_a_damaged_or_foreign_file_is_set_aside_with_a_warning(tmp_path, content):
    (tmp_path / progress_file.FILENAME).write_text(content)
    p = progress_file.load(tmp_path)
    assert p.katas == {} and "set aside" in p.warning
    assert (tmp_path / ".ninja-progress.damaged").read_text() == content
    progress_file.save(tmp_path, p)
    assert progress_file.load(tmp_path).warning == ""


def test_saves_at_the_same_time_never_leave_a_broken_file(tmp_path):
    def writer(i):
        for _ in range(30):
            p = Progress()
            p.record(f"{i:02d}_kata", {"d": "pass"})
            progress_file.save(tmp_path, p)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    data = json.loads((tmp_path / progress_file.FILENAME).read_text())
    assert data["format"] == progress_file.FORMAT and len(data["katas"]) == 1
    assert sorted(f.name for f in tmp_path.iterdir()) == [progress_file.FILENAME]


def test_the_panel_shows_every_state_and_the_whole_dojo(tmp_path):
    stored = Progress()
    stored.record("01_backward_loss", {"dlogprobs": "pass"})
    stored.record("02_backward_log", {"dprobs": "pass"})
    stored.record("03_backward_normalize", {"dcounts": "pass", "dcounts_sum": "fail"})
    tallies = {"02_backward_log": Tally("katas/02_backward_log.py", "02_backward_log", 7,
                                        {"dprobs": "fail"}, "dprobs | exact: False")}
    states = {r.kata_id: r.status for r in rows(tallies, stored)}
    assert states["01_backward_loss"] == "passed"
    assert states["02_backward_log"] == "regressed"
    assert states["03_backward_normalize"] == "failed"
    assert states["04_backward_exp"] == "todo"
    lines = panel_lines(tmp_path / "katas", "katas", tallies, stored)
    assert len([line for line in lines if line.startswith("  ") and "/" in line]) >= 14
    assert any("01 backward_loss" in line and "(earlier run)" in line for line in lines)
    assert any("1/14 katas, 2/35 checks" in line for line in lines)
    assert any("next: katas/02_backward_log.py:7" in line for line in lines)
    assert any("stuck? pytest-ninja hint 02" in line for line in lines)


def test_the_panel_fits_in_80_columns():
    stored = Progress()
    lines = panel_lines(SOLUTIONS, "a/rather/long/folder/name", {}, stored, "hint: " + "x" * 60)
    assert max(len(line) for line in lines) <= 80


def test_progress_persists_across_runs_so_one_file_still_shows_the_whole_dojo(pytester):
    lay_out(pytester.path, solved=("01_backward_loss", "02_backward_log"))
    pytester.runpytest("katas", "-p", "no:cacheprovider")
    result = pytester.runpytest("katas/02_backward_log.py", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*01 backward_loss * passed * 1/1  (earlier run)",
                                 "*02 backward_log * passed * 1/1",
                                 "*2/14 katas, 2/35 checks"])


def test_a_kata_that_breaks_after_passing_is_flagged_regressed(pytester):
    katas = lay_out(pytester.path, solved=("07_backward_tanh",))
    pytester.runpytest("katas", "-p", "no:cacheprovider")
    (katas / "07_backward_tanh.py").write_text(
        "def backward_tanh(hpreact, h, dh):\n    return (1 - hpreact**2) * dh\n")
    result = pytester.runpytest("katas", "-k", "dhpreact", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*07 backward_tanh * regressed * 0/1"])


def test_a_damaged_progress_file_is_rebuilt_with_a_warning(pytester):
    katas = lay_out(pytester.path)
    (katas / progress_file.FILENAME).write_text("{broken")
    result = pytester.runpytest("katas", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*warning: .ninja-progress.json was damaged*"])
    assert progress_file.load(katas).warning == ""


def test_folders_other_than_katas_keep_no_progress(pytester):
    lay_out(pytester.path, folder="attempts")
    pytester.runpytest("attempts", "-p", "no:cacheprovider")
    assert not (pytester.path / "attempts" / progress_file.FILENAME).exists()


def test_after_three_failed_runs_the_panel_shows_the_first_hint(pytester):
    katas = lay_out(pytester.path)
    (katas / "01_backward_loss.py").write_text(
        "def backward_loss(logprobs, Yb, n):\n    return logprobs * 0\n")
    for run in range(3):
        result = pytester.runpytest("katas/01_backward_loss.py", "-p", "no:cacheprovider")
        hinted = any("hint: " in line for line in result.outlines)
        assert hinted == (run == 2), run
    result.stdout.fnmatch_lines(["*hint: The loss only sees n entries*"])
