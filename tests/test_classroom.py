"""Scores for a class: the integer policy, the documents, and `pytest-ninja grade` end to end
on every path (solved, wrong, todo, missing, crashing, killed, out of time)."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET

import pytest
from class_runs import (
    KILLS,
    RAISES,
    WRONG_TANH,
    classroom50_env,
    grade,
    read_json,
    rows,
    student_repo,
)
from helpers import (
    ROOT,
    SOLUTIONS,
    dojo,
    lay_out,
    passing,
    result_of,
    valid_classroom,
    valid_gradescope,
)

from pytest_ninja.classroom import contract
from pytest_ninja.classroom.documents import (
    annotations,
    github_document,
    gradescope_document,
    junit_document,
)
from pytest_ninja.classroom.grade import Shadowed, check_not_shadowed
from pytest_ninja.classroom.scoring import (
    Graded,
    Scheme,
    error_scores,
    parse_katas,
    parse_points,
    score_katas,
)
from pytest_ninja.core.result import Status
from pytest_ninja.levels import BY_ID, FIRST, KATAS

BN = "09_backward_bn_stats"  # 6 checks
LOOPS = "def backward_log(probs, dlogprobs):\n    while True:\n        pass\n"


# -- the policy: whole points, ⌊points·passed/checks⌋ ----------------------------------------


@pytest.mark.parametrize(
    ("points", "passed", "score"), [(6, 3, 3), (5, 3, 2), (3, 5, 2), (1, 5, 0)]
)
def test_a_part_of_a_kata_scores_its_share_rounded_down(points, passed, score):
    (s,) = score_katas(Scheme((BY_ID[BN],), {BN: points}), {BN: passing(BN, passed)})
    assert (s.score, s.points, s.word) == (score, points, "fail")
    assert isinstance(s.score, int)
    assert s.message.startswith(f"{passed}/6 checks pass; ")


def test_a_kata_with_every_check_passing_scores_all_its_points():
    (s,) = score_katas(Scheme((BY_ID[BN],), {BN: 5}), {BN: passing(BN, 6)})
    assert (s.score, s.word, s.message) == (5, "pass", "all 6 checks pass")


def test_all_or_nothing_gives_nothing_for_five_of_six():
    scheme = Scheme((BY_ID[BN],), all_or_nothing=True)
    (s,) = score_katas(scheme, {BN: passing(BN, 5)})
    assert s.score == 0


def test_a_kata_that_was_not_graded_is_an_error_never_a_pass():
    (s,) = score_katas(Scheme((BY_ID["01_backward_loss"],)), {})
    assert s.word == "error" and s.score == 0 and "not graded" in s.message


def test_a_check_this_run_did_not_grade_scores_nothing():
    partial = result_of(BN, Status.PASSED)  # one check of six
    (s,) = score_katas(Scheme((BY_ID[BN],), {BN: 6}), {BN: partial})
    assert (s.passed, s.score) == (1, 1)
    assert "dbnvar was not graded in this run" in s.message


def test_points_are_whole_numbers_by_id_number_or_name_and_bad_ones_are_refused():
    assert parse_points("09=3, backward_mlp=5") == {BN: 3, "14_backward_mlp": 5}
    for bad in ("09", "99=1", "09=x", "09=-1", "09=2.5"):
        with pytest.raises(ValueError):
            parse_points(bad)


def test_katas_are_taken_in_the_catalogues_order_and_unknown_ones_refused():
    assert [k.id for k in parse_katas("12,07")] == ["07_backward_tanh", "12_backward_cross_entropy"]
    assert parse_katas("") == FIRST  # the lecture's level, unless the teacher names others
    with pytest.raises(ValueError, match="no kata '99'"):
        parse_katas("07,99")


def test_uneven_points_are_named_for_the_teacher():
    scheme = Scheme((BY_ID[BN], BY_ID["07_backward_tanh"]), {BN: 5, "07_backward_tanh": 3})
    (line,) = scheme.uneven()
    assert line.startswith("09_backward_bn_stats has 6 checks and 5 points")
    assert not Scheme((BY_ID[BN],), {BN: 5}, all_or_nothing=True).uneven()


# -- the documents -------------------------------------------------------------------------


def some_scores():
    results = {k.id: passing(k.id, len(k.outputs)) for k in KATAS[:3]}
    results[BN] = passing(BN, 3)
    return score_katas(Scheme(KATAS[:3] + (BY_ID[BN],), {BN: 6}), results)


def test_github_classroom_and_gradescope_documents_have_the_formats_they_read():
    graded = Graded(some_scores(), seed=5)
    doc = github_document(graded.scores, graded.rerun)
    valid_classroom(doc)
    assert [t["score"] for t in doc["tests"]] == [1, 1, 1, 3] and doc["max_score"] == 9
    assert doc["tests"][0]["test_code"].endswith("--ninja-stress-seed 5")
    gradescope = gradescope_document(graded.scores, graded.note)
    valid_gradescope(gradescope)
    assert gradescope["score"] == 6
    valid_classroom(github_document(error_scores(Scheme(), "the grader crashed")))


def test_the_junit_report_is_in_pytests_default_family():
    """xunit2 allows properties on the suite only, and no file or line on a test case."""
    tree = ET.fromstring(junit_document(some_scores(), "stress seed 5"))
    assert tree.tag == "testsuites"
    (suite,) = tree
    assert suite.tag == "testsuite" and suite.get("tests") == "4" and suite.get("failures") == "1"
    allowed = {"name", "classname", "time"}
    for case in suite.iter("testcase"):
        assert set(case.attrib) <= allowed
        assert {child.tag for child in case} <= {"failure", "error", "skipped"}
    assert not list(suite.iter("testcase"))[0].findall("properties")
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["score"] == "6" and props["max-score"] == "9"
    assert props[f"{BN}.score"] == "3/6"


def test_annotations_are_escaped_and_at_most_ten():
    lines = annotations(error_scores(Scheme(), "a, b: 100%\nnext"))
    assert len(lines) == 10
    assert lines[0] == (
        "::error file=katas/01_backward_loss.py,line=1,title=01_backward_loss::a, b: 100%25%0Anext"
    )


# -- pytest-ninja grade, end to end ----------------------------------------------------------

ASSIGNED = ("--katas", "07,09,12,14", "--points", "09=6,14=7")


def test_classroom50_gets_the_honest_score_with_the_mistake_kind_of_each_row(tmp_path):
    repo = student_repo(
        tmp_path / "ada",
        {"07_backward_tanh": WRONG_TANH, BN: "solved", "12_backward_cross_entropy": "stub"},
    )
    env = classroom50_env()
    done = grade(repo, "--for", "classroom50", *ASSIGNED, **env)
    assert done.returncode == 0, done.stderr
    doc = read_json(repo / "result.json")
    assert contract.problems(doc, env) == []
    by = rows(doc)
    assert (doc["score"], doc["max-score"]) == (6, 15)
    assert by[BN] | {"message": ""} == {
        "test-name": BN,
        "passed": True,
        "score": 6,
        "max-score": 6,
        "checks": "6/6",
        "mistake": None,
        "message": "",
    }
    assert by["07_backward_tanh"]["passed"] is False and by["07_backward_tanh"]["mistake"]
    assert "todo" in by["12_backward_cross_entropy"]["message"]
    assert by["14_backward_mlp"]["message"] == "could not run: katas/14_backward_mlp.py is missing"
    body = (repo / "release-body.md").read_text()
    assert body.startswith("**Score: 6 / 15**") and "pytest katas/" in body
    assert "pytest-ninja score: 6 / 15" in done.stdout


def test_outside_classroom50s_runner_it_names_the_variables_and_writes_nothing(tmp_path):
    repo = student_repo(tmp_path / "ada", {"07_backward_tanh": "solved"})
    env = classroom50_env()
    del env["SUBMISSION_TAG"], env["REVIEW_URL"]
    done = grade(repo, "--for", "classroom50", **{k: v for k, v in env.items()})
    assert done.returncode == 2
    first = done.stderr.splitlines()[0]
    assert "SUBMISSION_TAG, REVIEW_URL are not set" in first
    assert not (repo / "result.json").exists() and not (repo / "release-body.md").exists()


def test_a_dry_run_prints_the_table_and_the_document_and_writes_nothing(tmp_path):
    repo = student_repo(tmp_path / "ada", {"07_backward_tanh": "solved"})
    done = grade(repo, "--for", "classroom50", "--katas", "07", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "| 07_backward_tanh | passed | 1/1 | 1 / 1 |" in done.stdout
    assert '"schema": "classroom50/result/v1"' in done.stdout
    assert "(dry run: not written)" in done.stdout
    assert not (repo / "result.json").exists()


def test_github_classroom_gets_the_reporters_document_in_github_output(tmp_path):
    repo = student_repo(tmp_path / "ada", {"07_backward_tanh": WRONG_TANH, BN: "solved"})
    output, summary = tmp_path / "github_output", tmp_path / "summary.md"
    env = {"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
    done = grade(
        repo,
        "--for",
        "github",
        "--katas",
        "07,09",
        "--points",
        "09=6",
        **env,
        GITHUB_ACTIONS="true",
    )
    assert done.returncode == 0, done.stderr
    (line,) = output.read_text().splitlines()
    doc = json.loads(base64.b64decode(line.removeprefix("result=")))
    valid_classroom(doc)
    assert [t["score"] for t in doc["tests"]] == [0, 6] and doc["max_score"] == 7
    assert "**Score: 6 / 7**" in summary.read_text()
    errors = [ln for ln in done.stdout.splitlines() if ln.startswith("::error ")]
    assert len(errors) == 1 and "title=07_backward_tanh" in errors[0]
    # no line the student's code printed can be a workflow command: the run's output is indented
    assert all(not ln.startswith("::") or ln in errors for ln in done.stdout.splitlines())


def test_outside_github_actions_the_github_mode_needs_a_file(tmp_path):
    repo = student_repo(tmp_path / "ada", {"07_backward_tanh": "solved"})
    done = grade(repo, "--for", "github", "--katas", "07")
    assert done.returncode == 2 and "$GITHUB_OUTPUT is not set" in done.stderr
    done = grade(repo, "--for", "github", "--katas", "07", "--out", str(tmp_path / "doc.json"))
    assert done.returncode == 0
    valid_classroom(read_json(tmp_path / "doc.json"))
    done = grade(repo, "--for", "github", "--katas", "07", "--dry-run")
    assert done.returncode == 0 and '"version": 1' in done.stdout


def test_gradescope_junit_and_exit_code(tmp_path):
    repo = student_repo(tmp_path / "ada", {"07_backward_tanh": "solved", BN: "stub"})
    results = tmp_path / "results" / "results.json"
    results.parent.mkdir()
    done = grade(repo, "--for", "gradescope", "--katas", "07,09", "--out", str(results))
    assert done.returncode == 0
    doc = read_json(results)
    valid_gradescope(doc)
    assert doc["score"] == 1 and [t["max_score"] for t in doc["tests"]] == [1, 1]
    done = grade(repo, "--for", "junit", "--katas", "07,09", "--out", str(tmp_path / "j.xml"))
    assert done.returncode == 1  # not every kata passes
    assert ET.parse(tmp_path / "j.xml").getroot().find("testsuite").get("failures") == "1"
    assert grade(repo, "--for", "exit-code", "--katas", "07").returncode == 0
    assert grade(repo, "--for", "exit-code", "--katas", "07,09").returncode == 1


def test_a_kata_that_will_not_load_loops_or_raises_scores_nothing_with_its_reason(tmp_path):
    repo = student_repo(
        tmp_path / "ada",
        {
            "01_backward_loss": "def backward_loss(:\n",
            "02_backward_log": LOOPS,
            "07_backward_tanh": RAISES,
            BN: "solved",
        },
    )
    env = classroom50_env()
    done = grade(
        repo, "--for", "classroom50", "--katas", "01,02,07,09", "--kata-time-limit", "0.3", **env
    )
    assert done.returncode == 0, done.stderr
    doc = read_json(repo / "result.json")
    assert contract.problems(doc, env) == []
    by = rows(doc)
    assert "syntax error" in by["01_backward_loss"]["message"]
    assert "ran for more than 0.3 s" in by["02_backward_log"]["message"]
    assert "not today" in by["07_backward_tanh"]["message"]
    assert by[BN]["passed"] and doc["score"] == 1


def test_a_kata_that_kills_its_process_costs_that_kata_alone(tmp_path):
    repo = student_repo(
        tmp_path / "ada",
        {"01_backward_loss": "solved", "07_backward_tanh": KILLS, BN: "solved"},
    )
    env = classroom50_env()
    done = grade(repo, "--for", "classroom50", "--katas", "01,07,09", **env)
    assert done.returncode == 0, done.stderr
    doc = read_json(repo / "result.json")
    assert contract.problems(doc, env) == []
    by = rows(doc)
    assert by["01_backward_loss"]["passed"] and by[BN]["passed"]  # before it, and after it
    assert "killed by SIGKILL" in by["07_backward_tanh"]["message"]
    assert doc["score"] == 2


NEVER = (
    "import signal\n\n\ndef backward_tanh(hpreact, h, dh):\n"
    "    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n    while True:\n        pass\n"
)


def test_a_kata_that_ignores_every_signal_is_stopped_by_the_graders_own_clock(tmp_path):
    repo = student_repo(
        tmp_path / "ada", {"01_backward_loss": "solved", "07_backward_tanh": NEVER, BN: "solved"}
    )
    env = classroom50_env()
    done = grade(
        repo, "--for", "classroom50", "--katas", "01,07,09", "--kata-time-limit", "2", **env
    )
    assert done.returncode == 0, done.stderr
    doc = read_json(repo / "result.json")
    assert contract.problems(doc, env) == []
    by = rows(doc)
    assert by["01_backward_loss"]["passed"] and by[BN]["passed"]
    assert (
        "backward_tanh ran for more than 2 s and was stopped" in by["07_backward_tanh"]["message"]
    )


def test_katas_not_reached_within_the_whole_gradings_time_limit_score_nothing(tmp_path):
    loops = NEVER.replace("signal.signal(signal.SIGALRM, signal.SIG_IGN)", "pass")
    repo = student_repo(tmp_path / "ada", {"07_backward_tanh": loops, BN: "solved"})
    out = tmp_path / "d.json"
    args = ("--katas", "07,09", "--kata-time-limit", "2", "--time-limit", "1", "--out", str(out))
    assert grade(repo, "--for", "github", *args).returncode == 0
    tanh, bn = read_json(out)["tests"]
    assert "ran for more than 2 s" in tanh["message"]
    assert bn["message"] == "not graded: grading ran out of its 1 s" and bn["score"] == 0


def test_the_seed_is_drawn_each_time_recorded_and_re_runs_exactly(tmp_path):
    repo = student_repo(tmp_path / "ada", {"07_backward_tanh": "solved"})
    out = tmp_path / "doc.json"
    seeds = []
    for _ in range(2):
        assert grade(repo, "--for", "github", "--katas", "07", "--out", str(out)).returncode == 0
        seeds.append(int(read_json(out)["tests"][0]["test_code"].rsplit(" ", 1)[1]))
    assert seeds[0] != seeds[1]
    done = grade(
        repo, "--for", "github", "--katas", "07", "--out", str(out), "--seed", str(seeds[0])
    )
    assert read_json(out)["tests"][0]["test_code"].endswith(f"--ninja-stress-seed {seeds[0]}")
    assert done.returncode == 0


def test_a_kata_file_that_is_a_link_is_refused(tmp_path):
    repo = student_repo(tmp_path / "ada", {})
    (repo / "katas" / "07_backward_tanh.py").symlink_to(SOLUTIONS / "07_backward_tanh.py")
    done = grade(repo, "--for", "github", "--katas", "07", "--out", str(tmp_path / "d.json"))
    (test,) = read_json(tmp_path / "d.json")["tests"]
    assert test["score"] == 0 and "symbolic link" in test["message"]
    assert done.returncode == 0


def test_usage_errors_are_one_line_and_exit_2(tmp_path):
    repo = student_repo(tmp_path / "ada", {})
    for args, first in (
        (("--for", "classroom50", "--katas", "99", "--dry-run"), "no kata '99'"),
        (("--for", "classroom50", "--points", "09=2.5", "--dry-run"), "whole number"),
        (("--for", "classroom50", "--katas", "07", "--points", "09=2", "--dry-run"), "leaves out"),
        (("--for", "classroom50", "--time-limit", "0", "--dry-run"), "above 0"),
    ):
        done = grade(repo, *args)
        assert done.returncode == 2 and first in done.stderr.splitlines()[0]
        assert "Traceback" not in done.stderr


def test_a_grader_loaded_from_the_students_folder_refuses_to_grade():
    with pytest.raises(Shadowed, match="python -I -m pytest_ninja.cli grade"):
        check_not_shadowed(ROOT)  # this checkout holds the pytest_ninja the tests import


# -- the pytest side: GitHub Actions' extras ------------------------------------------------


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


def test_pytests_own_junit_xml_stays_valid_and_todo_is_never_a_skip(pytester):
    lay_out(pytester.path)
    dojo(pytester, "katas/07_backward_tanh.py", "--junitxml=out.xml")
    xml = (pytester.path / "out.xml").read_text()
    assert "<failure" in xml and "<skipped" not in xml
    assert "todo: implement backward_tanh" in xml
    assert "<property" not in xml  # xunit2 has no properties on a test case


EXHAUSTS = (
    "import torch\n\n\ndef backward_tanh(hpreact, h, dh):\n    kept = []\n"
    "    while True:\n        kept.append(torch.ones(1 << 25))\n"
)


def test_refusals_changes_and_memory_cost_each_kata_its_own_points_in_class(tmp_path):
    solved = {
        k: (SOLUTIONS / f"{k}.py").read_text() for k in ("01_backward_loss", "04_backward_exp")
    }
    repo = student_repo(
        tmp_path / "ada",
        {
            "01_backward_loss": "import torch\nf = torch.ops.aten.tanh_backward\n"
            + solved["01_backward_loss"],
            "04_backward_exp": "import torch\nT = torch.Tensor\nT.abs = lambda self: self * 0\n"
            + solved["04_backward_exp"],
            "07_backward_tanh": EXHAUSTS,
            BN: "solved",
        },
    )
    env = classroom50_env()
    done = grade(repo, "--for", "classroom50", "--katas", "01,04,07,09", **env)
    assert done.returncode == 0, done.stderr
    doc = read_json(repo / "result.json")
    assert contract.problems(doc, env) == []
    by = rows(doc)
    assert "01_backward_loss.py:2: `.ops` is refused" in by["01_backward_loss"]["message"]
    assert "when it was imported, it changed torch.Tensor.abs" in by["04_backward_exp"]["message"]
    assert "MemoryError: it asked for more than the 2 GiB" in by["07_backward_tanh"]["message"]
    assert by[BN]["passed"] and doc["score"] == 1
