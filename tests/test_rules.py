"""Each diagnosis rule on its own: what it names, and what it leaves to the rules after it.

A rule takes a `Suspect` (a wrong answer in the problem of the phase it failed in) and returns a
typed `Verdict` or None. Every answer here is built from the reference with one mistake, so a
test says exactly which mistake a rule must name and which it must not.
"""

from __future__ import annotations

import pytest
import torch

from pytest_ninja.core import diagnosis as d
from pytest_ninja.core.compare import compare
from pytest_ninja.core.diagnosis import Strength, Suspect
from pytest_ninja.levels import BY_ID
from pytest_ninja.levels.mlp import caches
from pytest_ninja.levels.mlp import mistakes as mlp

LECTURE, STRESS = caches.LECTURE, caches.STRESS


def problem(kata_id: str, phase: str = LECTURE):
    return caches.problem(BY_ID[kata_id], phase)


def inputs64(p) -> dict:
    return {k: v.double() if isinstance(v, torch.Tensor) else v for k, v in p.inputs.items()}


def suspect(kata_id, out, got, phase=LECTURE, answers=None, failed=(), passed_before=None):
    """A Suspect for `got`, which must be wrong by its values in that phase."""
    kata, p = BY_ID[kata_id], problem(kata_id, phase)
    got = torch.as_tensor(got, dtype=torch.float64)
    c = compare(out, got, p.expected[out], p.scale[out])
    assert c.reason == "values" and not c.ok, c
    if passed_before is None:
        passed_before = phase != LECTURE
    return Suspect(
        kata,
        out,
        got,
        p,
        c,
        {out: got, **(answers or {})},
        passed_before,
        frozenset(failed) | {out},
    )


def kind(found) -> str | None:
    return None if found is None else found.kind


# ---- 1. follows from an earlier output --------------------------------------------------------


def test_an_output_computed_from_a_wrong_earlier_one_is_said_to_follow_from_it():
    p = problem("09_backward_bn_stats")
    n = p.n
    dbndiff2 = p.expected["dbndiff2"] * (n - 1) / n  # Bessel's 1/(n-1) written as 1/n
    implied = p.implied("dbndiff2", dbndiff2)
    s = suspect(
        "09_backward_bn_stats",
        "dhprebn",
        implied["dhprebn"],
        answers={"dbndiff2": dbndiff2, "dbndiff": implied["dbndiff"]},
        failed={"dbndiff2", "dbndiff"},
    )
    found = d.follows_from_earlier(s)
    assert found.kind == "earlier" and found.mistake.param("at") == "dbndiff2"
    assert found.mistake.param("follows") is True and found.strength is Strength.EXACT
    assert found.words.endswith("fix dbndiff2 first, dhprebn follows from it")


def test_an_output_with_its_own_mistake_does_not_follow_from_the_earlier_one():
    p = problem("09_backward_bn_stats")
    dbndiff2 = p.expected["dbndiff2"] * 2
    wrong = -p.implied("dbndiff2", dbndiff2)["dbndiff"]
    s = suspect(
        "09_backward_bn_stats",
        "dbndiff",
        wrong,
        answers={"dbndiff2": dbndiff2},
        failed={"dbndiff2"},
    )
    assert d.follows_from_earlier(s) is None
    assert kind(d.earlier_wrong(s)) == "earlier"  # the fallback still points at it, as a guess
    assert d.earlier_wrong(s).strength is Strength.GUESS


# ---- 2. zeros -------------------------------------------------------------------------------


def test_zeros_for_a_gradient_that_is_0_only_for_the_lectures_loss():
    p = problem("05_backward_max_shift", STRESS)
    zeros = torch.zeros_like(p.expected["dlogit_maxes"])
    found = d.zeros_where_the_first_phase_is_zero(
        suspect("05_backward_max_shift", "dlogit_maxes", zeros, STRESS)
    )
    assert kind(found) == "zeros"
    assert (
        d.zeros_where_the_first_phase_is_zero(
            suspect("05_backward_max_shift", "dlogit_maxes", zeros, STRESS, passed_before=False)
        )
        is None
    )


# ---- 3. known factors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "factor, expected_kind",
    [
        (lambda n: -1.0, "sign"),
        (lambda n: float(n), "missing-1/n"),
        (lambda n: 1 / n, "extra-1/n"),
        (lambda n: 2.0, "twice"),
        (lambda n: 0.5, "half"),
        (lambda n: n / (n - 1), "bessel-for-mean"),
        (lambda n: (n - 1) / n, "mean-for-bessel"),
        (lambda n: 32 / n, "literal"),
    ],
)
def test_a_known_factor_over_the_whole_tensor_is_named(factor, expected_kind):
    p = problem("01_backward_loss", STRESS)
    got = p.expected["dlogprobs"] * factor(p.n)
    found = d.known_factor(suspect("01_backward_loss", "dlogprobs", got, STRESS))
    assert kind(found) == expected_kind and found.strength is Strength.EXACT


