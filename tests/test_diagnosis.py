"""Mistake diagnosis: deliberate mistakes, written as kata files and run through the plugin,
each get the label that names them; answers that fit no single mistake say so."""

from __future__ import annotations

import json
import textwrap
from dataclasses import replace

import pytest
import torch
from helpers import dojo
from mistakes_table import WRONG

from pytest_ninja.core.diagnosis import wrong_map

# case id in mistakes_table -> {output: what its "likely:" line must say}
LABELS = {
    "wrong_loss_missing_1_over_n": {"dlogprobs": "a 1/n is missing"},
    "wrong_loss_literal_32": {"dlogprobs": "a literal 32 where n belongs"},
    "wrong_log_sign_flipped": {"dprobs": "the sign is flipped"},
    "wrong_dcounts_one_branch": {"dcounts": "only one of the two branches"},
    "wrong_dcounts_sum_sign_flipped": {"dcounts_sum": "the sign is flipped"},
    "wrong_exp_derivative_from_its_input": {"dnorm_logits": "exp's derivative is exp itself"},
    "wrong_dlogits_one_branch": {"dlogits": "only one of the two branches"},
    "wrong_dlogit_maxes_zero": {"dlogit_maxes": "~0 for its loss"},
    "wrong_db2_mean_not_sum": {"db2": "an extra 1/n"},
    "wrong_dh_sign_flipped": {"dh": "the sign is flipped"},
    "wrong_tanh_from_hpreact": {"dhpreact": "1 - h**2"},
    "wrong_tanh_forgets_chain_rule": {"dhpreact": "the local derivative alone"},
    "wrong_dbnraw_without_gain": {"dbnraw": "passed on as it is"},
    "wrong_dbndiff_one_branch": {"dbndiff": "only one of the two branches"},
    "wrong_dhprebn_one_branch": {"dhprebn": "only one of the two branches"},
    "wrong_dbndiff2_without_bessel": {"dbndiff2": "Bessel"},
    "wrong_db1_zero": {"db1": "~0 for its loss"},
    "wrong_dC_indexed_assignment": {"dC": "occur more than once"},
    "wrong_cross_entropy_literal_32": {"dlogits": "a literal 32"},
    "wrong_cross_entropy_missing_1_over_n": {"dlogits": "a 1/n is missing"},
    "wrong_batchnorm_textbook_without_bessel": {"dhprebn": "n/(n-1)"},
    "wrong_mlp_dC_indexed_assignment": {"dC": "occur more than once"},
    "wrong_mlp_cross_entropy_missing_1_over_n": {"dW2": "a 1/n is missing"},
    "wrong_loss_every_entry": {"dlogprobs": "is applied at every entry"},
    "wrong_tanh_applied_twice": {"dhpreact": "tanh applied twice"},
    "wrong_dhprebn_mean_with_bessel": {
        "dhprebn": "the branch through bnmeani: off by n/(n-1): a 1/(n-1) where a mean's 1/n"
    },
    "wrong_dbnvar_coefficient_from_the_new_exponent": {
        "dbnvar": "3x autograd's value in every entry",
        "dbndiff2": "dbnvar is wrong too and comes before dbndiff2",
    },
    "wrong_cross_entropy_minus_one_at_every_entry": {"dlogits": "is applied at every entry"},
    "wrong_batchnorm_without_gain": {"dhprebn": "bngain is missing"},
    "wrong_mlp_textbook_batchnorm_without_bessel": {
        "dC": "the textbook BatchNorm gradient",
        "dW1": "the textbook BatchNorm gradient",
    },
    "wrong_mlp_tanh_applied_twice": {"dbngain": "tanh applied twice", "dC": "tanh applied twice"},
    "wrong_mlp_cross_entropy_minus_one_at_every_entry": {"dW2": "is applied at every entry"},
    "wrong_mlp_cross_entropy_without_the_targets": {"dW2": "wrong only at the target positions"},
    "wrong_mlp_batchnorm_without_gain": {"dW1": "bngain is missing"},
    # caught only by the stress phase's fragile batches
    "wrong_dbnvar_without_eps": {"dbnvar": "the + 1e-5 is dropped"},
    "wrong_dbnvar_with_eps_in_one_factor_only": {"dbnvar": "the + 1e-5 is dropped"},
    "wrong_batchnorm_recomputed_without_eps": {"dhprebn": "the variance's + 1e-5 is dropped"},
    "wrong_batchnorm_as_steps_without_eps": {"dhprebn": "the + 1e-5 is dropped"},
    "wrong_mlp_batchnorm_steps_without_eps": {"dW1": "the + 1e-5 is dropped", "dC": "1e-5"},
    "wrong_batchnorm_bessel_as_n_plus_1_over_n": {"dhprebn": "written as (n+1)/n"},
    "wrong_mlp_bessel_as_n_plus_1_over_n": {"dW1": "written as (n+1)/n"},
    "wrong_log_with_an_epsilon": {"dprobs": "add nothing to a denominator"},
}

