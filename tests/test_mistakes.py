"""Wrong answers fail and correct alternatives pass: the grader judged on a table of answers.

The table (`mistakes_table.py`) holds deliberately wrong kata files (a textbook BatchNorm
without Bessel's n/(n-1), one branch of a two-branch gradient, zeros where the lecture's
gradient is ~0, a literal 32, `dC[Xb] += demb`, a transposed dW, float16, ...) and correct
alternatives (einsum, one_hot, float64, a Python loop for dC, torch.where, scatter_add_, ...).

Every case is judged twice: all of them through the real plugin in one pytester run (each in
its own folder, so kata files of the same name are graded side by side), and each on its own
through the grading core, so that a misjudged case is named by its test id.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import dojo
from mistakes_table import CASES, FIRST_LINE_SAYS, RIGHT, SHAPE, VALUES, WRONG, Case

from pytest_ninja.core.grading import grade_file
from pytest_ninja.core.result import Status

PASSED, FAILED = "passed", "failed"
# as the terminal says it: an error is a failed check there
STATUS_WORDS = {Status.PASSED: PASSED, Status.FAILED: FAILED, Status.ERROR: FAILED}
STATUS_WORDS[Status.TODO] = "todo"


def misjudgements(case: Case, verdicts: dict[str, tuple]) -> list[str]:
    """What is wrong with the grader's verdicts on a case; [] when it judged it right.

    `verdicts` maps each output to (passed / failed / todo, the check's message, the kind of
    its mistake or None, the phase it failed in or None).
    """
    problems = []
    for out in case.kata.outputs:
        if out not in verdicts:
            problems.append(f"{out}: no verdict")
            continue
        status, message, kind, phase = verdicts[out]
        first = message.splitlines()[0] if message else ""
        if out not in case.fails:
            if status != PASSED:
                problems.append(f"{out} should pass but is {status}: {first}")
            continue
        reason = case.fails[out]
        if status != FAILED:
            problems.append(f"{out} should fail ({reason}) but is {status}")
            continue
        for word in (FIRST_LINE_SAYS[reason], case.says):
            if word and word not in first:
                problems.append(
                    f"{out} fails ({reason}) but its first line lacks {word!r}: {first}"
                )
        if case.phase and f"failed in the {case.phase} phase" not in message:
            problems.append(f"{out} should fail in the {case.phase} phase: {message!r}")
        if case.regime and case.phase and phase != case.regime:
            problems.append(f"{out} should fail in the {case.regime} batch, not in {phase}")
        if reason in (VALUES, SHAPE) and case.mistake and kind not in (case.mistake, "earlier"):
            problems.append(f"{out}'s mistake should be {case.mistake!r}, not {kind!r}")
        where = [ln for ln in message.splitlines() if ln.startswith("where: ")]
        if reason == VALUES and case.where and not (where and case.where in where[0]):
            problems.append(f"{out}'s where: line should say {case.where!r}: {where}")
    return problems


# ---- the table itself -------------------------------------------------------------------------


def test_the_table_has_at_least_32_wrong_answers_and_22_correct_alternatives():
    assert len(WRONG) >= 32
    assert len(RIGHT) >= 22
    assert all(c.id.startswith("wrong_") and c.fails for c in WRONG)
    assert all(c.id.startswith("right_") and not c.fails for c in RIGHT)


def test_every_case_names_real_checks_and_real_reasons():
    for case in CASES:
        assert set(case.fails) <= set(case.kata.outputs), case.id
        assert set(case.fails.values()) <= set(FIRST_LINE_SAYS), case.id
        assert f"def {case.kata.name}(" in case.source, case.id


def test_the_table_covers_the_mistakes_the_lecture_warns_about():
    wrong = {c.id: c for c in WRONG}
    for needed in (
        "wrong_batchnorm_textbook_without_bessel",
        "wrong_mlp_textbook_batchnorm_without_bessel",
        "wrong_dbnmeani_without_keepdim",
        "wrong_dcounts_one_branch",
        "wrong_dlogits_one_branch",
        "wrong_dbndiff_one_branch",
        "wrong_dhprebn_one_branch",
        "wrong_dlogit_maxes_zero",
        "wrong_db1_zero",
        "wrong_loss_literal_32",
        "wrong_cross_entropy_literal_32",
        "wrong_dC_indexed_assignment",
    ):
        assert needed in wrong, needed
    # gradients that are ~0 for the lecture's loss, and constants that fit its batch, can only
    # be caught by the stress phase
    for only_stress in (
        "wrong_dlogit_maxes_zero",
        "wrong_db1_zero",
        "wrong_loss_literal_32",
        "wrong_cross_entropy_literal_32",
        "wrong_dlogits_one_branch",
    ):
        assert wrong[only_stress].phase == "stress", only_stress


# ---- the plugin, end to end, in one run ------------------------------------------------------


class _CallReports:
    """A plugin for the inner run: every check's call report, by node id."""

    def __init__(self) -> None:
        self.by_node: dict[str, pytest.TestReport] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call":
            self.by_node[report.nodeid] = report


