"""Classroom 50's documents: result.json and the Release notes, checked against its contract.

Fast, plain data: scores are built from hand-made results, and every rule of the contract has
a document broken in exactly that way which our checker must refuse.
"""

from __future__ import annotations

import copy
import json

import pytest
from helpers import passing, result_of

from pytest_ninja.classroom.classroom50 import (
    BODY_LIMIT,
    DRY_RUN_ENV,
    ENV,
    missing_env,
    release_body,
    result_document,
)
from pytest_ninja.classroom.contract import check_body, problems
from pytest_ninja.classroom.scoring import Scheme, Score, error_scores, score_katas
from pytest_ninja.core.result import CheckResult, KataResult, Mistake, Status
from pytest_ninja.levels import BY_ID, KATAS

BN_STATS = "09_backward_bn_stats"  # six checks
TANH = "07_backward_tanh"  # one check


def scores_of(results: dict[str, KataResult], points: dict[str, int] | None = None) -> list:
    """The scores of these katas (only these) under a scheme with these points."""
    scheme = Scheme(tuple(BY_ID[k] for k in results), points or {})
    return score_katas(scheme, results)


def sign_mistake(kata_id: str) -> KataResult:
    """A kata whose first check is wrong in sign (diagnosed), the others passing."""
    first, *rest = BY_ID[kata_id].outputs
    checks = {first: CheckResult(first, Status.FAILED, ("wrong sign",), mistake=Mistake("sign"))}
    checks |= {out: CheckResult(out, Status.PASSED) for out in rest}
    return KataResult(BY_ID[kata_id], checks, path=f"katas/{BY_ID[kata_id].filename}")


def is_int(value: object) -> bool:
    return type(value) is int


# -- valid documents -----------------------------------------------------------------------

SCORES = {
    "solved": lambda: scores_of({BN_STATS: passing(BN_STATS, 6)}, {BN_STATS: 6}),
    "wrong": lambda: scores_of({TANH: result_of(TANH, Status.FAILED)}),
    "todo": lambda: scores_of({BN_STATS: result_of(BN_STATS, *[Status.TODO] * 6)}),
    "error": lambda: error_scores(Scheme(KATAS), "the grader crashed before grading"),
    "partial": lambda: scores_of({BN_STATS: passing(BN_STATS, 3)}, {BN_STATS: 5}),
    "mistake": lambda: scores_of({BN_STATS: sign_mistake(BN_STATS)}),
    "catalogue": lambda: scores_of({k.id: passing(k.id, 1) for k in KATAS}, {BN_STATS: 3}),
}


@pytest.mark.parametrize("make", SCORES.values(), ids=SCORES.keys())
def test_the_document_is_valid_under_the_contract_and_its_numbers_are_ints(make):
    scores = make()
    doc = result_document(scores, DRY_RUN_ENV)
    assert problems(doc, DRY_RUN_ENV) == []
    assert problems(json.loads(json.dumps(doc)), DRY_RUN_ENV) == []  # as the runner reads it
    assert [r["test-name"] for r in doc["tests"]] == [s.kata.id for s in scores]
    for row in doc["tests"]:
        assert is_int(row["score"]) and is_int(row["max-score"]) and isinstance(row["passed"], bool)
    assert is_int(doc["score"]) and is_int(doc["max-score"])
    assert doc["score"] == sum(r["score"] for r in doc["tests"])
    assert doc["max-score"] == sum(r["max-score"] for r in doc["tests"])
    assert check_body(release_body(scores)) == []


def test_the_header_repeats_the_runners_environment():
    doc = result_document(SCORES["wrong"](), DRY_RUN_ENV)
    assert doc["schema"] == "classroom50/result/v1"
    assert (doc["classroom"], doc["assignment"], doc["submission"]) == (
        "dry-run",
        "dry-run",
        "submit/dry-run",
    )
    assert (doc["commit"], doc["release"], doc["review"]) == (
        DRY_RUN_ENV["COMMIT_URL"],
        DRY_RUN_ENV["RELEASE_URL"],
        DRY_RUN_ENV["REVIEW_URL"],
    )


def test_a_row_scores_whole_points_rounded_down():
    (row,) = result_document(SCORES["partial"](), DRY_RUN_ENV)["tests"]
    # 5 points over 6 checks, 3 passing: ⌊5·3/6⌋ = 2
    assert row == {
        "test-name": BN_STATS,
        "passed": False,
        "score": 2,
        "max-score": 5,
        "checks": "3/6",
        "mistake": None,
        "message": row["message"],
    }
    assert row["message"].startswith("3/6 checks pass; ")