# Never the old "fix dC first": no kata-14 output is computed from another one it returns.
NEVER_SAYS = {"14_backward_mlp": "fix dC first"}

# Mistakes written for this file: (folder, file, source, output, label).
EXTRA = [
    (
        "target_minus_one_forgotten",
        "12_backward_cross_entropy.py",
        """
        import torch.nn.functional as F

        def backward_cross_entropy(logits, Yb, n):
            return F.softmax(logits, 1) / n
        """,
        "dlogits",
        "only at the target positions",
    ),
    (
        "max_branch_sign",
        "05_backward_max_shift.py",
        """
        import torch.nn.functional as F

        def backward_max_shift(logits, logit_maxes, dnorm_logits):
            dlogit_maxes = -dnorm_logits.sum(1, keepdim=True)
            hot = F.one_hot(logits.max(1).indices, num_classes=logits.shape[1])
            return {"dlogit_maxes": dlogit_maxes, "dlogits": dnorm_logits - hot * dlogit_maxes}
        """,
        "dlogits",
        "the branch through logit_maxes: the sign is flipped",
    ),
    (
        "two_mistakes_at_once",
        "07_backward_tanh.py",
        """
        def backward_tanh(hpreact, h, dh):
            return -(1 - h**2) * dh * 3 + 0.001
        """,
        "dhpreact",
        "no single known mistake fits",
    ),
    (
        "half_precision_inside",
        "10_backward_linear1.py",
        """
        def backward_linear1(embcat, W1, b1, dhprebn):
            dW1 = (embcat.half().T @ dhprebn.half()).float()
            return {"dembcat": dhprebn @ W1.T, "dW1": dW1, "db1": dhprebn.sum(0)}
        """,
        "dW1",
        "every entry is a float16 number",
    ),
]


def test_the_labelled_table_spans_25_mistakes_across_10_katas():
    wrong = {c.id: c for c in WRONG}
    assert set(LABELS) <= set(wrong)
    katas = {wrong[c].kata_id for c in LABELS} | {f[:2] for _, f, *_ in EXTRA}
    assert len(LABELS) + len(EXTRA) >= 25 and len({k[:2] for k in katas}) >= 10


def test_every_mistake_gets_its_label_through_the_plugin(pytester: pytest.Pytester):
    wanted = {}
    for case in WRONG:
        if case.id in LABELS:
            (pytester.mkdir(case.id) / case.filename).write_text(case.source)
            for out, label in LABELS[case.id].items():
                wanted[f"{case.id}/{case.filename}::{out}"] = label
    for folder, filename, source, out, label in EXTRA:
        (pytester.mkdir(folder) / filename).write_text(textwrap.dedent(source))
        wanted[f"{folder}/{filename}::{out}"] = label
    messages = {}

    class Reports:
        def pytest_runtest_logreport(self, report):
            if report.when == "call":
                messages[report.nodeid] = report.longreprtext

    dojo(pytester, plugins=[Reports()])
    mislabelled = []
    for node, label in wanted.items():
        likely = [ln for ln in messages.get(node, "").splitlines() if ln.startswith("likely: ")]
        if not likely or label not in likely[0]:
            mislabelled.append(f"{node}: wanted {label!r}, got {likely or messages.get(node)!r}")
        for kata_id, never in NEVER_SAYS.items():
            if kata_id in node and never in messages.get(node, ""):
                mislabelled.append(f"{node}: says {never!r}")
    assert not mislabelled, "\n".join(mislabelled)