def test_the_plugin_fails_every_wrong_answer_and_passes_every_alternative_in_one_run(
    pytester: pytest.Pytester,
):
    for case in CASES:
        folder = pytester.mkdir(case.id)
        (folder / case.filename).write_text(case.source, encoding="utf-8")
    reports = _CallReports()
    result = dojo(pytester, "-rA", plugins=[reports])
    lines = result.outlines

    # per-check outcomes as the terminal shows them: `PASSED folder/file.py::check`
    shown = {}
    for line in lines:
        m = re.match(r"^(PASSED|FAILED|ERROR) (\S+)", line)
        if m:
            shown[m.group(2)] = m.group(1).lower()

    misjudged = []
    for case in CASES:
        verdicts = {}
        for out in case.kata.outputs:
            node = f"{case.id}/{case.filename}::{case.kata.check_id(out)}"
            if node not in shown:
                continue
            report = reports.by_node.get(node)
            text = report.longreprtext if report is not None else ""
            data = getattr(report, "ninja_check", None) or {}
            kind = (data.get("mistake") or {}).get("kind")
            verdicts[out] = (shown[node], text, kind, data.get("phase"))
        misjudged += [f"{case.id}: {p}" for p in misjudgements(case, verdicts)]

    assert not misjudged, "misjudged cases:\n" + "\n".join(misjudged)
    checks = sum(len(c.kata.outputs) for c in CASES)
    expected_failures = sum(len(c.fails) for c in CASES)
    result.assert_outcomes(passed=checks - expected_failures, failed=expected_failures)


# ---- the grading core, case by case ----------------------------------------------------------


def _graded(case: Case, tmp_path: Path) -> dict[str, tuple[str, str]]:
    path = tmp_path / case.id / case.filename
    path.parent.mkdir()
    path.write_text(case.source, encoding="utf-8")
    result = grade_file(path, case.kata)
    return {
        out: (STATUS_WORDS[c.status], c.message, c.mistake.kind if c.mistake else None, c.phase)
        for out, c in result.checks.items()
    }


@pytest.mark.parametrize("case", WRONG, ids=[c.id for c in WRONG])
def test_a_wrong_answer_fails_the_checks_it_gets_wrong_and_passes_the_rest(case, tmp_path):
    problems = misjudgements(case, _graded(case, tmp_path))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", RIGHT, ids=[c.id for c in RIGHT])
def test_a_correct_alternative_passes_every_check(case, tmp_path):
    problems = misjudgements(case, _graded(case, tmp_path))
    assert not problems, "\n".join(problems)


# named only since the diagnosis follows the backward pass and the stress phase has its
# fragile batches: by a new rule (a `mistake` kind) or caught only in one batch (`regime`)
NEW_RULES_AND_BATCHES = (
    "wrong_tanh_applied_twice",
    "wrong_dhprebn_mean_with_bessel",
    "wrong_dbnvar_coefficient_from_the_new_exponent",
    "wrong_cross_entropy_minus_one_at_every_entry",
    "wrong_mlp_tanh_applied_twice",
    "wrong_mlp_cross_entropy_minus_one_at_every_entry",
    "wrong_mlp_cross_entropy_without_the_targets",
    "wrong_mlp_batchnorm_without_gain",
    "wrong_log_with_an_epsilon",
    "wrong_dbnvar_without_eps",
    "wrong_dbnvar_with_eps_in_one_factor_only",
    "wrong_cross_entropy_softmax_without_the_max",
    "wrong_batchnorm_recomputed_without_eps",
    "wrong_batchnorm_as_steps_without_eps",
    "wrong_batchnorm_bessel_as_n_plus_1_over_n",
    "wrong_mlp_batchnorm_steps_without_eps",
    "wrong_mlp_bessel_as_n_plus_1_over_n",
    "wrong_mlp_softmax_without_the_max",
)


# the mistakes the level-2 issue names, each in the table under its kind
LEVEL_2_NAMED = (
    "attention-without-scale",
    "heads-merged-wrong",
    "mean-path-dropped",
    "variance-path-dropped",
    "bessel-in-layernorm",
    "gradient-into-masked",
    "dwpe-of-T-rows",
    "tied-wte-one-gradient",
    "ignored-in-mean",
    "residual-skip-dropped",
)


def test_level_2s_table_names_at_least_25_mistakes_and_every_one_its_issue_asks_for():
    kinds = {c.mistake for c in WRONG if c.kata.level == 2 and c.mistake}
    assert len(kinds) >= 25, sorted(kinds)
    assert set(LEVEL_2_NAMED) <= kinds, set(LEVEL_2_NAMED) - kinds
    fused = {c.mistake for c in WRONG if c.kata.number in (22, 23)}
    assert {"residual-skip-dropped", "tied-wte-one-gradient"} <= fused


def test_the_table_holds_the_mistakes_the_new_rules_and_batches_name():
    wrong = {c.id: c for c in WRONG}
    assert len(NEW_RULES_AND_BATCHES) >= 10
    for case_id in NEW_RULES_AND_BATCHES:
        assert wrong[case_id].mistake or wrong[case_id].regime, case_id
    regimes = {wrong[c].regime for c in NEW_RULES_AND_BATCHES}
    assert {"stress-eps", "stress-saturated", "stress-small"} <= regimes