def test_the_mean_written_with_bessels_n_minus_1_says_so():
    p = problem("01_backward_loss")
    got = p.expected["dlogprobs"] * p.n / (p.n - 1)  # -1/(n-1) at the targets
    found = d.known_factor(suspect("01_backward_loss", "dlogprobs", got))
    assert "a 1/(n-1) where a mean's 1/n belongs" in found.words


def test_an_unknown_factor_is_no_known_factor_but_a_constant_one():
    p = problem("07_backward_tanh")
    s = suspect("07_backward_tanh", "dhpreact", p.expected["dhpreact"] * 1.7)
    assert d.known_factor(s) is None
    found = d.constant_factor(s)
    assert found.kind == "constant-factor" and found.mistake.param("factor") == pytest.approx(1.7)
    assert found.words.startswith("1.7x autograd's value in every entry")


def test_a_constant_factor_needs_the_same_factor_in_every_entry():
    p = problem("07_backward_tanh")
    got = p.expected["dhpreact"].clone()
    got[0] *= 3
    assert d.constant_factor(suspect("07_backward_tanh", "dhpreact", got)) is None


# ---- 4. slips ---------------------------------------------------------------------------------


def test_tanh_applied_twice_is_named_in_kata_07():
    p = problem("07_backward_tanh")
    v = inputs64(p)
    got = (1 - torch.tanh(v["h"]) ** 2) * v["dh"]
    found = d.slips(suspect("07_backward_tanh", "dhpreact", got))
    assert kind(found) == "tanh-twice" and found.words == mlp.TANH_TWICE


def test_a_slip_inside_kata_14_is_named_in_kata_07s_words_and_placed_in_its_step():
    p = problem("14_backward_mlp")
    dh = p.intermediate["dh"]
    wrong = (1 - torch.tanh(inputs64(p)["h"]) ** 2) * dh
    implied = p.implied("dhpreact", wrong)
    s = suspect("14_backward_mlp", "dbngain", implied["dbngain"], answers=implied)
    found = d.slips(s)
    assert found.kind == "tanh-twice" and found.mistake.between == ("dh", "dhpreact")
    assert found.words.startswith(mlp.TANH_TWICE)
    assert found.words.endswith("(in dhpreact, which dbngain follows from)")


def test_a_slip_must_explain_every_output_returned():
    p = problem("14_backward_mlp")
    wrong = (1 - torch.tanh(inputs64(p)["h"]) ** 2) * p.intermediate["dh"]
    implied = p.implied("dhpreact", wrong)
    answers = {**implied, "dW2": -p.expected["dW2"]}  # a second mistake elsewhere
    s = suspect("14_backward_mlp", "dbngain", implied["dbngain"], answers=answers)
    assert d.slips(s) is None


# ---- 5. the level's branches --------------------------------------------------------------------


def test_the_means_1_over_n_written_as_bessels_in_one_branch_is_named():
    p = problem("09_backward_bn_stats")
    n = p.n
    direct = p.expected["dbndiff"]
    mean_branch = p.expected["dhprebn"] - direct
    got = direct + n / (n - 1) * mean_branch
    found = mlp.specific(suspect("09_backward_bn_stats", "dhprebn", got))
    assert found.kind == "bessel-for-mean" and found.mistake.param("of") == (
        "the branch through bnmeani"
    )


def test_one_branch_of_two_is_named():
    p = problem("09_backward_bn_stats")
    found = mlp.specific(suspect("09_backward_bn_stats", "dhprebn", p.expected["dbndiff"]))
    assert kind(found) == "one-branch"


# ---- 6. the upstream gradient ---------------------------------------------------------------


def test_the_local_derivative_without_the_upstream_gradient_is_named():
    p = problem("07_backward_tanh")
    got = 1 - inputs64(p)["h"] ** 2
    assert kind(d.upstream_alone(suspect("07_backward_tanh", "dhpreact", got))) == (
        "local-derivative-alone"
    )


def test_the_upstream_gradient_passed_on_as_it_is_is_named():
    p = problem("08_backward_bn_affine")
    got = inputs64(p)["dhpreact"]
    assert kind(d.upstream_as_is(suspect("08_backward_bn_affine", "dbnraw", got))) == (
        "upstream-as-is"
    )


# ---- 8. the level's located mistakes ------------------------------------------------------------


def test_a_correction_at_every_entry_instead_of_at_the_targets_is_named():
    p = problem("12_backward_cross_entropy")
    got = (torch.softmax(inputs64(p)["logits"], 1) - 1) / p.n
    found = mlp.located(suspect("12_backward_cross_entropy", "dlogits", got))
    assert kind(found) == "every-entry" and found.mistake.param("correction") == pytest.approx(
        -1 / p.n
    )