def test_a_correct_answer_gets_no_label(pytester: pytest.Pytester):
    from helpers import SOLUTIONS, dojo

    for f in SOLUTIONS.glob("[0-9][0-9]_*.py"):
        (pytester.path / f.name).write_text(f.read_text())
    result = dojo(pytester)
    result.stdout.no_fnmatch_line("*likely:*")


def test_the_map_marks_only_the_wrong_entries_within_80_columns():
    expected = torch.zeros(32, 64, dtype=torch.float64)
    got = expected.clone()
    got[0, 0] = 1.0
    lines = wrong_map(got, expected, 1e-6)
    assert max(len(line) for line in lines) <= 80
    assert lines[1].startswith("  #") and "#" not in "".join(lines[2:])


def test_a_tensor_wrong_everywhere_says_so_in_one_line():
    assert wrong_map(torch.ones(4, 5), torch.zeros(4, 5, dtype=torch.float64), 1e-6) == [
        "wrong in every entry"
    ]


def test_a_checks_mistake_travels_on_its_report_as_data():
    from pytest_ninja.core.result import CheckResult, Mistake, Status
    from pytest_ninja.loop.collect import check_from_data

    mistake = Mistake("tanh-twice", (("at", "dhpreact"),), ("dh", "dhpreact"))
    data = {
        "folder": "katas",
        "kata": "14_backward_mlp",
        "output": "dbngain",
        "status": "failed",
        "lines": ["dbngain | ..."],
        "phase": "lecture",
        "mistake": json.loads(json.dumps(mistake.as_data())),
        "path": "katas/14_backward_mlp.py",
        "line": 1,
        "digest": "",
        "duration": 0.1,
    }
    _, result = check_from_data(data)
    check = result.checks["dbngain"]
    assert isinstance(check, CheckResult) and check.status is Status.FAILED
    assert check.mistake == mistake and check.mistake.param("at") == "dhpreact"
    assert check_from_data({**data, "mistake": None})[1].checks["dbngain"].mistake is None


def test_grading_decides_on_a_verdicts_kind_and_strength_never_on_its_words(monkeypatch):
    from mistakes_table import BY_CASE

    from pytest_ninja.core.grading import grade_function
    from pytest_ninja.core.loading import load_source
    from pytest_ninja.levels import BY_ID
    from pytest_ninja.levels.mlp import mistakes

    case = BY_CASE["wrong_mlp_tanh_applied_twice"]
    kata = BY_ID[case.kata_id]
    func = load_source(case.source, kata, "case", {})

    def graded():
        result = grade_function(func, kata)
        return {out: (c.status, c.mistake) for out, c in result.checks.items()}, result

    before, _ = graded()
    # the same slips, saying what the old grading read as "nothing known": decisions stay
    misleading = "no single known mistake fits: close, but not within the tolerance"
    swapped = {
        kata_id: tuple(replace(slip, words=misleading) for slip in slips)
        for kata_id, slips in mistakes.SLIPS.items()
    }
    monkeypatch.setattr(mistakes, "SLIPS", swapped)
    after, result = graded()
    assert after == before
    where = [ln for ln in result.checks["dbngain"].lines if ln.startswith("where: ")]
    assert where and where[0].endswith("between dh and dhpreact (tanh)")


@pytest.mark.parametrize(
    "case_id, words",
    [
        (
            "wrong_dbnvar_without_eps",
            "failed in the stress phase, in a batch with a hidden unit of almost no variance "
            "(1e-5, as small as BatchNorm's eps): BatchNorm's eps matters there",
        ),
        (
            "wrong_cross_entropy_softmax_without_the_max",
            "failed in the stress phase, in a batch of large logits (up to 100) where softmax "
            "saturates: exp overflows float32 there",
        ),
        ("wrong_log_with_an_epsilon", "failed in the stress phase, in a batch of large logits"),
    ],
)
def test_a_failure_in_a_fragile_batch_says_which_one_in_the_learners_words(
    case_id, words, tmp_path
):
    from mistakes_table import BY_CASE

    from pytest_ninja.core.grading import grade_file

    case = BY_CASE[case_id]
    path = tmp_path / case.filename
    path.write_text(case.source)
    result = grade_file(path, case.kata)
    for out in case.fails:
        check = result.checks[out]
        assert check.phase == case.regime
        assert any(line.startswith(words) for line in check.lines), check.lines
