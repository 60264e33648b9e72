"""Scores for graders: right on every path, in the documents the graders accept."""

from __future__ import annotations

import base64
import json

import pytest
from helpers import SOLUTIONS, dojo, lay_out, passing, result_of, valid_classroom, valid_gradescope

from pytest_ninja.classroom.scoring import (
    Scheme,
    annotations,
    classroom_document,
    error_scores,
    gradescope_document,
    parse_points,
    score_katas,
)
from pytest_ninja.core.result import Status
from pytest_ninja.levels import BY_ID, KATAS

WRONG_TANH = "def backward_tanh(hpreact, h, dh):\n    return (1 - hpreact**2) * dh\n"


def test_a_kata_with_half_its_checks_passing_earns_half_its_points():
    scheme = Scheme((BY_ID["09_backward_bn_stats"],), {"09_backward_bn_stats": 3.0})
    (s,) = score_katas(scheme, {"09_backward_bn_stats": passing("09_backward_bn_stats", 3)})
    assert (s.score, s.points, s.word) == (1.5, 3.0, "fail")
    assert s.message.startswith("3/6 checks pass; ")


def test_all_or_nothing_gives_nothing_for_half():
    scheme = Scheme((BY_ID["09_backward_bn_stats"],), all_or_nothing=True)
    (s,) = score_katas(scheme, {"09_backward_bn_stats": passing("09_backward_bn_stats", 5)})
    assert s.score == 0


def test_a_kata_that_was_not_graded_is_an_error_never_a_pass():
    (s,) = score_katas(Scheme((BY_ID["01_backward_loss"],)), {})
    assert s.word == "error" and s.score == 0 and "not graded" in s.message


def test_a_check_this_run_did_not_grade_scores_nothing():
    partial = result_of("09_backward_bn_stats", Status.PASSED)  # a selection: one check
    (s,) = score_katas(Scheme((BY_ID["09_backward_bn_stats"],)), {partial.kata.id: partial})
    assert (s.passed, s.score) == (1, round(1 / 6, 6))
    assert "dbnvar was not graded in this run" in s.message


def test_points_are_parsed_by_id_number_or_name_and_bad_ones_are_refused():
    assert parse_points("09=3, backward_mlp=5") == {
        "09_backward_bn_stats": 3.0,
        "14_backward_mlp": 5.0,
    }
    for bad in ("09", "99=1", "09=x", "09=-1"):
        with pytest.raises(ValueError):
            parse_points(bad)


def test_the_documents_have_the_formats_the_graders_read():
    scores = score_katas(Scheme(), {k.id: passing(k.id, len(k.outputs)) for k in KATAS[:3]})
    valid_classroom(classroom_document(scores, "--ninja-stress-seed 5"))
    valid_gradescope(gradescope_document(scores))
    valid_classroom(classroom_document(error_scores(Scheme(), "the grader crashed")))


def test_annotations_are_escaped_and_at_most_ten():
    scores = error_scores(Scheme(), "a, b: 100%\nnext")
    lines = annotations(scores)
    assert len(lines) == 10
    assert lines[0] == (
        "::error file=katas/01_backward_loss.py,line=1,title=01_backward_loss::a, b: 100%25%0Anext"
    )


# -- end to end ------------------------------------------------------------------------------


def classroom_run(pytester, *args):
    out = pytester.path / "cls.json"
    result = dojo(pytester, "katas", f"--ninja-classroom={out}", *args)
    return result, json.loads(out.read_text())


def test_one_solved_and_one_wrong_kata_score_right_in_classroom_and_gradescope(
    pytester, monkeypatch
):
    katas = lay_out(pytester.path, solved=("09_backward_bn_stats",))
    (katas / "07_backward_tanh.py").write_text(WRONG_TANH)
    github_output = pytester.path / "github_output"
    scores = pytester.path / "gs" / "results.json"
    monkeypatch.setenv("GITHUB_OUTPUT", str(github_output))
    result, doc = classroom_run(pytester, f"--ninja-gradescope={scores}", "--ninja-points", "09=3")
    assert result.ret == 0  # the reporter step must always run
    valid_classroom(doc)
    by_name = {t["name"]: t for t in doc["tests"]}
    assert by_name["09_backward_bn_stats"]["score"] == 3.0
    assert by_name["07_backward_tanh"]["score"] == 0.0
    assert by_name["07_backward_tanh"]["status"] == "fail"
    assert sum(t["score"] for t in doc["tests"]) == 3.0 and doc["max_score"] == 16.0
    line = github_output.read_text().strip()
    assert line.startswith("result=")
    assert json.loads(base64.b64decode(line.removeprefix("result="))) == doc
    gradescope = json.loads(scores.read_text())
    valid_gradescope(gradescope)
    assert gradescope["score"] == 3.0
    assert "| 09_backward_bn_stats | passed |" in gradescope["output"]


