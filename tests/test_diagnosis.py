"""Mistake diagnosis: deliberate mistakes, written as kata files and run through the plugin,
each get the label that names them; answers that fit no single mistake say so."""

from __future__ import annotations

import textwrap

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
}

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