def test_a_mistake_only_at_the_targets_is_located_there():
    p = problem("12_backward_cross_entropy")
    got = torch.softmax(inputs64(p)["logits"], 1) / p.n
    found = mlp.located(suspect("12_backward_cross_entropy", "dlogits", got))
    assert kind(found) == "targets-only" and found.strength is Strength.LOCATED


def test_a_mistake_only_at_the_row_maxima_is_located_there():
    p = problem("05_backward_max_shift")
    v = inputs64(p)
    hot = torch.nn.functional.one_hot(v["logits"].argmax(1), 27).double()
    got = p.expected["dlogits"] + hot
    assert kind(mlp.located(suspect("05_backward_max_shift", "dlogits", got))) == "maxima-only"


def test_dC_wrong_only_in_the_rows_of_repeated_characters_is_located_there():
    p = problem("11_backward_embedding", STRESS)
    v = inputs64(p)
    got = torch.zeros_like(p.expected["dC"])
    got[v["Xb"].long().flatten()] = p.expected["demb"].view(-1, got.shape[1])  # the last one wins
    assert kind(mlp.located(suspect("11_backward_embedding", "dC", got, STRESS))) == (
        "repeated-rows"
    )


# ---- 9. low precision -------------------------------------------------------------------------


def test_every_entry_a_float16_number_is_low_precision():
    p = problem("10_backward_linear1")
    v = p.inputs
    got = (v["embcat"].half().T @ v["dhprebn"].half()).double()
    found = d.low_precision(suspect("10_backward_linear1", "dW1", got))
    assert kind(found) == "low-precision" and found.mistake.param("dtype") == "float16"


def test_a_float32_answer_is_not_low_precision():
    p = problem("07_backward_tanh")
    got = (p.expected["dhpreact"] * 1.001).float().double()
    assert d.low_precision(suspect("07_backward_tanh", "dhpreact", got)) is None


# ---- 10-13. the fallbacks -----------------------------------------------------------------------


def test_right_in_every_phase_before_names_the_phases_suspect():
    p = problem("07_backward_tanh", STRESS)
    got = p.expected["dhpreact"] + 0.1
    found = d.right_before_this_phase(suspect("07_backward_tanh", "dhpreact", got, STRESS))
    assert found.kind == "phase-only" and found.mistake.param("phase") == STRESS
    assert "hard-wired" in found.words
    not_before = suspect("07_backward_tanh", "dhpreact", got, STRESS, passed_before=False)
    assert d.right_before_this_phase(not_before) is None


def test_close_is_only_within_a_few_times_the_tolerance():
    p = problem("07_backward_tanh")
    ref, tol = (
        p.expected["dhpreact"],
        compare("x", p.expected["dhpreact"], p.expected["dhpreact"], p.scale["dhpreact"]).tol,
    )
    near, far = ref.clone(), ref.clone()
    near[0, 0] += 3 * tol
    far[0, 0] += 46 * tol
    assert kind(d.close(suspect("07_backward_tanh", "dhpreact", near))) == "close"
    assert d.close(suspect("07_backward_tanh", "dhpreact", far)) is None


def test_an_answer_no_rule_fits_is_told_so_by_the_whole_diagnosis():
    p = problem("07_backward_tanh")
    got = -(p.expected["dhpreact"] * 3) + 0.001
    found = d.diagnose(suspect("07_backward_tanh", "dhpreact", got))
    assert found.kind == "no-fit" and found.strength is Strength.GUESS


def test_the_first_rule_that_fits_wins():
    p = problem("09_backward_bn_stats")
    # dbndiff2 is 3x: a constant factor, but it follows from dbnvar, 3x too: that comes first
    dbnvar = p.expected["dbnvar"] * 3
    implied = p.implied("dbnvar", dbnvar)
    s = suspect(
        "09_backward_bn_stats",
        "dbndiff2",
        implied["dbndiff2"],
        answers={"dbnvar": dbnvar},
        failed={"dbnvar"},
    )
    assert d.constant_factor(s) is not None
    assert d.diagnose(s).kind == "earlier"


def test_where_a_few_entries_dwarf_the_rest_the_small_ones_must_fit_too():
    # in the saturated batch dprobs = dlogprobs / probs spans ~1 to ~1e21: an epsilon in the
    # denominator is within 1e-3 of that scale everywhere, yet it is not dlogprobs passed on
    p = problem("02_backward_log", caches.SATURATED)
    v = inputs64(p)
    got = v["dlogprobs"] / (v["probs"] + 1e-8)
    scale = p.scale["dprobs"]
    assert (got - v["dlogprobs"]).abs().max() <= d.MATCH * scale  # the scale alone: "fits"
    s = suspect("02_backward_log", "dprobs", got, caches.SATURATED)
    assert d.upstream_as_is(s) is None and d.constant_factor(s) is None
    assert d.diagnose(s).kind == "phase-only"
