"""Any selection works: node ids, -k, --deselect, -x, --lf, --ff, --sw, one file, two folders.

A seeded stream of random selections runs over one workspace that holds passed, failed, todo
and crashing katas. After each run: the exit status is pytest's for the checks it reported,
no traceback, the panel shows the whole dojo in the state the progress file holds, every
check the progress file holds has its true status, and checks this run did not grade are
as they were before it.
"""

from __future__ import annotations

import json
import random
import re
import shutil

import pytest
from helpers import SOLUTIONS, dojo, lay_out

from pytest_ninja.core.result import Status
from pytest_ninja.levels import FIRST as KATAS  # the lecture's level
from pytest_ninja.loop import progress as progress_file

SOLVED = ("01_backward_loss", "06_backward_linear2", "09_backward_bn_stats")
WRONG = {
    "07_backward_tanh": "def backward_tanh(hpreact, h, dh):\n    return (1 - hpreact**2) * dh\n"
}
CRASHING = {"02_backward_log": "def backward_log(probs, dlogprobs):\n    return 1 / 0\n"}
RUNS = 40


def truth(kata_id: str) -> Status:
    if kata_id in SOLVED:
        return Status.PASSED
    if kata_id in WRONG:
        return Status.FAILED
    if kata_id in CRASHING:
        return Status.ERROR
    return Status.TODO


class Reports:
    """The check reports of one run, by node id."""

    def __init__(self):
        self.outcomes: dict[str, str] = {}

    def pytest_runtest_logreport(self, report):
        if report.when == "call":
            self.outcomes[report.nodeid] = report.outcome


def node_ids(folder: str = "katas") -> list[str]:
    return [f"{folder}/{k.filename}::{o}" for k in KATAS for o in k.outputs]


def a_selection(rng: random.Random) -> list[str]:
    """One way a learner might narrow a run, drawn at random."""
    kata = rng.choice(KATAS)
    output = rng.choice(kata.outputs)
    choices = [
        lambda: [rng.choice(node_ids())],
        lambda: rng.sample(node_ids(), rng.randint(2, 5)),
        lambda: ["katas", "-k", output],
        lambda: ["katas", "-k", kata.name.split("_")[-1]],
        lambda: ["katas", "-k", f"{kata.name.split('_')[-1]} and {output}"],
        lambda: ["katas", "-k", f"not {output}"],
        lambda: ["katas", "-k", "no_such_check"],
        lambda: ["katas", "--deselect", rng.choice(node_ids())],
        lambda: ["katas", "-x"],
        lambda: ["katas", "--lf"],
        lambda: ["katas", "--ff", "-x"],
        lambda: ["katas", "--sw"],
        lambda: [f"katas/{kata.filename}"],
        lambda: ["katas", "attempts"],
        lambda: ["katas"],
    ]
    return rng.choice(choices)()


def stored_checks(folder) -> dict[str, dict[str, str]]:
    path = folder / progress_file.FILENAME
    if not path.exists():
        return {}
    return {k: dict(v["checks"]) for k, v in json.loads(path.read_text())["katas"].items()}


def panel_rows(text: str) -> dict[str, tuple[str, str]]:
    """kata id -> (status word, passed/total) from the first dojo panel of a run's output."""
    rows = {}
    section = text.split("dojo: katas/", 1)[1] if "dojo: katas/" in text else ""
    for kata in KATAS:
        number, name = kata.id.split("_", 1)
        m = re.search(rf"^  {number} {name} +(\w+) +(\d+/\d+)", section, re.MULTILINE)
        if m:
            rows[kata.id] = (m.group(1), m.group(2))
    return rows


@pytest.fixture
def workspace(pytester):
    katas = lay_out(pytester.path, solved=SOLVED)
    for kata_id, source in {**WRONG, **CRASHING}.items():
        (katas / f"{kata_id}.py").write_text(source)
    shutil.copytree(katas, pytester.path / "attempts")
    (pytester.path / "pytest.ini").write_text("[pytest]\n")
    return katas