@pytest.mark.parametrize(
    ("name", "passed", "score", "checks"),
    [("solved", True, 6, "6/6"), ("wrong", False, 0, "0/1"), ("todo", False, 0, "0/6")],
    ids=["solved", "wrong", "todo"],
)
def test_a_row_says_whether_every_check_passed(name, passed, score, checks):
    (row,) = result_document(SCORES[name](), DRY_RUN_ENV)["tests"]
    assert (row["passed"], row["score"], row["checks"]) == (passed, score, checks)


def test_an_error_scores_nothing_and_says_why():
    doc = result_document(SCORES["error"](), DRY_RUN_ENV)
    assert doc["score"] == 0 and doc["max-score"] == len(KATAS)
    assert all(r["message"] == "the grader crashed before grading" for r in doc["tests"])


def test_the_likely_mistake_is_an_extra_key_of_the_row_and_a_column_of_the_notes():
    scores = SCORES["mistake"]()
    (row,) = result_document(scores, DRY_RUN_ENV)["tests"]
    assert row["mistake"] == "sign" and row["checks"] == "5/6"
    assert f"| {BN_STATS} | failed | 5/6 | 0 / 1 | sign | 5/6 checks pass; wrong sign |" in (
        release_body(scores)
    )


def test_a_message_on_many_lines_is_one_line_in_the_row():
    scores = scores_of({TANH: result_of(TANH, Status.FAILED, line="first\nsecond")})
    (row,) = result_document(scores, DRY_RUN_ENV)["tests"]
    assert "\n" not in row["message"] and "first second" in row["message"]


def test_fractional_points_are_refused_rather_than_rounded_silently():
    (score,) = SCORES["wrong"]()
    with pytest.raises(ValueError, match="whole number"):
        result_document([Score(score.result, 2.5)], DRY_RUN_ENV)


def test_the_runners_stamps_and_extra_row_keys_are_allowed():
    doc = result_document(SCORES["catalogue"](), DRY_RUN_ENV)
    doc |= {
        "owner": "someone",
        "assignment_type": "individual",
        "datetime": "now",
        "graded_at": "now",
        "submitted_by": "someone",
    }
    doc["tests"][0]["anything"] = {"nested": [1, 2]}
    assert problems(doc, DRY_RUN_ENV) == []


# -- the environment -------------------------------------------------------------------------


def test_missing_env_names_what_is_missing_or_empty_in_order():
    assert missing_env({"CLASSROOM": "c", "ASSIGNMENT": "", "REVIEW_URL": "r"}) == [
        "ASSIGNMENT",
        "SUBMISSION_TAG",
        "COMMIT_URL",
        "RELEASE_URL",
    ]
    assert missing_env({}) == list(ENV)
    assert missing_env(DRY_RUN_ENV) == []


def test_a_dry_run_document_is_valid_with_and_without_its_environment():
    doc = result_document(SCORES["catalogue"](), DRY_RUN_ENV)
    assert problems(doc, DRY_RUN_ENV) == [] and problems(doc) == []
    assert all(DRY_RUN_ENV[name] for name in ENV)
    assert DRY_RUN_ENV["SUBMISSION_TAG"].startswith("submit/")


# -- the Release notes -------------------------------------------------------------------


def test_the_notes_start_with_the_score_and_end_with_the_local_check():
    scores = SCORES["catalogue"]()
    body = release_body(scores, "stress seed 1234")
    lines = body.splitlines()
    total, most = sum(s.score for s in scores), sum(s.points for s in scores)
    assert lines[0] == f"**Score: {total} / {most}** (stress seed 1234)"
    assert lines[2] == "| kata | status | checks | score | likely mistake | message |"
    assert sum(line.startswith("| ") for line in lines) == 1 + len(scores)
    assert "`pytest katas/`" in lines[-1]


def test_the_notes_escape_pipes_and_newlines_in_cells():
    scores = scores_of({TANH: result_of(TANH, Status.FAILED, line="a | b\nc")})
    (row,) = [line for line in release_body(scores).splitlines() if line.startswith(f"| {TANH}")]
    assert row.endswith("a \\| b c |")
    assert row.replace("\\|", "").count("|") == 7  # six cells


def test_absurdly_long_messages_are_cut_and_the_notes_stay_under_the_limit():
    huge = "x|y\n" * 1_000_000
    scores = scores_of({k.id: result_of(k.id, Status.FAILED, line=huge) for k in KATAS})
    body = release_body(scores, note=huge)
    assert len(body) < BODY_LIMIT and check_body(body) == []
    assert sum(line.startswith("| ") for line in body.splitlines()) == 1 + len(KATAS)
    assert "…" in body