def test_a_kata_that_does_not_import_or_loops_forever_still_gets_a_valid_document(pytester):
    katas = lay_out(pytester.path)
    (katas / "01_backward_loss.py").write_text("def backward_loss(:\n")
    (katas / "02_backward_log.py").write_text(
        "def backward_log(probs, dlogprobs):\n    while True:\n        pass\n"
    )
    (katas / "03_backward_normalize.py").unlink()
    _, doc = classroom_run(pytester, "--ninja-timeout", "0.3")
    valid_classroom(doc)
    by_name = {t["name"]: t for t in doc["tests"]}
    assert "syntax error" in by_name["01_backward_loss"]["message"]
    assert "ran for more than 0.3 s" in by_name["02_backward_log"]["message"]
    assert by_name["03_backward_normalize"]["status"] == "error"


def test_a_crash_of_the_grader_still_writes_an_error_document(pytester):
    lay_out(pytester.path)
    pytester.makeconftest("def pytest_runtestloop(session):\n    raise RuntimeError('boom')\n")
    out = pytester.path / "cls.json"
    gradescope = pytester.path / "results.json"
    dojo(pytester, "katas", f"--ninja-classroom={out}", f"--ninja-gradescope={gradescope}")
    doc = json.loads(out.read_text())
    valid_classroom(doc)
    assert doc["status"] == "error" and "boom" in doc["tests"][0]["message"]
    valid_gradescope(json.loads(gradescope.read_text()))


def test_the_hidden_seed_is_recorded_and_re_runs_exactly(pytester):
    katas = lay_out(pytester.path, solved=("07_backward_tanh",))
    _, doc = classroom_run(pytester)
    code = {t["name"]: t for t in doc["tests"]}["07_backward_tanh"]["test_code"]
    seed = int(code.rsplit(" ", 1)[1])
    _, again = classroom_run(pytester)
    assert again["tests"][0]["test_code"] != doc["tests"][0]["test_code"]  # drawn anew
    (katas / "07_backward_tanh.py").write_text((SOLUTIONS / "07_backward_tanh.py").read_text())
    result = dojo(pytester, "katas/07_backward_tanh.py", "--ninja-stress-seed", str(seed))
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize(("solved", "code"), [(("07_backward_tanh",), 0), ((), 1)])
def test_one_kata_at_a_time_exits_zero_exactly_when_it_passes(pytester, solved, code):
    lay_out(pytester.path, solved=solved)
    result = dojo(pytester, "katas", "--ninja-kata", "07")
    assert result.ret == code
    assert sum(result.parseoutcomes().get(k, 0) for k in ("passed", "failed", "todo")) == 1


def test_an_unknown_kata_is_a_usage_error(pytester):
    lay_out(pytester.path)
    result = dojo(pytester, "katas", "--ninja-kata", "99")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*pytest-ninja: --ninja-kata: no kata '99'*"])


def test_a_step_summary_and_annotations_on_github_actions_and_both_switch_off(
    pytester, monkeypatch
):
    katas = lay_out(pytester.path, solved=("07_backward_tanh",))
    (katas / "01_backward_loss.py").write_text((SOLUTIONS / "01_backward_loss.py").read_text())
    summary = pytester.path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = dojo(pytester, "katas")
    assert "| 07_backward_tanh | passed | 1/1 | 1 / 1 |" in summary.read_text()
    errors = [ln for ln in result.outlines if ln.startswith("::error ")]
    assert len(errors) == 10 and "file=katas/02_backward_log.py,line=7" in errors[0]
    summary.unlink()
    result = dojo(pytester, "katas", "--ninja-no-annotations", "--ninja-no-step-summary")
    assert not summary.exists()
    assert not [ln for ln in result.outlines if ln.startswith("::error ")]


def test_junit_xml_carries_kata_points_and_score(pytester):
    lay_out(pytester.path, solved=("07_backward_tanh",))
    dojo(pytester, "katas/07_backward_tanh.py", "--junitxml=out.xml")
    xml = (pytester.path / "out.xml").read_text()
    for prop in (
        'name="kata" value="07_backward_tanh"',
        'name="points" value="1.0"',
        'name="score" value="1.0"',
    ):
        assert prop in xml


def test_todo_is_never_a_skip_for_graders(pytester):
    lay_out(pytester.path)
    dojo(pytester, "katas/07_backward_tanh.py", "--junitxml=out.xml")
    xml = (pytester.path / "out.xml").read_text()
    assert "<failure" in xml and "<skipped" not in xml
    assert "todo: implement backward_tanh" in xml