@pytest.mark.parametrize("seed", [1, 2])
def test_random_selections_never_break_the_panel_nor_the_progress(pytester, workspace, seed):
    rng = random.Random(seed)
    for run in range(RUNS):
        args = a_selection(rng)
        before = stored_checks(workspace)
        reports = Reports()
        result = dojo(pytester, *args, cache=True, plugins=[reports])
        text = "\n".join(result.outlines + result.errlines)
        context = f"run {run}: pytest {' '.join(args)}\n{text[-3000:]}"

        assert "Traceback" not in text and "INTERNALERROR" not in text, context
        graded = {n: o for n, o in reports.outcomes.items() if n.startswith("katas/")}
        others = {n: o for n, o in reports.outcomes.items() if n.startswith("attempts/")}
        outcomes = set(graded.values()) | set(others.values())
        expected_exit = 1 if "failed" in outcomes else (0 if outcomes else 5)
        if "--sw" in args and "failed" in outcomes:
            expected_exit = pytest.ExitCode.INTERRUPTED  # stepwise stops the session there
        assert result.ret == expected_exit, (
            f"exit {result.ret}, want {expected_exit}, {outcomes}\n{context}"
        )

        after = stored_checks(workspace)
        for kata_id, checks in after.items():
            for output, status in checks.items():
                assert status == truth(kata_id), f"{kata_id}::{output} {status}\n{context}"
        ran = {tuple(n.split("/", 1)[1].split("::")) for n in graded}
        for kata_id, checks in before.items():
            for output, status in checks.items():
                if (f"{kata_id}.py", output) not in ran:
                    assert after[kata_id][output] == status, context
        for filename, output in ran:
            assert output in after[filename[:-3]], context

        rows = panel_rows(text)  # every selection here collects katas/: the panel is drawn
        assert set(rows) == {k.id for k in KATAS}, context
        progress = progress_file.load(workspace)
        for kata in KATAS:
            word, counts = rows[kata.id]
            assert word == str(progress.status(kata)), f"{kata.id}: {word}\n{context}"
            stored = progress.katas.get(kata.id, progress_file.KataProgress()).checks
            passed = sum(stored.get(o) is Status.PASSED for o in kata.outputs)
            assert counts == f"{passed}/{len(kata.outputs)}", context


def test_a_node_id_of_one_passing_check_shows_the_whole_dojo_and_exits_0(pytester, workspace):
    result = dojo(pytester, "katas/09_backward_bn_stats.py::dbnvar")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["*01 backward_loss * todo * 0/1", "*09 backward_bn_stats * todo * 1/6", "*0/14 katas*"]
    )
    result.stdout.no_fnmatch_line("*Traceback*")


def test_a_selection_that_deselects_every_check_still_draws_the_panel(pytester, workspace):
    dojo(pytester, "katas")
    result = dojo(pytester, "katas", "-k", "no_such_check")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result.stdout.fnmatch_lines(
        ["*dojo: katas/*", "*09 backward_bn_stats * passed * 6/6  (earlier run)"]
    )


def test_last_failed_reruns_only_what_failed_and_keeps_the_rest(pytester, workspace):
    dojo(pytester, "katas", cache=True)
    result = dojo(pytester, "katas", "--lf", cache=True)
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) == 0 and outcomes["failed"] >= 2
    result.stdout.fnmatch_lines(["*01 backward_loss * passed * 1/1  (earlier run)"])


def test_stepwise_stops_at_the_first_failure_then_resumes_there(pytester, workspace):
    first = dojo(pytester, "katas", "--sw", cache=True)
    assert first.parseoutcomes() == {"passed": 1, "failed": 1}  # 01 passes, 02 crashes
    (workspace / "02_backward_log.py").write_text((SOLUTIONS / "02_backward_log.py").read_text())
    second = dojo(pytester, "katas", "--sw", cache=True)
    second.stdout.fnmatch_lines(["*02 backward_log * passed * 1/1"])
    assert second.parseoutcomes()["deselected"] == 1  # 01 is not graded again


def test_pytests_cache_works_in_a_workspace_made_by_init(pytester):
    from pytest_ninja.loop import workspace

    workspace.init(pytester.path)
    (pytester.path / "katas/07_backward_tanh.py").write_text(WRONG["07_backward_tanh"])
    dojo(pytester, cache=True)  # as a learner runs it in their workspace: `pytest`
    again = dojo(pytester, "--lf", cache=True)
    assert again.parseoutcomes() == {"failed": 1, "todo": 34}
    again.stdout.fnmatch_lines(["*run-last-failure: rerun previous 35 failures*"])
    assert (pytester.path / ".pytest_cache").is_dir()
    assert (pytester.path / "katas" / progress_file.FILENAME).is_file()