def test_ten_thousand_rows_are_cut_with_a_line_saying_how_many_were_left_out():
    (score,) = scores_of({TANH: result_of(TANH, Status.FAILED, line="m" * 400)})
    body = release_body([score] * 10_000)
    assert len(body) < BODY_LIMIT and check_body(body) == []
    lines = body.splitlines()
    shown = sum(line.startswith(f"| {TANH}") for line in lines)
    (left,) = [line for line in lines if "left out" in line]
    assert 0 < shown < 10_000 and left.startswith(f"{10_000 - shown:,} more rows were left out")
    assert lines[0] == "**Score: 0 / 10000**" and "`pytest katas/`" in lines[-1]


def test_check_body_refuses_notes_over_the_limit():
    assert check_body("x" * BODY_LIMIT) == []
    (problem,) = check_body("x" * (BODY_LIMIT + 1))
    assert "125,000" in problem
    assert check_body(None)


# -- the contract: one broken rule, one refusal --------------------------------------------


def valid() -> dict:
    """A valid document: kata 09 at 2 of 5 points, kata 07 solved."""
    results = {BN_STATS: passing(BN_STATS, 3), TANH: passing(TANH, 1)}
    return result_document(scores_of(results, {BN_STATS: 5}), DRY_RUN_ENV)


def setting(key, value):
    def change(doc):
        doc[key] = value
        return doc

    return change


def setting_row(key, value):
    def change(doc):
        doc["tests"][0][key] = value
        return doc

    return change


def without_row_key(key):
    def change(doc):
        del doc["tests"][0][key]
        return doc

    return change


def without(key):
    def change(doc):
        del doc[key]
        return doc

    return change


def with_rows_short(doc):
    doc["tests"][0]["score"] -= 1  # 1 of 5, while the totals still say 2
    return doc


def with_score_over_max(doc):
    doc["score"] = doc["max-score"] + 1
    return doc


def with_row_over_max(doc):
    doc["tests"][0]["score"] = doc["tests"][0]["max-score"] + 1
    return doc


BROKEN = {
    "not-a-dict": (lambda doc: [doc], "not a JSON object"),
    "schema-wrong": (setting("schema", "classroom50/result/v2"), '"schema"'),
    "classroom-vs-env": (setting("classroom", "another-class"), "CLASSROOM is 'dry-run'"),
    "assignment-vs-env": (setting("assignment", "kata-02"), "ASSIGNMENT is 'dry-run'"),
    "classroom-empty": (setting("classroom", ""), '"classroom" is empty'),
    "submission-not-submit": (setting("submission", "v1.0"), 'starts with "submit/"'),
    "submission-vs-env": (setting("submission", "submit/other"), "SUBMISSION_TAG is"),
    "commit-empty": (setting("commit", ""), '"commit" is empty'),
    "release-missing": (without("release"), '"release" is missing'),
    "review-not-text": (setting("review", 7), '"review" is 7, not text'),
    "score-float": (setting("score", 2.0), "a decimal number"),
    "score-bool": (setting("score", True), "a boolean"),
    "max-score-float": (setting("max-score", 6.0), "a decimal number"),
    "max-score-negative": (setting("max-score", -1), "cannot be negative"),
    "score-over-max": (with_score_over_max, 'more than "max-score"'),
    "extra-top-level-key": (setting("grade", "A"), '"grade" has no place'),
    "tests-empty": (setting("tests", []), '"tests" is empty'),
    "tests-not-a-list": (setting("tests", {"a": 1}), "must be a list"),
    "rows-not-summing": (with_rows_short, "add up to 2"),
    "row-not-a-dict": (setting("tests", ["09"]), "tests[0] is str"),
    "row-passed-not-bool": (setting_row("passed", 1), "true or false"),
    "row-score-over-max": (with_row_over_max, 'tests[0] "score" is 6, more than'),
    "row-score-bool": (setting_row("score", False), 'tests[0] "score" is false, a boolean'),
    "row-max-score-float": (setting_row("max-score", 5.0), "a decimal number"),
    "row-missing-test-name": (without_row_key("test-name"), 'tests[0] has no "test-name"'),
    "row-empty-test-name": (setting_row("test-name", ""), '"test-name" is empty'),
    "row-missing-score": (without_row_key("score"), 'tests[0] has no "score"'),
}


@pytest.mark.parametrize(("breaking", "says"), BROKEN.values(), ids=BROKEN.keys())
def test_the_checker_refuses_a_document_broken_in_exactly_one_way(breaking, says):
    broken = breaking(copy.deepcopy(valid()))
    found = problems(broken, DRY_RUN_ENV)
    assert any(says in problem for problem in found), found


def test_the_valid_document_the_broken_ones_start_from_is_valid():
    doc = valid()
    assert problems(doc, DRY_RUN_ENV) == []
    assert [r["score"] for r in doc["tests"]] == [2, 1] and doc["score"] == 3
