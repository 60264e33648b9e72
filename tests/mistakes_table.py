"""A table of answers to the katas: deliberately wrong ones and correct alternatives.

Each case is the full text of a kata file, as a learner might write it, and what the grader
must say about it: which checks fail and why ("values", "shape", "dtype", "type", "error"), and
for mistakes that only the stress phase can catch (a hard-wired 32, a gradient that is ~0 for
the lecture's loss), that the failure names the stress phase. Every check a case does not list
under `fails` must pass. Correct alternatives list nothing: all their checks must pass.

A case may also say, as data, the kind of mistake its failing checks must carry (`mistake`,
`CheckResult.mistake.kind`) and, for a fused kata, what its `where:` line must say; and, for a
mistake only one of the stress phase's fragile batches catches with the margin, which one
(`regime`: level 1's `stress-eps`, `stress-saturated`, `stress-small`, level 2's `stress-eps`,
`stress-saturated`, `stress-tail`; `test_margin.py` measures it there, and a case that also
names the stress `phase` must be reported in that batch). Level 2's cases follow level 1's in
both tables.

Shared by `test_mistakes.py` (the plugin end to end, and the grading core case by case) and
`test_margin.py` (how far every answer sits from the tolerance, over many stress seeds).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from pytest_ninja.core.level import Kata
from pytest_ninja.levels import BY_ID

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"

VALUES, SHAPE, DTYPE, TYPE, ERROR = "values", "shape", "dtype", "type", "error"
NONFINITE = "nonfinite"

# What the first line of a failed check's message must contain, by reason.
FIRST_LINE_SAYS = {
    VALUES: "maxdiff",
    SHAPE: "shape",
    DTYPE: "return float32 or float64",
    TYPE: "must be a tensor",
    ERROR: "raised",
    NONFINITE: "a division by zero or an overflow",
}


@dataclass(frozen=True)
class Case:
    """One answer to one kata, and the verdict the grader owes it."""

    id: str  # the folder the file is graded in: wrong_... or right_...
    kata_id: str  # "13_backward_batchnorm"
    source: str  # the whole kata file
    fails: dict[str, str] = field(default_factory=dict)  # output -> reason; the rest must pass
    phase: str | None = None  # the phase the failures must name, when only one can catch them
    says: str = ""  # a further word the first line of each failure must contain
    # checks a wrong answer passes only because its wrong term cancels (sums to ~0 over the
    # batch): they must pass, but they carry the wrong answer's rounding, not a correct one's
    lucky: tuple[str, ...] = ()
    # the kind of mistake every failing value check carries (CheckResult.mistake.kind), or
    # "earlier" when it follows from another failing check computed before it
    mistake: str = ""
    where: str = ""  # what a fused kata's `where:` line says in every failing value check
    regime: str = ""  # the stress batch that catches it with the margin (default: `stress`)

    @property
    def kata(self) -> Kata:
        return BY_ID[self.kata_id]

    @property
    def right(self) -> bool:
        return not self.fails

    @property
    def filename(self) -> str:
        return self.kata.filename

    def must_pass(self) -> tuple[str, ...]:
        return tuple(out for out in self.kata.outputs if out not in self.fails)

    def computed_right(self) -> tuple[str, ...]:
        """The checks this answer computes correctly (what the margin measures as correct)."""
        return tuple(out for out in self.must_pass() if out not in self.lucky)

    def value_mistakes(self) -> tuple[str, ...]:
        """The checks this answer gets wrong by its numbers (what the margin measures)."""
        return tuple(out for out, reason in self.fails.items() if reason == VALUES)


def _src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def wrong(
    id, kata_id, source, fails, phase=None, says="", lucky=(), mistake="", where="", regime=""
):
    return Case(
        f"wrong_{id}",
        kata_id,
        _src(source),
        dict(fails),
        phase,
        says,
        tuple(lucky),
        mistake,
        where,
        regime,
    )


def right(id, kata_id, source):
    return Case(f"right_{id}", kata_id, _src(source))


def variant(kata_id: str, *changes: tuple[str, str]) -> str:
    """The kata's solution with one mistake made in it: each (old, new) replaced once (a
    fused kata's answer is long; its mistakes are one line each)."""
    text = (SOLUTIONS / f"{kata_id}.py").read_text()
    for old, new in changes:
        assert text.count(old) == 1, f"{kata_id}: {old!r} is not in its solution exactly once"
        text = text.replace(old, new)
    return text


BLOCK, GPT = "22_backward_block", "23_backward_gpt"
# kata 22's outputs a mistake reaches, from where it is: everything computed after it
B_MLP_OUT = ("dmlp.c_proj.weight", "dmlp.c_proj.bias")
B_MLP = ("dmlp.c_fc.weight", "dmlp.c_fc.bias", "dln_2.weight", "dln_2.bias")
B_ATTN_OUT = ("dattn.c_proj.weight", "dattn.c_proj.bias")
B_ATTN = ("dattn.c_attn.weight", "dattn.c_attn.bias", "dln_1.weight", "dln_1.bias", "dx")


def _every(outputs) -> dict[str, str]:
    return dict.fromkeys(outputs, "values")


def _gpt_except(*right_ones: str) -> dict[str, str]:
    """Every output of kata 23 fails by its values but these."""
    return _every(o for o in BY_ID[GPT].outputs if o not in right_ones)


STRESS = "stress"
EPS, SATURATED, SMALL = "stress-eps", "stress-saturated", "stress-small"
TAIL = "stress-tail"  # level 2's: GELU inputs in its negative tail

WRONG: tuple[Case, ...] = (
    # ---- 01 backward_loss ----
    wrong(
        "loss_missing_1_over_n",
        "01_backward_loss",
        """
        import torch

        def backward_loss(logprobs, Yb, n):
            dlogprobs = torch.zeros_like(logprobs)
            dlogprobs[range(n), Yb] = -1.0
            return dlogprobs
        """,
        {"dlogprobs": VALUES},
    ),
    wrong(
        "loss_literal_32",
        "01_backward_loss",
        """
        import torch

        def backward_loss(logprobs, Yb, n):
            dlogprobs = torch.zeros_like(logprobs)
            dlogprobs[range(n), Yb] = -1 / 32
            return dlogprobs
        """,
        {"dlogprobs": VALUES},
        phase=STRESS,
    ),
    wrong(
        "loss_int_dtype",
        "01_backward_loss",
        """
        import torch

        def backward_loss(logprobs, Yb, n):
            dlogprobs = torch.zeros(logprobs.shape, dtype=torch.long)
            dlogprobs[range(n), Yb] = -1 / n
            return dlogprobs
        """,
        {"dlogprobs": DTYPE},
        says="int64",
    ),
    wrong(
        "loss_every_entry",
        "01_backward_loss",
        """
        import torch

        def backward_loss(logprobs, Yb, n):
            return -torch.ones_like(logprobs) / n
        """,
        {"dlogprobs": VALUES},
        mistake="every-entry",
    ),
    # ---- 02 backward_log ----
    wrong(
        "log_sign_flipped",
        "02_backward_log",
        """
        def backward_log(probs, dlogprobs):
            return -dlogprobs / probs
        """,
        {"dprobs": VALUES},
    ),
    wrong(
        "log_numpy_array",
        "02_backward_log",
        """
        def backward_log(probs, dlogprobs):
            return (dlogprobs / probs).numpy()
        """,
        {"dprobs": TYPE},
        says="numpy",
    ),
    wrong(
        "log_with_an_epsilon",
        "02_backward_log",
        """
        def backward_log(probs, dlogprobs):
            return dlogprobs / (probs + 1e-8)  # "never divide by zero"
        """,
        {"dprobs": VALUES},
        phase=STRESS,
        mistake="phase-only",
        regime=SATURATED,
    ),
    # ---- 03 backward_normalize ----
    wrong(
        "dcounts_one_branch",
        "03_backward_normalize",
        """
        def backward_normalize(counts, counts_sum, counts_sum_inv, dprobs):
            dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)
            dcounts_sum = -counts_sum**-2 * dcounts_sum_inv
            dcounts = counts_sum_inv * dprobs  # the branch through counts_sum is forgotten
            return {"dcounts_sum_inv": dcounts_sum_inv, "dcounts_sum": dcounts_sum,
                    "dcounts": dcounts}
        """,
        {"dcounts": VALUES},
    ),
    wrong(
        "dcounts_sum_sign_flipped",
        "03_backward_normalize",
        """
        def backward_normalize(counts, counts_sum, counts_sum_inv, dprobs):
            dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)
            dcounts_sum = counts_sum**-2 * dcounts_sum_inv
            dcounts = counts_sum_inv * dprobs + dcounts_sum
            return {"dcounts_sum_inv": dcounts_sum_inv, "dcounts_sum": dcounts_sum,
                    "dcounts": dcounts}
        """,
        {"dcounts_sum": VALUES, "dcounts": VALUES},
    ),
    # ---- 04 backward_exp ----
    wrong(
        "exp_derivative_from_its_input",
        "04_backward_exp",
        """
        def backward_exp(norm_logits, counts, dcounts):
            return norm_logits * dcounts
        """,
        {"dnorm_logits": VALUES},
    ),
    # ---- 05 backward_max_shift ----
    wrong(
        "dlogits_one_branch",
        "05_backward_max_shift",
        """
        def backward_max_shift(logits, logit_maxes, dnorm_logits):
            dlogit_maxes = -dnorm_logits.sum(1, keepdim=True)
            dlogits = dnorm_logits.clone()  # the branch through the max is forgotten
            return {"dlogit_maxes": dlogit_maxes, "dlogits": dlogits}
        """,
        {"dlogits": VALUES},
        phase=STRESS,
    ),
    wrong(
        "dlogit_maxes_zero",
        "05_backward_max_shift",
        """
        import torch
        import torch.nn.functional as F

        def backward_max_shift(logits, logit_maxes, dnorm_logits):
            dlogit_maxes = torch.zeros_like(logit_maxes)  # "it's ~0 in the lecture"
            dlogits = dnorm_logits + F.one_hot(logits.argmax(1), 27) * dlogit_maxes
            return {"dlogit_maxes": dlogit_maxes, "dlogits": dlogits}
        """,
        {"dlogit_maxes": VALUES, "dlogits": VALUES},
        phase=STRESS,
    ),
    # ---- 06 backward_linear2 ----
    wrong(
        "dW2_transposed",
        "06_backward_linear2",
        """
        def backward_linear2(h, W2, b2, dlogits):
            return {"dh": dlogits @ W2.T, "dW2": dlogits.T @ h, "db2": dlogits.sum(0)}
        """,
        {"dW2": SHAPE},
        says="transposed",
    ),
    wrong(
        "db2_keepdim",
        "06_backward_linear2",
        """
        def backward_linear2(h, W2, b2, dlogits):
            return {"dh": dlogits @ W2.T, "dW2": h.T @ dlogits,
                    "db2": dlogits.sum(0, keepdim=True)}
        """,
        {"db2": SHAPE},
    ),
    wrong(
        "db2_mean_not_sum",
        "06_backward_linear2",
        """
        def backward_linear2(h, W2, b2, dlogits):
            return {"dh": dlogits @ W2.T, "dW2": h.T @ dlogits, "db2": dlogits.mean(0)}
        """,
        {"db2": VALUES},
    ),
    wrong(
        "dh_sign_flipped",
        "06_backward_linear2",
        """
        def backward_linear2(h, W2, b2, dlogits):
            return {"dh": -dlogits @ W2.T, "dW2": h.T @ dlogits, "db2": dlogits.sum(0)}
        """,
        {"dh": VALUES},
    ),
    # ---- 07 backward_tanh ----
    wrong(
        "tanh_from_hpreact",
        "07_backward_tanh",
        """
        def backward_tanh(hpreact, h, dh):
            return (1 - hpreact**2) * dh
        """,
        {"dhpreact": VALUES},
    ),
    wrong(
        "tanh_forgets_chain_rule",
        "07_backward_tanh",
        """
        def backward_tanh(hpreact, h, dh):
            return 1 - h**2
        """,
        {"dhpreact": VALUES},
    ),
    wrong(
        "tanh_float16",
        "07_backward_tanh",
        """
        def backward_tanh(hpreact, h, dh):
            return ((1 - h**2) * dh).half()
        """,
        {"dhpreact": DTYPE},
        says="float16",
    ),
    wrong(
        "tanh_applied_twice",
        "07_backward_tanh",
        """
        import torch

        def backward_tanh(hpreact, h, dh):
            return (1.0 - torch.tanh(h) ** 2) * dh  # h is already tanh(hpreact)
        """,
        {"dhpreact": VALUES},
        mistake="tanh-twice",
    ),
    # ---- 08 backward_bn_affine ----
    wrong(
        "dbnbias_broadcast_not_summed",
        "08_backward_bn_affine",
        """
        def backward_bn_affine(bngain, bnraw, bnbias, dhpreact):
            return {"dbngain": (bnraw * dhpreact).sum(0, keepdim=True),
                    "dbnbias": dhpreact, "dbnraw": bngain * dhpreact}
        """,
        {"dbnbias": SHAPE},
        says="broadcast",
    ),
    wrong(
        "hard_wired_64",
        "08_backward_bn_affine",
        """
        def backward_bn_affine(bngain, bnraw, bnbias, dhpreact):
            return {"dbngain": (bnraw * dhpreact).sum(0).view(1, 64),
                    "dbnbias": dhpreact.sum(0).view(1, 64), "dbnraw": bngain * dhpreact}
        """,
        {"dbngain": ERROR, "dbnbias": ERROR, "dbnraw": ERROR},
        says="64",
    ),
    wrong(
        "dbnraw_without_gain",
        "08_backward_bn_affine",
        """
        def backward_bn_affine(bngain, bnraw, bnbias, dhpreact):
            return {"dbngain": (bnraw * dhpreact).sum(0, keepdim=True),
                    "dbnbias": dhpreact.sum(0, keepdim=True), "dbnraw": dhpreact.clone()}
        """,
        {"dbnraw": VALUES},
    ),
    # ---- 09 backward_bn_stats ----
    wrong(
        "dbnmeani_without_keepdim",
        "09_backward_bn_stats",
        """
        def backward_bn_stats(hprebn, bnmeani, bndiff, bndiff2, bnvar, bnvar_inv, n, dbnraw):
            dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
            dbnvar = -0.5 * (bnvar + 1e-5) ** -1.5 * dbnvar_inv
            dbndiff2 = 1.0 / (n - 1) * dbnvar.expand_as(bndiff2)
            dbndiff = bnvar_inv * dbnraw + 2 * bndiff * dbndiff2
            dbnmeani = (-dbndiff).sum(0)  # the lecture's own line: shape (n_hidden,)
            dhprebn = dbndiff + 1.0 / n * dbnmeani
            return {"dbnvar_inv": dbnvar_inv, "dbnvar": dbnvar, "dbndiff2": dbndiff2,
                    "dbndiff": dbndiff, "dbnmeani": dbnmeani, "dhprebn": dhprebn}
        """,
        {"dbnmeani": SHAPE},
        says="keepdim=True",
    ),
    wrong(
        "dbndiff_one_branch",
        "09_backward_bn_stats",
        """
        def backward_bn_stats(hprebn, bnmeani, bndiff, bndiff2, bnvar, bnvar_inv, n, dbnraw):
            dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
            dbnvar = -0.5 * (bnvar + 1e-5) ** -1.5 * dbnvar_inv
            dbndiff2 = 1.0 / (n - 1) * dbnvar.expand_as(bndiff2)
            dbndiff = bnvar_inv * dbnraw  # the branch through bndiff2 is forgotten
            dbnmeani = -dbndiff.sum(0, keepdim=True)
            dhprebn = dbndiff + 1.0 / n * dbnmeani
            return {"dbnvar_inv": dbnvar_inv, "dbnvar": dbnvar, "dbndiff2": dbndiff2,
                    "dbndiff": dbndiff, "dbnmeani": dbnmeani, "dhprebn": dhprebn}
        """,
        {"dbndiff": VALUES, "dhprebn": VALUES},
        lucky=["dbnmeani"],
    ),  # the lost branch is 2 * bndiff * ..., and bndiff sums to 0
    wrong(
        "dhprebn_one_branch",
        "09_backward_bn_stats",
        """
        def backward_bn_stats(hprebn, bnmeani, bndiff, bndiff2, bnvar, bnvar_inv, n, dbnraw):
            dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
            dbnvar = -0.5 * (bnvar + 1e-5) ** -1.5 * dbnvar_inv
            dbndiff2 = 1.0 / (n - 1) * dbnvar.expand_as(bndiff2)
            dbndiff = bnvar_inv * dbnraw + 2 * bndiff * dbndiff2
            dbnmeani = -dbndiff.sum(0, keepdim=True)
            dhprebn = dbndiff.clone()  # the branch through bnmeani is forgotten
            return {"dbnvar_inv": dbnvar_inv, "dbnvar": dbnvar, "dbndiff2": dbndiff2,
                    "dbndiff": dbndiff, "dbnmeani": dbnmeani, "dhprebn": dhprebn}
        """,
        {"dhprebn": VALUES},
    ),
    wrong(
        "dbnvar_inv_without_keepdim",
        "09_backward_bn_stats",
        """
        def backward_bn_stats(hprebn, bnmeani, bndiff, bndiff2, bnvar, bnvar_inv, n, dbnraw):
            dbnvar_inv = (bndiff * dbnraw).sum(0)
            dbnvar = -0.5 * (bnvar + 1e-5) ** -1.5 * dbnvar_inv  # broadcasting rescues this one
            dbndiff2 = 1.0 / (n - 1) * dbnvar.expand_as(bndiff2)
            dbndiff = bnvar_inv * dbnraw + 2 * bndiff * dbndiff2
            dbnmeani = -dbndiff.sum(0, keepdim=True)
            dhprebn = dbndiff + 1.0 / n * dbnmeani
            return {"dbnvar_inv": dbnvar_inv, "dbnvar": dbnvar, "dbndiff2": dbndiff2,
                    "dbndiff": dbndiff, "dbnmeani": dbnmeani, "dhprebn": dhprebn}
        """,
        {"dbnvar_inv": SHAPE},
    ),
    wrong(
        "dbnvar_wrong_exponent",
        "09_backward_bn_stats",
        """
        def backward_bn_stats(hprebn, bnmeani, bndiff, bndiff2, bnvar, bnvar_inv, n, dbnraw):
            dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
            dbnvar = -0.5 * (bnvar + 1e-5) ** -0.5 * dbnvar_inv
            dbndiff2 = 1.0 / (n - 1) * dbnvar.expand_as(bndiff2)
            dbndiff = bnvar_inv * dbnraw + 2 * bndiff * dbndiff2
            dbnmeani = -dbndiff.sum(0, keepdim=True)
            dhprebn = dbndiff + 1.0 / n * dbnmeani
            return {"dbnvar_inv": dbnvar_inv, "dbnvar": dbnvar, "dbndiff2": dbndiff2,
                    "dbndiff": dbndiff, "dbnmeani": dbnmeani, "dhprebn": dhprebn}
        """,
        {"dbnvar": VALUES, "dbndiff2": VALUES, "dbndiff": VALUES, "dhprebn": VALUES},
    ),
    wrong(
        "dbndiff2_without_bessel",
        "09_backward_bn_stats",
        """
        def backward_bn_stats(hprebn, bnmeani, bndiff, bndiff2, bnvar, bnvar_inv, n, dbnraw):
            dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
            dbnvar = -0.5 * (bnvar + 1e-5) ** -1.5 * dbnvar_inv
            dbndiff2 = 1.0 / n * dbnvar.expand_as(bndiff2)
            dbndiff = bnvar_inv * dbnraw + 2 * bndiff * dbndiff2
            dbnmeani = -dbndiff.sum(0, keepdim=True)
            dhprebn = dbndiff + 1.0 / n * dbnmeani
            return {"dbnvar_inv": dbnvar_inv, "dbnvar": dbnvar, "dbndiff2": dbndiff2,
                    "dbndiff": dbndiff, "dbnmeani": dbnmeani, "dhprebn": dhprebn}
        """,
        {"dbndiff2": VALUES, "dbndiff": VALUES, "dhprebn": VALUES},
    ),
    wrong(
        "dhprebn_mean_with_bessel",
        "09_backward_bn_stats",
        """
        def backward_bn_stats(hprebn, bnmeani, bndiff, bndiff2, bnvar, bnvar_inv, n, dbnraw):
            dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
            dbnvar = -0.5 * (bnvar + 1e-5) ** -1.5 * dbnvar_inv
            dbndiff2 = 1.0 / (n - 1) * dbnvar.expand_as(bndiff2)
            dbndiff = bnvar_inv * dbnraw + 2 * bndiff * dbndiff2
            dbnmeani = -dbndiff.sum(0, keepdim=True)
            dhprebn = dbndiff + 1.0 / (n - 1) * dbnmeani  # the mean's 1/n, not Bessel's
            return {"dbnvar_inv": dbnvar_inv, "dbnvar": dbnvar, "dbndiff2": dbndiff2,
                    "dbndiff": dbndiff, "dbnmeani": dbnmeani, "dhprebn": dhprebn}
        """,
        {"dhprebn": VALUES},
        mistake="bessel-for-mean",
    ),
    wrong(
        "dbnvar_coefficient_from_the_new_exponent",
        "09_backward_bn_stats",
        """
        def backward_bn_stats(hprebn, bnmeani, bndiff, bndiff2, bnvar, bnvar_inv, n, dbnraw):
            dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
            dbnvar = -1.5 * (bnvar + 1e-5) ** -1.5 * dbnvar_inv  # d(x**-0.5) is -0.5 x**-1.5
            dbndiff2 = 1.0 / (n - 1) * dbnvar.expand_as(bndiff2)
            dbndiff = bnvar_inv * dbnraw + 2 * bndiff * dbndiff2
            dbnmeani = -dbndiff.sum(0, keepdim=True)
            dhprebn = dbndiff + 1.0 / n * dbnmeani
            return {"dbnvar_inv": dbnvar_inv, "dbnvar": dbnvar, "dbndiff2": dbndiff2,
                    "dbndiff": dbndiff, "dbnmeani": dbnmeani, "dhprebn": dhprebn}
        """,
        {"dbnvar": VALUES, "dbndiff2": VALUES, "dbndiff": VALUES, "dhprebn": VALUES},
        lucky=["dbnmeani"],
        mistake="constant-factor",
    ),  # the wrong term is 2 * bndiff * ..., and bndiff sums to 0
    wrong(
        "dbnvar_without_eps",
        "09_backward_bn_stats",
        """
        def backward_bn_stats(hprebn, bnmeani, bndiff, bndiff2, bnvar, bnvar_inv, n, dbnraw):
            dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
            dbnvar = -0.5 * bnvar**-1.5 * dbnvar_inv  # the + 1e-5 dropped
            dbndiff2 = 1.0 / (n - 1) * dbnvar.expand_as(bndiff2)
            dbndiff = bnvar_inv * dbnraw + 2 * bndiff * dbndiff2
            dbnmeani = -dbndiff.sum(0, keepdim=True)
            dhprebn = dbndiff + 1.0 / n * dbnmeani
            return {"dbnvar_inv": dbnvar_inv, "dbnvar": dbnvar, "dbndiff2": dbndiff2,
                    "dbndiff": dbndiff, "dbnmeani": dbnmeani, "dhprebn": dhprebn}
        """,
        {"dbnvar": VALUES, "dbndiff2": VALUES, "dbndiff": VALUES, "dhprebn": VALUES},
        phase=STRESS,
        lucky=["dbnmeani"],
        mistake="eps-dropped",
        regime=EPS,
    ),
    wrong(
        "dbnvar_with_eps_in_one_factor_only",
        "09_backward_bn_stats",
        """
        def backward_bn_stats(hprebn, bnmeani, bndiff, bndiff2, bnvar, bnvar_inv, n, dbnraw):
            dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
            dbnvar = -0.5 * bnvar_inv / bnvar * dbnvar_inv  # (bnvar + 1e-5)**-1.5, eps half gone
            dbndiff2 = 1.0 / (n - 1) * dbnvar.expand_as(bndiff2)
            dbndiff = bnvar_inv * dbnraw + 2 * bndiff * dbndiff2
            dbnmeani = -dbndiff.sum(0, keepdim=True)
            dhprebn = dbndiff + 1.0 / n * dbnmeani
            return {"dbnvar_inv": dbnvar_inv, "dbnvar": dbnvar, "dbndiff2": dbndiff2,
                    "dbndiff": dbndiff, "dbnmeani": dbnmeani, "dhprebn": dhprebn}
        """,
        {"dbnvar": VALUES, "dbndiff2": VALUES, "dbndiff": VALUES, "dhprebn": VALUES},
        phase=STRESS,
        lucky=["dbnmeani"],
        mistake="eps-dropped",
        regime=EPS,
    ),
    # ---- 10 backward_linear1 ----
    wrong(
        "db1_zero",
        "10_backward_linear1",
        """
        import torch

        def backward_linear1(embcat, W1, b1, dhprebn):
            return {"dembcat": dhprebn @ W1.T, "dW1": embcat.T @ dhprebn,
                    "db1": torch.zeros_like(b1)}  # "it's ~0 in the lecture"
        """,
        {"db1": VALUES},
        phase=STRESS,
    ),
    wrong(
        "dW1_transposed",
        "10_backward_linear1",
        """
        def backward_linear1(embcat, W1, b1, dhprebn):
            return {"dembcat": dhprebn @ W1.T, "dW1": dhprebn.T @ embcat, "db1": dhprebn.sum(0)}
        """,
        {"dW1": SHAPE},
        says="transposed",
    ),
    wrong(
        "db1_summed_over_the_wrong_axis",
        "10_backward_linear1",
        """
        def backward_linear1(embcat, W1, b1, dhprebn):
            return {"dembcat": dhprebn @ W1.T, "dW1": embcat.T @ dhprebn, "db1": dhprebn.sum(1)}
        """,
        {"db1": SHAPE},
    ),
    # ---- 11 backward_embedding ----
    wrong(
        "dC_indexed_assignment",
        "11_backward_embedding",
        """
        import torch

        def backward_embedding(C, Xb, emb, dembcat):
            demb = dembcat.view(emb.shape)
            dC = torch.zeros_like(C)
            dC[Xb] += demb  # repeated tokens do not accumulate
            return {"demb": demb, "dC": dC}
        """,
        {"dC": VALUES},
    ),
    wrong(
        "dC_sized_by_the_largest_token",
        "11_backward_embedding",
        """
        import torch

        def backward_embedding(C, Xb, emb, dembcat):
            demb = dembcat.view(emb.shape)
            dC = torch.zeros(int(Xb.max()) + 1, C.shape[1])
            dC.index_add_(0, Xb.view(-1), demb.view(-1, C.shape[1]))
            return {"demb": demb, "dC": dC}
        """,
        {"dC": SHAPE},
    ),
    wrong(
        "demb_reshaped_in_the_wrong_order",
        "11_backward_embedding",
        """
        import torch

        def backward_embedding(C, Xb, emb, dembcat):
            demb = dembcat.view(emb.shape[0], emb.shape[2], emb.shape[1]).transpose(1, 2)
            dC = torch.zeros_like(C)
            dC.index_add_(0, Xb.view(-1), demb.reshape(-1, C.shape[1]))
            return {"demb": demb, "dC": dC}
        """,
        {"demb": VALUES, "dC": VALUES},
    ),
    # ---- 12 backward_cross_entropy ----
    wrong(
        "cross_entropy_literal_32",
        "12_backward_cross_entropy",
        """
        import torch.nn.functional as F

        def backward_cross_entropy(logits, Yb, n):
            dlogits = F.softmax(logits, 1)
            dlogits[range(n), Yb] -= 1
            dlogits /= 32
            return dlogits
        """,
        {"dlogits": VALUES},
        phase=STRESS,
    ),
    wrong(
        "cross_entropy_missing_1_over_n",
        "12_backward_cross_entropy",
        """
        import torch.nn.functional as F

        def backward_cross_entropy(logits, Yb, n):
            dlogits = F.softmax(logits, 1)
            dlogits[range(n), Yb] -= 1
            return dlogits
        """,
        {"dlogits": VALUES},
    ),
    wrong(
        "softmax_over_the_batch",
        "12_backward_cross_entropy",
        """
        import torch.nn.functional as F

        def backward_cross_entropy(logits, Yb, n):
            dlogits = F.softmax(logits, 0)
            dlogits[range(n), Yb] -= 1
            return dlogits / n
        """,
        {"dlogits": VALUES},
    ),
    wrong(
        "cross_entropy_minus_one_at_every_entry",
        "12_backward_cross_entropy",
        """
        import torch.nn.functional as F

        def backward_cross_entropy(logits, Yb, n):
            dlogits = F.softmax(logits, 1)
            dlogits -= 1  # only at the targets: dlogits[range(n), Yb] -= 1
            return dlogits / n
        """,
        {"dlogits": VALUES},
        mistake="every-entry",
    ),
    wrong(
        "cross_entropy_softmax_without_the_max",
        "12_backward_cross_entropy",
        """
        def backward_cross_entropy(logits, Yb, n):
            counts = logits.exp()  # no max subtracted: exp(100) overflows float32
            dlogits = counts / counts.sum(1, keepdim=True)
            dlogits[range(n), Yb] -= 1
            return dlogits / n
        """,
        {"dlogits": NONFINITE},
        phase=STRESS,
        regime=SATURATED,
    ),
    # ---- 13 backward_batchnorm ----
    wrong(
        "batchnorm_textbook_without_bessel",
        "13_backward_batchnorm",
        """
        def backward_batchnorm(hprebn, bngain, bnvar_inv, bnraw, n, dhpreact):
            # the paper's formula, for the biased variance: no n/(n-1)
            return bngain * bnvar_inv / n * (
                n * dhpreact - dhpreact.sum(0) - bnraw * (dhpreact * bnraw).sum(0))
        """,
        {"dhprebn": VALUES},
        mistake="textbook-batchnorm",
    ),
    wrong(
        "batchnorm_without_gain",
        "13_backward_batchnorm",
        """
        def backward_batchnorm(hprebn, bngain, bnvar_inv, bnraw, n, dhpreact):
            return bnvar_inv / n * (
                n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
        """,
        {"dhprebn": VALUES},
        mistake="batchnorm-without-gain",
        where="the mistake is between dhpreact and dbnraw (the gain)",
    ),
    wrong(
        "batchnorm_recomputed_without_eps",
        "13_backward_batchnorm",
        """
        def backward_batchnorm(hprebn, bngain, bnvar_inv, bnraw, n, dhpreact):
            inv = hprebn.var(0, keepdim=True, unbiased=True) ** -0.5  # the + 1e-5 dropped
            raw = (hprebn - hprebn.mean(0, keepdim=True)) * inv
            return bngain * inv / n * (
                n * dhpreact - dhpreact.sum(0) - n / (n - 1) * raw * (dhpreact * raw).sum(0))
        """,
        {"dhprebn": VALUES},
        phase=STRESS,
        mistake="eps-dropped",
        regime=EPS,
    ),
    wrong(
        "batchnorm_as_steps_without_eps",
        "13_backward_batchnorm",
        """
        def backward_batchnorm(hprebn, bngain, bnvar_inv, bnraw, n, dhpreact):
            dbnraw = bngain * dhpreact
            bndiff = hprebn - hprebn.mean(0, keepdim=True)
            bnvar = hprebn.var(0, keepdim=True)
            dbnvar = -0.5 * bnvar**-1.5 * (bndiff * dbnraw).sum(0, keepdim=True)  # no + 1e-5
            dbndiff = bnvar_inv * dbnraw + 2 * bndiff * dbnvar / (n - 1)
            return dbndiff - dbndiff.sum(0, keepdim=True) / n
        """,
        {"dhprebn": VALUES},
        phase=STRESS,
        mistake="eps-dropped",
        regime=EPS,
    ),
    wrong(
        "batchnorm_bessel_as_n_plus_1_over_n",
        "13_backward_batchnorm",
        """
        def backward_batchnorm(hprebn, bngain, bnvar_inv, bnraw, n, dhpreact):
            return bngain * bnvar_inv / n * (  # (n+1)/n where n/(n-1) belongs
                n * dhpreact - dhpreact.sum(0) - (n + 1) / n * bnraw * (dhpreact * bnraw).sum(0))
        """,
        {"dhprebn": VALUES},
        mistake="bessel-as-n-plus-1",
        regime=SMALL,
    ),
    # ---- 14 backward_mlp ----
    wrong(
        "mlp_textbook_batchnorm_without_bessel",
        "14_backward_mlp",
        """
        import torch
        import torch.nn.functional as F

        def backward_mlp(Xb, Yb, C, W1, b1, W2, b2, bngain, bnbias, emb, embcat, hprebn,
                         bnvar_inv, bnraw, h, logits, n):
            dlogits = F.softmax(logits, 1)
            dlogits[range(n), Yb] -= 1
            dlogits /= n
            dh = dlogits @ W2.T
            dW2 = h.T @ dlogits
            db2 = dlogits.sum(0)
            dhpreact = (1.0 - h**2) * dh
            dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
            dbnbias = dhpreact.sum(0, keepdim=True)
            dhprebn = bngain * bnvar_inv / n * (
                n * dhpreact - dhpreact.sum(0) - bnraw * (dhpreact * bnraw).sum(0))
            dembcat = dhprebn @ W1.T
            dW1 = embcat.T @ dhprebn
            db1 = dhprebn.sum(0)
            dC = torch.zeros_like(C)
            dC.index_add_(0, Xb.view(-1), dembcat.view(-1, C.shape[1]))
            return {"dC": dC, "dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2,
                    "dbngain": dbngain, "dbnbias": dbnbias}
        """,
        {"dC": VALUES, "dW1": VALUES},
        lucky=["db1"],
        mistake="textbook-batchnorm",
        where="dW2, db2, dbngain and dbnbias are right, dW1 and dC are not: the mistake is "
        "between dhpreact and dhprebn (BatchNorm)",
    ),  # db1 is 0 either way: BatchNorm removes shifts
    wrong(
        "mlp_dC_indexed_assignment",
        "14_backward_mlp",
        """
        import torch
        import torch.nn.functional as F

        def backward_mlp(Xb, Yb, C, W1, b1, W2, b2, bngain, bnbias, emb, embcat, hprebn,
                         bnvar_inv, bnraw, h, logits, n):
            dlogits = F.softmax(logits, 1)
            dlogits[range(n), Yb] -= 1
            dlogits /= n
            dh = dlogits @ W2.T
            dhpreact = (1.0 - h**2) * dh
            dhprebn = bngain * bnvar_inv / n * (
                n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
            dC = torch.zeros_like(C)
            dC[Xb] += (dhprebn @ W1.T).view(emb.shape)
            return {"dC": dC, "dW1": embcat.T @ dhprebn, "db1": dhprebn.sum(0),
                    "dW2": h.T @ dlogits, "db2": dlogits.sum(0),
                    "dbngain": (bnraw * dhpreact).sum(0, keepdim=True),
                    "dbnbias": dhpreact.sum(0, keepdim=True)}
        """,
        {"dC": VALUES},
        mistake="repeated-rows",
    ),
    wrong(
        "mlp_cross_entropy_missing_1_over_n",
        "14_backward_mlp",
        """
        import torch
        import torch.nn.functional as F

        def backward_mlp(Xb, Yb, C, W1, b1, W2, b2, bngain, bnbias, emb, embcat, hprebn,
                         bnvar_inv, bnraw, h, logits, n):
            dlogits = F.softmax(logits, 1)
            dlogits[range(n), Yb] -= 1
            dh = dlogits @ W2.T
            dhpreact = (1.0 - h**2) * dh
            dhprebn = bngain * bnvar_inv / n * (
                n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
            dC = torch.zeros_like(C)
            dC.index_add_(0, Xb.view(-1), (dhprebn @ W1.T).view(-1, C.shape[1]))
            return {"dC": dC, "dW1": embcat.T @ dhprebn, "db1": dhprebn.sum(0),
                    "dW2": h.T @ dlogits, "db2": dlogits.sum(0),
                    "dbngain": (bnraw * dhpreact).sum(0, keepdim=True),
                    "dbnbias": dhpreact.sum(0, keepdim=True)}
        """,
        {
            "dC": VALUES,
            "dW1": VALUES,
            "dW2": VALUES,
            "db2": VALUES,
            "dbngain": VALUES,
            "dbnbias": VALUES,
        },
        lucky=["db1"],
        mistake="missing-1/n",
        where="every gradient returned is wrong: the mistake is in dlogits (cross-entropy)",
    ),  # n times 0 is still 0: db1 passes, with n times the rounding
    wrong(
        "mlp_tanh_applied_twice",
        "14_backward_mlp",
        """
        import torch
        import torch.nn.functional as F

        def backward_mlp(Xb, Yb, C, W1, b1, W2, b2, bngain, bnbias, emb, embcat, hprebn,
                         bnvar_inv, bnraw, h, logits, n):
            dlogits = F.softmax(logits, 1)
            dlogits[range(n), Yb] -= 1
            dlogits /= n
            dh = dlogits @ W2.T
            dhpreact = (1.0 - torch.tanh(h) ** 2) * dh  # h is already tanh(hpreact)
            dhprebn = bngain * bnvar_inv / n * (
                n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
            dC = torch.zeros_like(C)
            dC.index_add_(0, Xb.view(-1), (dhprebn @ W1.T).view(-1, C.shape[1]))
            return {"dC": dC, "dW1": embcat.T @ dhprebn, "db1": dhprebn.sum(0),
                    "dW2": h.T @ dlogits, "db2": dlogits.sum(0),
                    "dbngain": (bnraw * dhpreact).sum(0, keepdim=True),
                    "dbnbias": dhpreact.sum(0, keepdim=True)}
        """,
        {"dC": VALUES, "dW1": VALUES, "dbngain": VALUES, "dbnbias": VALUES},
        lucky=["db1"],
        mistake="tanh-twice",
        where="dW2 and db2 are right, dbngain, dbnbias, dW1 and dC are not: the mistake is "
        "between dh and dhpreact (tanh)",
    ),
    wrong(
        "mlp_cross_entropy_minus_one_at_every_entry",
        "14_backward_mlp",
        """
        import torch
        import torch.nn.functional as F

        def backward_mlp(Xb, Yb, C, W1, b1, W2, b2, bngain, bnbias, emb, embcat, hprebn,
                         bnvar_inv, bnraw, h, logits, n):
            dlogits = (F.softmax(logits, 1) - 1) / n  # the -1 belongs at the targets
            dh = dlogits @ W2.T
            dhpreact = (1.0 - h**2) * dh
            dhprebn = bngain * bnvar_inv / n * (
                n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
            dC = torch.zeros_like(C)
            dC.index_add_(0, Xb.view(-1), (dhprebn @ W1.T).view(-1, C.shape[1]))
            return {"dC": dC, "dW1": embcat.T @ dhprebn, "db1": dhprebn.sum(0),
                    "dW2": h.T @ dlogits, "db2": dlogits.sum(0),
                    "dbngain": (bnraw * dhpreact).sum(0, keepdim=True),
                    "dbnbias": dhpreact.sum(0, keepdim=True)}
        """,
        {
            "dC": VALUES,
            "dW1": VALUES,
            "dW2": VALUES,
            "db2": VALUES,
            "dbngain": VALUES,
            "dbnbias": VALUES,
        },
        lucky=["db1"],
        mistake="every-entry",
        where="every gradient returned is wrong: the mistake is in dlogits (cross-entropy)",
    ),
    wrong(
        "mlp_cross_entropy_without_the_targets",
        "14_backward_mlp",
        """
        import torch
        import torch.nn.functional as F

        def backward_mlp(Xb, Yb, C, W1, b1, W2, b2, bngain, bnbias, emb, embcat, hprebn,
                         bnvar_inv, bnraw, h, logits, n):
            dlogits = F.softmax(logits, 1) / n  # dlogits[range(n), Yb] -= 1 forgotten
            dh = dlogits @ W2.T
            dhpreact = (1.0 - h**2) * dh
            dhprebn = bngain * bnvar_inv / n * (
                n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
            dC = torch.zeros_like(C)
            dC.index_add_(0, Xb.view(-1), (dhprebn @ W1.T).view(-1, C.shape[1]))
            return {"dC": dC, "dW1": embcat.T @ dhprebn, "db1": dhprebn.sum(0),
                    "dW2": h.T @ dlogits, "db2": dlogits.sum(0),
                    "dbngain": (bnraw * dhpreact).sum(0, keepdim=True),
                    "dbnbias": dhpreact.sum(0, keepdim=True)}
        """,
        {
            "dC": VALUES,
            "dW1": VALUES,
            "dW2": VALUES,
            "db2": VALUES,
            "dbngain": VALUES,
            "dbnbias": VALUES,
        },
        lucky=["db1"],
        mistake="targets-only",
        where="the mistake is in dlogits (cross-entropy), the first step",
    ),
    wrong(
        "mlp_batchnorm_without_gain",
        "14_backward_mlp",
        """
        import torch
        import torch.nn.functional as F

        def backward_mlp(Xb, Yb, C, W1, b1, W2, b2, bngain, bnbias, emb, embcat, hprebn,
                         bnvar_inv, bnraw, h, logits, n):
            dlogits = F.softmax(logits, 1)
            dlogits[range(n), Yb] -= 1
            dlogits /= n
            dh = dlogits @ W2.T
            dhpreact = (1.0 - h**2) * dh
            dhprebn = bnvar_inv / n * (
                n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
            dC = torch.zeros_like(C)
            dC.index_add_(0, Xb.view(-1), (dhprebn @ W1.T).view(-1, C.shape[1]))
            return {"dC": dC, "dW1": embcat.T @ dhprebn, "db1": dhprebn.sum(0),
                    "dW2": h.T @ dlogits, "db2": dlogits.sum(0),
                    "dbngain": (bnraw * dhpreact).sum(0, keepdim=True),
                    "dbnbias": dhpreact.sum(0, keepdim=True)}
        """,
        {"dC": VALUES, "dW1": VALUES},
        lucky=["db1"],
        mistake="batchnorm-without-gain",
        where="the mistake is between dhpreact and dhprebn (BatchNorm)",
    ),
    wrong(
        "mlp_batchnorm_steps_without_eps",
        "14_backward_mlp",
        """
        import torch
        import torch.nn.functional as F

        def backward_mlp(Xb, Yb, C, W1, b1, W2, b2, bngain, bnbias, emb, embcat, hprebn,
                         bnvar_inv, bnraw, h, logits, n):
            dlogits = F.softmax(logits, 1)
            dlogits[range(n), Yb] -= 1
            dlogits /= n
            dhpreact = (1.0 - h**2) * (dlogits @ W2.T)
            dbnraw = bngain * dhpreact
            bndiff = hprebn - hprebn.mean(0, keepdim=True)
            bnvar = hprebn.var(0, keepdim=True)
            dbnvar = -0.5 * bnvar**-1.5 * (bndiff * dbnraw).sum(0, keepdim=True)  # no + 1e-5
            dbndiff = bnvar_inv * dbnraw + 2 * bndiff * dbnvar / (n - 1)
            dhprebn = dbndiff - dbndiff.mean(0, keepdim=True)
            dC = torch.zeros_like(C)
            dC.index_add_(0, Xb.view(-1), (dhprebn @ W1.T).view(-1, C.shape[1]))
            return {"dC": dC, "dW1": embcat.T @ dhprebn, "db1": dhprebn.sum(0),
                    "dW2": h.T @ dlogits, "db2": dlogits.sum(0),
                    "dbngain": (bnraw * dhpreact).sum(0, keepdim=True),
                    "dbnbias": dhpreact.sum(0, keepdim=True)}
        """,
        {"dC": VALUES, "dW1": VALUES},
        phase=STRESS,
        lucky=["db1"],
        mistake="eps-dropped",
        where="the mistake is between dhpreact and dhprebn (BatchNorm)",
        regime=EPS,
    ),
    wrong(
        "mlp_bessel_as_n_plus_1_over_n",
        "14_backward_mlp",
        """
        import torch
        import torch.nn.functional as F

        def backward_mlp(Xb, Yb, C, W1, b1, W2, b2, bngain, bnbias, emb, embcat, hprebn,
                         bnvar_inv, bnraw, h, logits, n):
            dlogits = F.softmax(logits, 1)
            dlogits[range(n), Yb] -= 1
            dlogits /= n
            dh = dlogits @ W2.T
            dhpreact = (1.0 - h**2) * dh
            dhprebn = bngain * bnvar_inv / n * (
                n * dhpreact - dhpreact.sum(0) - (n + 1) / n * bnraw * (dhpreact * bnraw).sum(0))
            dC = torch.zeros_like(C)
            dC.index_add_(0, Xb.view(-1), (dhprebn @ W1.T).view(-1, C.shape[1]))
            return {"dC": dC, "dW1": embcat.T @ dhprebn, "db1": dhprebn.sum(0),
                    "dW2": h.T @ dlogits, "db2": dlogits.sum(0),
                    "dbngain": (bnraw * dhpreact).sum(0, keepdim=True),
                    "dbnbias": dhpreact.sum(0, keepdim=True)}
        """,
        {"dC": VALUES, "dW1": VALUES},
        lucky=["db1"],
        mistake="bessel-as-n-plus-1",
        where="the mistake is between dhpreact and dhprebn (BatchNorm)",
        regime=SMALL,
    ),
    wrong(
        "mlp_softmax_without_the_max",
        "14_backward_mlp",
        """
        import torch
        import torch.nn.functional as F

        def backward_mlp(Xb, Yb, C, W1, b1, W2, b2, bngain, bnbias, emb, embcat, hprebn,
                         bnvar_inv, bnraw, h, logits, n):
            counts = logits.exp()  # no max subtracted: exp(100) overflows float32
            dlogits = counts / counts.sum(1, keepdim=True)
            dlogits[range(n), Yb] -= 1
            dlogits /= n
            dh = dlogits @ W2.T
            dhpreact = (1.0 - h**2) * dh
            dhprebn = bngain * bnvar_inv / n * (
                n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
            dC = torch.zeros_like(C)
            dC.index_add_(0, Xb.view(-1), (dhprebn @ W1.T).view(-1, C.shape[1]))
            return {"dC": dC, "dW1": embcat.T @ dhprebn, "db1": dhprebn.sum(0),
                    "dW2": h.T @ dlogits, "db2": dlogits.sum(0),
                    "dbngain": (bnraw * dhpreact).sum(0, keepdim=True),
                    "dbnbias": dhpreact.sum(0, keepdim=True)}
        """,
        {
            "dC": NONFINITE,
            "dW1": NONFINITE,
            "db1": NONFINITE,
            "dW2": NONFINITE,
            "db2": NONFINITE,
            "dbngain": NONFINITE,
            "dbnbias": NONFINITE,
        },
        phase=STRESS,
        regime=SATURATED,
    ),
    # ==== level 2: a character-level GPT ====
    # ---- 15 backward_encoder ----
    wrong(
        "encoder_indexed_assignment",
        "15_backward_encoder",
        """
        import torch

        def backward_encoder(idx, wte, wpe, dx):
            T = idx.shape[1]
            dwte = torch.zeros_like(wte)
            dwte[idx] += dx  # a token read twice keeps only one of its gradients
            dwpe = torch.zeros_like(wpe)
            dwpe[:T] = dx.sum(0)
            return {"dwte": dwte, "dwpe": dwpe}
        """,
        {"dwte": VALUES},
        mistake="repeated-rows",
    ),
    wrong(
        "encoder_dwpe_of_T_rows",
        "15_backward_encoder",
        """
        import torch

        def backward_encoder(idx, wte, wpe, dx):
            dwte = torch.zeros_like(wte)
            dwte.index_add_(0, idx.flatten(), dx.reshape(-1, dx.shape[-1]))
            return {"dwte": dwte, "dwpe": dx.sum(0)}  # (T, C): T is the block only at first
        """,
        {"dwpe": SHAPE},
        phase=STRESS,
        says="dimension 0 is",
        mistake="dwpe-of-T-rows",
    ),
    wrong(
        "encoder_dwpe_mean_over_the_batch",
        "15_backward_encoder",
        """
        import torch

        def backward_encoder(idx, wte, wpe, dx):
            T = idx.shape[1]
            dwte = torch.zeros_like(wte)
            dwte.index_add_(0, idx.flatten(), dx.reshape(-1, dx.shape[-1]))
            dwpe = torch.zeros_like(wpe)
            dwpe[:T] = dx.mean(0)
            return {"dwte": dwte, "dwpe": dwpe}
        """,
        {"dwpe": VALUES},
        mistake="mean-not-sum",
    ),
    wrong(
        "encoder_dwpe_from_a_copy_of_wpe",
        "15_backward_encoder",
        """
        import torch

        def backward_encoder(idx, wte, wpe, dx):
            T = idx.shape[1]
            dwte = torch.zeros_like(wte)
            dwte.index_add_(0, idx.flatten(), dx.reshape(-1, dx.shape[-1]))
            dwpe = wpe.clone()  # "for the shape": rows T.. keep wpe's values
            dwpe[:T] = dx.sum(0)
            return {"dwte": dwte, "dwpe": dwpe}
        """,
        {"dwpe": VALUES},
        phase=STRESS,
        mistake="unused-rows",
    ),
    # ---- 16 backward_layernorm ----
    wrong(
        "layernorm_mean_path_dropped",
        "16_backward_layernorm",
        """
        def backward_layernorm(x, weight, bias, mean, rstd, dout):
            xhat = (x - mean) * rstd
            g = dout * weight
            dx = rstd * (g - xhat * (g * xhat).mean(-1, keepdim=True))
            return {"dx": dx, "dweight": (dout * xhat).sum((0, 1)), "dbias": dout.sum((0, 1))}
        """,
        {"dx": VALUES},
        mistake="mean-path-dropped",
    ),
    wrong(
        "layernorm_variance_path_dropped",
        "16_backward_layernorm",
        """
        def backward_layernorm(x, weight, bias, mean, rstd, dout):
            xhat = (x - mean) * rstd
            g = dout * weight
            dx = rstd * (g - g.mean(-1, keepdim=True))  # as if rstd were a constant
            return {"dx": dx, "dweight": (dout * xhat).sum((0, 1)), "dbias": dout.sum((0, 1))}
        """,
        {"dx": VALUES},
        mistake="variance-path-dropped",
    ),
    wrong(
        "layernorm_with_bessel",
        "16_backward_layernorm",
        """
        def backward_layernorm(x, weight, bias, mean, rstd, dout):
            C = x.shape[-1]
            xhat = (x - mean) * rstd
            g = dout * weight
            var_term = xhat * (g * xhat).sum(-1, keepdim=True) / (C - 1)  # BatchNorm's n-1
            dx = rstd * (g - g.mean(-1, keepdim=True) - var_term)
            return {"dx": dx, "dweight": (dout * xhat).sum((0, 1)), "dbias": dout.sum((0, 1))}
        """,
        {"dx": VALUES},
        mistake="bessel-in-layernorm",
    ),
    wrong(
        "layernorm_without_weight",
        "16_backward_layernorm",
        """
        def backward_layernorm(x, weight, bias, mean, rstd, dout):
            xhat = (x - mean) * rstd
            dx = rstd * (dout - dout.mean(-1, keepdim=True)
                         - xhat * (dout * xhat).mean(-1, keepdim=True))
            return {"dx": dx, "dweight": (dout * xhat).sum((0, 1)), "dbias": dout.sum((0, 1))}
        """,
        {"dx": VALUES},
        mistake="layernorm-without-weight",
    ),
    wrong(
        "layernorm_recomputed_without_eps",
        "16_backward_layernorm",
        """
        def backward_layernorm(x, weight, bias, mean, rstd, dout):
            diff = x - x.mean(-1, keepdim=True)
            inv = diff.pow(2).mean(-1, keepdim=True) ** -0.5  # the 1e-5 forgotten
            xhat = diff * inv
            g = dout * weight
            dx = inv * (g - g.mean(-1, keepdim=True) - xhat * (g * xhat).mean(-1, keepdim=True))
            return {"dx": dx, "dweight": (dout * xhat).sum((0, 1)), "dbias": dout.sum((0, 1))}
        """,
        {"dx": VALUES, "dweight": VALUES},
        phase=STRESS,
        mistake="eps-dropped",
        regime=EPS,
    ),
    wrong(
        "layernorm_steps_without_eps",
        "16_backward_layernorm",
        """
        def backward_layernorm(x, weight, bias, mean, rstd, dout):
            C = x.shape[-1]
            diff = x - mean
            var = (diff**2).mean(-1, keepdim=True)
            g = dout * weight
            dvar = -0.5 * var**-1.5 * (g * diff).sum(-1, keepdim=True)  # var + 1e-5, really
            ddiff = rstd * g + 2 * diff / C * dvar
            dx = ddiff - ddiff.mean(-1, keepdim=True)
            xhat = diff * rstd
            return {"dx": dx, "dweight": (dout * xhat).sum((0, 1)), "dbias": dout.sum((0, 1))}
        """,
        {"dx": VALUES},
        phase=STRESS,
        mistake="eps-dropped",
        regime=EPS,
    ),
    wrong(
        "layernorm_dweight_summed_over_the_batch_only",
        "16_backward_layernorm",
        """
        def backward_layernorm(x, weight, bias, mean, rstd, dout):
            xhat = (x - mean) * rstd
            g = dout * weight
            dx = rstd * (g - g.mean(-1, keepdim=True) - xhat * (g * xhat).mean(-1, keepdim=True))
            return {"dx": dx, "dweight": (dout * xhat).sum(0), "dbias": dout.sum((0, 1))}
        """,
        {"dweight": SHAPE},
        says="unsummed",
    ),
    wrong(
        "layernorm_dbias_mean",
        "16_backward_layernorm",
        """
        def backward_layernorm(x, weight, bias, mean, rstd, dout):
            xhat = (x - mean) * rstd
            g = dout * weight
            dx = rstd * (g - g.mean(-1, keepdim=True) - xhat * (g * xhat).mean(-1, keepdim=True))
            return {"dx": dx, "dweight": (dout * xhat).sum((0, 1)), "dbias": dout.mean((0, 1))}
        """,
        {"dbias": VALUES},
        mistake="mean-not-sum",
    ),
    # ---- 17 backward_linear ----
    wrong(
        "linear_dweight_transposed",
        "17_backward_linear",
        """
        def backward_linear(inp, weight, bias, dout):
            C, OC = inp.shape[-1], dout.shape[-1]
            dweight = inp.reshape(-1, C).T @ dout.reshape(-1, OC)  # the lecture's dW2 = h.T @ ...
            return {"dinp": dout @ weight, "dweight": dweight, "dbias": dout.sum((0, 1))}
        """,
        {"dweight": SHAPE},
        says="transposed",
    ),
    wrong(
        "linear_dweight_per_sequence",
        "17_backward_linear",
        """
        def backward_linear(inp, weight, bias, dout):
            dweight = dout.transpose(1, 2) @ inp  # (B, OC, C): one per sequence
            return {"dinp": dout @ weight, "dweight": dweight, "dbias": dout.sum((0, 1))}
        """,
        {"dweight": SHAPE},
        says="unsummed",
    ),
    wrong(
        "linear_dbias_mean",
        "17_backward_linear",
        """
        def backward_linear(inp, weight, bias, dout):
            C, OC = inp.shape[-1], dout.shape[-1]
            dweight = dout.reshape(-1, OC).T @ inp.reshape(-1, C)
            return {"dinp": dout @ weight, "dweight": dweight, "dbias": dout.mean((0, 1))}
        """,
        {"dbias": VALUES},
        mistake="mean-not-sum",
    ),
    wrong(
        "linear_dweight_mean",
        "17_backward_linear",
        """
        def backward_linear(inp, weight, bias, dout):
            C, OC = inp.shape[-1], dout.shape[-1]
            rows = inp.shape[0] * inp.shape[1]
            dweight = dout.reshape(-1, OC).T @ inp.reshape(-1, C) / rows
            return {"dinp": dout @ weight, "dweight": dweight, "dbias": dout.sum((0, 1))}
        """,
        {"dweight": VALUES},
        mistake="mean-not-sum",
    ),
    # ---- 18 backward_gelu ----
    wrong(
        "gelu_exact_erf_derivative",
        "18_backward_gelu",
        """
        import math

        import torch

        def backward_gelu(x, dout):
            cdf = 0.5 * (1 + torch.erf(x / math.sqrt(2)))
            pdf = torch.exp(-0.5 * x**2) / math.sqrt(2 * math.pi)
            return dout * (cdf + x * pdf)  # GELU's derivative, but not the tanh form's
        """,
        {"dx": VALUES},
        mistake="erf-derivative",
        regime=TAIL,
    ),
    wrong(
        "gelu_without_the_cubic_in_the_chain_rule",
        "18_backward_gelu",
        """
        import math

        import torch

        def backward_gelu(x, dout):
            k = math.sqrt(2 / math.pi)
            th = torch.tanh(k * (x + 0.044715 * x**3))
            return dout * (0.5 * (1 + th) + 0.5 * x * (1 - th**2) * k)
        """,
        {"dx": VALUES},
        mistake="gelu-without-cubic",
    ),
    wrong(
        "gelu_one_term_of_the_product_rule",
        "18_backward_gelu",
        """
        import math

        import torch

        def backward_gelu(x, dout):
            th = torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))
            return dout * 0.5 * (1 + th)
        """,
        {"dx": VALUES},
        mistake="gelu-one-term",
    ),
    wrong(
        "gelu_local_derivative_alone",
        "18_backward_gelu",
        """
        import math

        import torch

        def backward_gelu(x, dout):
            k = math.sqrt(2 / math.pi)
            th = torch.tanh(k * (x + 0.044715 * x**3))
            return 0.5 * (1 + th) + 0.5 * x * (1 - th**2) * k * (1 + 3 * 0.044715 * x**2)
        """,
        {"dx": VALUES},
        mistake="local-derivative-alone",
    ),
    # ---- 19 backward_causal_softmax ----
    wrong(
        "causal_softmax_without_the_row_sum",
        "19_backward_causal_softmax",
        """
        def backward_causal_softmax(att, datt):
            return att * datt
        """,
        {"dpreatt": VALUES},
        mistake="softmax-without-row-sum",
    ),
    wrong(
        "causal_softmax_row_sum_without_att",
        "19_backward_causal_softmax",
        """
        def backward_causal_softmax(att, datt):
            return att * datt - (att * datt).sum(-1, keepdim=True)
        """,
        {"dpreatt": VALUES},
        mistake="gradient-into-masked",
    ),
    wrong(
        "causal_softmax_masked_positions_pass_datt",
        "19_backward_causal_softmax",
        """
        import torch

        def backward_causal_softmax(att, datt):
            T = att.shape[-1]
            mask = torch.tril(torch.ones(T, T))
            dpreatt = att * (datt - (att * datt).sum(-1, keepdim=True))
            return torch.where(mask == 0, datt, dpreatt)  # "masked_fill passes datt through"
        """,
        {"dpreatt": VALUES},
        mistake="gradient-into-masked",
    ),
    # ---- 20 backward_attention ----
    wrong(
        "attention_without_the_scale",
        "20_backward_attention",
        """
        import torch

        def backward_attention(qkv, att, n_head, dy):
            B, T, C = qkv.shape[0], qkv.shape[1], qkv.shape[2] // 3
            hs = C // n_head
            q, k, v = (t.view(B, T, n_head, hs).transpose(1, 2) for t in qkv.split(C, dim=2))
            dy_h = dy.view(B, T, n_head, hs).transpose(1, 2)
            datt = dy_h @ v.transpose(-2, -1)
            dv = att.transpose(-2, -1) @ dy_h
            dpreatt = att * (datt - (att * datt).sum(-1, keepdim=True))
            dq = dpreatt @ k  # the 1 / sqrt(hs) of preatt forgotten
            dk = dpreatt.transpose(-2, -1) @ q
            merged = [d.transpose(1, 2).reshape(B, T, C) for d in (dq, dk, dv)]
            return torch.cat(merged, dim=2)
        """,
        {"dqkv": VALUES},
        mistake="attention-without-scale",
    ),
    wrong(
        "attention_scaled_by_hs",
        "20_backward_attention",
        """
        import torch

        def backward_attention(qkv, att, n_head, dy):
            B, T, C = qkv.shape[0], qkv.shape[1], qkv.shape[2] // 3
            hs = C // n_head
            q, k, v = (t.view(B, T, n_head, hs).transpose(1, 2) for t in qkv.split(C, dim=2))
            dy_h = dy.view(B, T, n_head, hs).transpose(1, 2)
            datt = dy_h @ v.transpose(-2, -1)
            dv = att.transpose(-2, -1) @ dy_h
            dpreatt = att * (datt - (att * datt).sum(-1, keepdim=True))
            dq = dpreatt @ k / hs
            dk = dpreatt.transpose(-2, -1) @ q / hs
            merged = [d.transpose(1, 2).reshape(B, T, C) for d in (dq, dk, dv)]
            return torch.cat(merged, dim=2)
        """,
        {"dqkv": VALUES},
        mistake="attention-scale-hs",
    ),
    wrong(
        "attention_heads_merged_in_the_wrong_order",
        "20_backward_attention",
        """
        import math

        import torch

        def backward_attention(qkv, att, n_head, dy):
            B, T, C = qkv.shape[0], qkv.shape[1], qkv.shape[2] // 3
            hs = C // n_head
            q, k, v = (t.view(B, T, n_head, hs).transpose(1, 2) for t in qkv.split(C, dim=2))
            dy_h = dy.view(B, T, n_head, hs).transpose(1, 2)
            datt = dy_h @ v.transpose(-2, -1)
            dv = att.transpose(-2, -1) @ dy_h
            dpreatt = att * (datt - (att * datt).sum(-1, keepdim=True))
            dq = dpreatt @ k / math.sqrt(hs)
            dk = dpreatt.transpose(-2, -1) @ q / math.sqrt(hs)
            merged = [d.reshape(B, T, C) for d in (dq, dk, dv)]  # (B, NH, T, hs) as it is
            return torch.cat(merged, dim=2)
        """,
        {"dqkv": VALUES},
        mistake="heads-merged-wrong",
    ),
    wrong(
        "attention_dy_split_in_the_wrong_order",
        "20_backward_attention",
        """
        import math

        import torch

        def backward_attention(qkv, att, n_head, dy):
            B, T, C = qkv.shape[0], qkv.shape[1], qkv.shape[2] // 3
            hs = C // n_head
            q, k, v = (t.view(B, T, n_head, hs).transpose(1, 2) for t in qkv.split(C, dim=2))
            dy_h = dy.reshape(B, n_head, T, hs)  # a view of the right shape, not y's merge undone
            datt = dy_h @ v.transpose(-2, -1)
            dv = att.transpose(-2, -1) @ dy_h
            dpreatt = att * (datt - (att * datt).sum(-1, keepdim=True))
            dq = dpreatt @ k / math.sqrt(hs)
            dk = dpreatt.transpose(-2, -1) @ q / math.sqrt(hs)
            merged = [d.transpose(1, 2).reshape(B, T, C) for d in (dq, dk, dv)]
            return torch.cat(merged, dim=2)
        """,
        {"dqkv": VALUES},
        mistake="heads-split-wrong",
    ),
    wrong(
        "attention_dq_and_dk_swapped",
        "20_backward_attention",
        """
        import math

        import torch

        def backward_attention(qkv, att, n_head, dy):
            B, T, C = qkv.shape[0], qkv.shape[1], qkv.shape[2] // 3
            hs = C // n_head
            q, k, v = (t.view(B, T, n_head, hs).transpose(1, 2) for t in qkv.split(C, dim=2))
            dy_h = dy.view(B, T, n_head, hs).transpose(1, 2)
            datt = dy_h @ v.transpose(-2, -1)
            dv = att.transpose(-2, -1) @ dy_h
            dpreatt = att * (datt - (att * datt).sum(-1, keepdim=True))
            dq = dpreatt @ k / math.sqrt(hs)
            dk = dpreatt.transpose(-2, -1) @ q / math.sqrt(hs)
            merged = [d.transpose(1, 2).reshape(B, T, C) for d in (dk, dq, dv)]
            return torch.cat(merged, dim=2)
        """,
        {"dqkv": VALUES},
        mistake="dq-dk-swapped",
    ),
    wrong(
        "attention_dk_without_the_transpose",
        "20_backward_attention",
        """
        import math

        import torch

        def backward_attention(qkv, att, n_head, dy):
            B, T, C = qkv.shape[0], qkv.shape[1], qkv.shape[2] // 3
            hs = C // n_head
            q, k, v = (t.view(B, T, n_head, hs).transpose(1, 2) for t in qkv.split(C, dim=2))
            dy_h = dy.view(B, T, n_head, hs).transpose(1, 2)
            datt = dy_h @ v.transpose(-2, -1)
            dv = att.transpose(-2, -1) @ dy_h
            dpreatt = att * (datt - (att * datt).sum(-1, keepdim=True))
            dq = dpreatt @ k / math.sqrt(hs)
            dk = dpreatt @ q / math.sqrt(hs)  # as dq, with the roles of q and k exchanged
            merged = [d.transpose(1, 2).reshape(B, T, C) for d in (dq, dk, dv)]
            return torch.cat(merged, dim=2)
        """,
        {"dqkv": VALUES},
        mistake="dk-without-transpose",
    ),
    wrong(
        "attention_dv_without_the_transpose",
        "20_backward_attention",
        """
        import math

        import torch

        def backward_attention(qkv, att, n_head, dy):
            B, T, C = qkv.shape[0], qkv.shape[1], qkv.shape[2] // 3
            hs = C // n_head
            q, k, v = (t.view(B, T, n_head, hs).transpose(1, 2) for t in qkv.split(C, dim=2))
            dy_h = dy.view(B, T, n_head, hs).transpose(1, 2)
            datt = dy_h @ v.transpose(-2, -1)
            dv = att @ dy_h
            dpreatt = att * (datt - (att * datt).sum(-1, keepdim=True))
            dq = dpreatt @ k / math.sqrt(hs)
            dk = dpreatt.transpose(-2, -1) @ q / math.sqrt(hs)
            merged = [d.transpose(1, 2).reshape(B, T, C) for d in (dq, dk, dv)]
            return torch.cat(merged, dim=2)
        """,
        {"dqkv": VALUES},
        mistake="dv-without-transpose",
    ),
    wrong(
        "attention_softmax_without_the_row_sum",
        "20_backward_attention",
        """
        import math

        import torch

        def backward_attention(qkv, att, n_head, dy):
            B, T, C = qkv.shape[0], qkv.shape[1], qkv.shape[2] // 3
            hs = C // n_head
            q, k, v = (t.view(B, T, n_head, hs).transpose(1, 2) for t in qkv.split(C, dim=2))
            dy_h = dy.view(B, T, n_head, hs).transpose(1, 2)
            datt = dy_h @ v.transpose(-2, -1)
            dv = att.transpose(-2, -1) @ dy_h
            dpreatt = att * datt
            dq = dpreatt @ k / math.sqrt(hs)
            dk = dpreatt.transpose(-2, -1) @ q / math.sqrt(hs)
            merged = [d.transpose(1, 2).reshape(B, T, C) for d in (dq, dk, dv)]
            return torch.cat(merged, dim=2)
        """,
        {"dqkv": VALUES},
        mistake="softmax-without-row-sum",
    ),
    wrong(
        "attention_hard_wired_4_heads",
        "20_backward_attention",
        """
        import torch

        def backward_attention(qkv, att, n_head, dy):
            B, T, C = qkv.shape[0], qkv.shape[1], qkv.shape[2] // 3
            NH, hs = 4, C // 4  # the lecture phase's head count
            q, k, v = (t.view(B, T, NH, hs).transpose(1, 2) for t in qkv.split(C, dim=2))
            dy_h = dy.view(B, T, NH, hs).transpose(1, 2)
            datt = dy_h @ v.transpose(-2, -1)
            dv = att.transpose(-2, -1) @ dy_h
            dpreatt = att * (datt - (att * datt).sum(-1, keepdim=True))
            dq = dpreatt @ k / hs**0.5
            dk = dpreatt.transpose(-2, -1) @ q / hs**0.5
            return torch.cat([d.transpose(1, 2).reshape(B, T, C) for d in (dq, dk, dv)], dim=2)
        """,
        {"dqkv": ERROR},
        says="in the stress phase",
    ),
    # ---- 21 backward_cross_entropy_seq ----
    wrong(
        "cross_entropy_seq_ignored_targets_in_the_mean",
        "21_backward_cross_entropy_seq",
        """
        import torch.nn.functional as F

        def backward_cross_entropy_seq(logits, targets):
            valid = (targets != -1).unsqueeze(-1)
            onehot = F.one_hot(targets.clamp(min=0), logits.shape[-1])
            return (F.softmax(logits, -1) - onehot) * valid / targets.numel()  # B*T, not N
        """,
        {"dlogits": VALUES},
        mistake="ignored-in-mean",
    ),
    wrong(
        "cross_entropy_seq_ignored_positions_get_a_gradient",
        "21_backward_cross_entropy_seq",
        """
        import torch.nn.functional as F

        def backward_cross_entropy_seq(logits, targets):
            N = (targets != -1).sum()
            onehot = F.one_hot(targets.clamp(min=0), logits.shape[-1])
            return (F.softmax(logits, -1) - onehot) / N
        """,
        {"dlogits": VALUES},
        mistake="ignored-get-gradient",
    ),
    wrong(
        "cross_entropy_seq_ignore_index_forgotten",
        "21_backward_cross_entropy_seq",
        """
        import torch.nn.functional as F

        def backward_cross_entropy_seq(logits, targets):
            B, T, V = logits.shape
            onehot = F.one_hot(targets.clamp(min=0), V)
            return (F.softmax(logits, -1) - onehot) / (B * T)
        """,
        {"dlogits": VALUES},
        mistake="ignore-index-forgotten",
    ),
    wrong(
        "cross_entropy_seq_a_sum_not_a_mean",
        "21_backward_cross_entropy_seq",
        """
        import torch.nn.functional as F

        def backward_cross_entropy_seq(logits, targets):
            valid = (targets != -1).unsqueeze(-1)
            onehot = F.one_hot(targets.clamp(min=0), logits.shape[-1])
            return (F.softmax(logits, -1) - onehot) * valid  # the mean's 1/N forgotten
        """,
        {"dlogits": VALUES},
        mistake="missing-1/n",
    ),
    wrong(
        "cross_entropy_seq_softmax_without_the_max",
        "21_backward_cross_entropy_seq",
        """
        import torch.nn.functional as F

        def backward_cross_entropy_seq(logits, targets):
            valid = (targets != -1).unsqueeze(-1)
            counts = logits.exp()  # overflows float32 past 88
            probs = counts / counts.sum(-1, keepdim=True)
            onehot = F.one_hot(targets.clamp(min=0), logits.shape[-1])
            return (probs - onehot) * valid / valid.sum()
        """,
        {"dlogits": NONFINITE},
        phase=STRESS,
        regime=SATURATED,
    ),
    wrong(
        "cross_entropy_seq_softmax_shifted_by_the_mean",
        "21_backward_cross_entropy_seq",
        """
        import torch.nn.functional as F

        def backward_cross_entropy_seq(logits, targets):
            valid = (targets != -1).unsqueeze(-1)
            counts = (logits - logits.mean(-1, keepdim=True)).exp()  # the max is what is safe
            probs = counts / counts.sum(-1, keepdim=True)
            onehot = F.one_hot(targets.clamp(min=0), logits.shape[-1])
            return (probs - onehot) * valid / valid.sum()
        """,
        {"dlogits": NONFINITE},
        phase=STRESS,
        regime=SATURATED,
    ),
    # ---- 22 backward_block ----
    wrong(
        "block_mlp_skip_dropped",
        BLOCK,
        variant(BLOCK, ("dx2 = dout + _layernorm(dln_2", "dx2 = _layernorm(dln_2")),
        _every(B_ATTN_OUT + B_ATTN),
        mistake="residual-skip-dropped",
        where="the mistake is between dout and dx2 (ln_2 and the MLP's residual skip)",
    ),
    wrong(
        "block_attention_skip_dropped",
        BLOCK,
        variant(BLOCK, ("dx = dx2 + _layernorm(dln_1", "dx = _layernorm(dln_1")),
        {"dx": VALUES},
        mistake="residual-skip-dropped",
        where="the mistake is between dx2 and dx (ln_1 and the attention's residual skip)",
    ),
    wrong(
        "block_gelu_without_its_cubic_term",
        BLOCK,
        variant(BLOCK, (" * GELU_K * (1 + 3 * 0.044715 * x * x)", " * GELU_K")),
        _every(B_MLP + B_ATTN_OUT + B_ATTN),
        mistake="gelu-without-cubic",
        where="the mistake is between dmlp.gelu.out and dmlp.c_fc.out (GELU)",
    ),
    wrong(
        "block_heads_merged_in_the_wrong_order",
        BLOCK,
        variant(BLOCK, ("d.transpose(1, 2).reshape(B, T, C) for d", "d.reshape(B, T, C) for d")),
        _every(B_ATTN),
        mistake="heads-merged-wrong",
        where="the mistake is between dattn.y and dattn.c_attn.out (kata 20's attention)",
    ),
    wrong(
        "block_attention_without_its_scale",
        BLOCK,
        variant(
            BLOCK,
            ("dq = dpreatt @ k / math.sqrt(hs)", "dq = dpreatt @ k"),
            (
                "dk = dpreatt.transpose(-2, -1) @ q / math.sqrt(hs)",
                "dk = dpreatt.transpose(-2, -1) @ q",
            ),
        ),
        _every(B_ATTN),
        mistake="attention-without-scale",
        where="the mistake is between dattn.y and dattn.c_attn.out (kata 20's attention)",
    ),
    wrong(
        "block_softmax_gradient_into_masked_positions",
        BLOCK,
        variant(
            BLOCK,
            (
                "dpreatt = att * (datt - (att * datt).sum(-1, keepdim=True))",
                "dpreatt = att * datt - (att * datt).sum(-1, keepdim=True)",
            ),
        ),
        _every(B_ATTN),
        mistake="gradient-into-masked",
    ),
    wrong(
        "block_second_layernorm_without_its_mean_path",
        BLOCK,
        variant(
            BLOCK,
            (
                "    return rstd * (g - g.mean(-1, keepdim=True) - xhat",
                '    mean = g.mean(-1, keepdim=True) if name != "ln_2" else 0  # not in ln_2\n'
                "    return rstd * (g - mean - xhat",
            ),
        ),
        _every(B_ATTN_OUT + B_ATTN),
        mistake="mean-path-dropped",
        where="the mistake is between dout and dx2 (ln_2 and the MLP's residual skip)",
    ),
    wrong(
        "block_first_layernorm_with_bessel",
        BLOCK,
        variant(
            BLOCK,
            (
                "xhat * (g * xhat).mean(-1, keepdim=True))",
                'xhat * (g * xhat).sum(-1, keepdim=True) / (x.shape[-1] - (name == "ln_1")))',
            ),
        ),
        {"dx": VALUES},
        mistake="bessel-in-layernorm",
    ),
    # ---- 23 backward_gpt ----
    wrong(
        "gpt_tied_wte_without_the_encoder",
        GPT,
        variant(GPT, ("    dwte.index_add_(0, idx.view(-1), dx.view(B * T, -1))\n", "")),
        {"dwte": VALUES},
        mistake="tied-wte-one-gradient",
        where="the mistake is between dlogits and dwte (wte's two uses: the tied output layer "
        "and the encoder)",
    ),
    wrong(
        "gpt_tied_wte_without_the_output_layer",
        GPT,
        variant(
            GPT,
            (
                'dwte = dlogits.flatten(0, 1).T @ cache["ln_f.out"].flatten(0, 1)',
                'dwte = torch.zeros_like(params["wte"])',
            ),
        ),
        {"dwte": VALUES},
        mistake="tied-wte-one-gradient",
    ),
    wrong(
        "gpt_ignored_targets_in_the_mean",
        GPT,
        variant(GPT, ("dlogits *= valid / valid.sum()", "dlogits *= valid / targets.numel()")),
        _gpt_except(),
        mistake="ignored-in-mean",
        where="every gradient returned is wrong: the mistake is in dlogits (kata 21's "
        "cross-entropy), the first step",
    ),
    wrong(
        "gpt_first_block_attention_skip_dropped",
        GPT,
        variant(
            GPT,
            (
                "return dx2 + _layernorm(dln_1",
                'return (dx2 if h != "h.0." else 0) + _layernorm(dln_1',
            ),
        ),
        {"dwte": VALUES, "dwpe": VALUES},
        mistake="residual-skip-dropped",
        where="the mistake is between dh.0.x2 and dx (ln_1 and the attention's residual skip)",
    ),
    wrong(
        "gpt_final_layernorm_with_bessel",
        GPT,
        variant(
            GPT,
            (
                "xhat * (g * xhat).mean(-1, keepdim=True))",
                'xhat * (g * xhat).sum(-1, keepdim=True) / (x.shape[-1] - (name == "ln_f")))',
            ),
        ),
        _gpt_except("dln_f.weight", "dln_f.bias"),
        mistake="bessel-in-layernorm",
        where="the mistake is between dln_f.out and dh.1.out (LayerNorm ln_f)",
    ),
    wrong(
        "gpt_second_block_gelu_one_term",
        GPT,
        variant(
            GPT,
            (
                "    return dout * slope",
                '    return dout * (0.5 * (1 + t) if h == "h.1." else slope)',
            ),
            ("def _gelu(dout, x):", "def _gelu(dout, x, h):"),
            (
                'dfc = _gelu(dgelu, cache[h + "mlp.c_fc.out"])',
                'dfc = _gelu(dgelu, cache[h + "mlp.c_fc.out"], h)',
            ),
        ),
        _gpt_except("dln_f.weight", "dln_f.bias", "dh.1.mlp.c_proj.weight", "dh.1.mlp.c_proj.bias"),
        mistake="gelu-one-term",
        where="the mistake is between dh.1.mlp.gelu.out and dh.1.mlp.c_fc.out (GELU)",
    ),
    wrong(
        "gpt_repeated_tokens_overwrite",
        GPT,
        variant(
            GPT,
            (
                "dwte.index_add_(0, idx.view(-1), dx.view(B * T, -1))",
                "dwte[idx.view(-1)] += dx.view(B * T, -1)  # a token read twice keeps one",
            ),
        ),
        {"dwte": VALUES},
        mistake="repeated-rows",
    ),
    wrong(
        "gpt_dwpe_of_T_rows",
        GPT,
        variant(
            GPT,
            (
                '    grads["wpe"] = torch.zeros_like(params["wpe"])  # (block, C): rows T.. '
                "unused\n",
                "",
            ),
            ('grads["wpe"][:T] = dx.sum(0)', 'grads["wpe"] = dx.sum(0)  # (T, C)'),
        ),
        {"dwpe": SHAPE},
        phase=STRESS,
        mistake="dwpe-of-T-rows",
    ),
)

RIGHT: tuple[Case, ...] = (
    # ---- 01 backward_loss ----
    right(
        "loss_one_hot",
        "01_backward_loss",
        """
        import torch.nn.functional as F

        def backward_loss(logprobs, Yb, n):
            return -F.one_hot(Yb, logprobs.shape[1]).float() / n
        """,
    ),
    right(
        "loss_in_place_steps",
        "01_backward_loss",
        """
        import torch

        def backward_loss(logprobs, Yb, n):
            dlogprobs = torch.zeros_like(logprobs)
            dlogprobs[torch.arange(n), Yb] -= 1
            dlogprobs /= n
            return dlogprobs
        """,
    ),
    # ---- 02 backward_log ----
    right(
        "log_as_a_division",
        "02_backward_log",
        """
        def backward_log(probs, dlogprobs):
            return dlogprobs / probs
        """,
    ),
    # ---- 03 backward_normalize ----
    right(
        "dcounts_in_one_expression",
        "03_backward_normalize",
        """
        def backward_normalize(counts, counts_sum, counts_sum_inv, dprobs):
            dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)
            dcounts_sum = -dcounts_sum_inv / counts_sum**2
            dcounts = dprobs / counts_sum - (counts * dprobs).sum(1, keepdim=True) / counts_sum**2
            return {"dcounts_sum_inv": dcounts_sum_inv, "dcounts_sum": dcounts_sum,
                    "dcounts": dcounts}
        """,
    ),
    # ---- 04 backward_exp ----
    right(
        "exp_recomputed",
        "04_backward_exp",
        """
        def backward_exp(norm_logits, counts, dcounts):
            return norm_logits.exp() * dcounts
        """,
    ),
    # ---- 05 backward_max_shift ----
    right(
        "max_shift_torch_where",
        "05_backward_max_shift",
        """
        import torch

        def backward_max_shift(logits, logit_maxes, dnorm_logits):
            dlogit_maxes = -dnorm_logits.sum(1, keepdim=True)
            dlogits = torch.where(logits == logit_maxes, dnorm_logits + dlogit_maxes, dnorm_logits)
            return {"dlogit_maxes": dlogit_maxes, "dlogits": dlogits}
        """,
    ),
    right(
        "max_shift_one_hot_of_argmax",
        "05_backward_max_shift",
        """
        import torch.nn.functional as F

        def backward_max_shift(logits, logit_maxes, dnorm_logits):
            dlogit_maxes = -dnorm_logits.sum(1, keepdim=True)
            picked = F.one_hot(logits.argmax(1), num_classes=logits.shape[1])
            dlogits = dnorm_logits - picked * dnorm_logits.sum(1, keepdim=True)
            return {"dlogit_maxes": dlogit_maxes, "dlogits": dlogits}
        """,
    ),
    right(
        "max_shift_scatter_add",
        "05_backward_max_shift",
        """
        def backward_max_shift(logits, logit_maxes, dnorm_logits):
            dlogit_maxes = -dnorm_logits.sum(1, keepdim=True)
            dlogits = dnorm_logits.clone()
            dlogits.scatter_add_(1, logits.argmax(1, keepdim=True), dlogit_maxes)
            return {"dlogit_maxes": dlogit_maxes, "dlogits": dlogits}
        """,
    ),
    # ---- 06 backward_linear2 ----
    right(
        "linear2_einsum",
        "06_backward_linear2",
        """
        import torch

        def backward_linear2(h, W2, b2, dlogits):
            return {"dh": torch.einsum("nk,hk->nh", dlogits, W2),
                    "dW2": torch.einsum("nh,nk->hk", h, dlogits),
                    "db2": torch.einsum("nk->k", dlogits)}
        """,
    ),
    right(
        "linear2_float64",
        "06_backward_linear2",
        """
        def backward_linear2(h, W2, b2, dlogits):
            h, W2, dlogits = h.double(), W2.double(), dlogits.double()
            return {"dh": dlogits @ W2.T, "dW2": h.T @ dlogits, "db2": dlogits.sum(0)}
        """,
    ),
    # ---- 07 backward_tanh ----
    right(
        "tanh_float64",
        "07_backward_tanh",
        """
        def backward_tanh(hpreact, h, dh):
            return (1 - h.double() ** 2) * dh.double()
        """,
    ),
    right(
        "tanh_as_sech_squared",
        "07_backward_tanh",
        """
        import torch

        def backward_tanh(hpreact, h, dh):
            return dh / torch.cosh(hpreact) ** 2
        """,
    ),
    # ---- 08 backward_bn_affine ----
    right(
        "bn_affine_unsqueeze",
        "08_backward_bn_affine",
        """
        def backward_bn_affine(bngain, bnraw, bnbias, dhpreact):
            return {"dbngain": (bnraw * dhpreact).sum(0).unsqueeze(0),
                    "dbnbias": dhpreact.sum(0).view(bnbias.shape),
                    "dbnraw": bngain.expand_as(bnraw) * dhpreact}
        """,
    ),
    # ---- 09 backward_bn_stats ----
    right(
        "bn_stats_rewritten",
        "09_backward_bn_stats",
        """
        def backward_bn_stats(hprebn, bnmeani, bndiff, bndiff2, bnvar, bnvar_inv, n, dbnraw):
            dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
            dbnvar = -0.5 * bnvar_inv**3 * dbnvar_inv
            dbndiff2 = dbnvar.expand_as(bndiff2) / (n - 1)
            dbndiff = bnvar_inv * dbnraw
            dbndiff += 2 * bndiff * dbndiff2
            dbnmeani = -dbndiff.sum(0, keepdim=True)
            dhprebn = dbndiff + dbnmeani / n
            return {"dbnvar_inv": dbnvar_inv, "dbnvar": dbnvar, "dbndiff2": dbndiff2,
                    "dbndiff": dbndiff, "dbnmeani": dbnmeani, "dhprebn": dhprebn}
        """,
    ),
    right(
        "bn_stats_float64",
        "09_backward_bn_stats",
        """
        import torch

        def backward_bn_stats(hprebn, bnmeani, bndiff, bndiff2, bnvar, bnvar_inv, n, dbnraw):
            bndiff, bnvar, dbnraw = bndiff.double(), bnvar.double(), dbnraw.double()
            bnvar_inv = (bnvar + 1e-5) ** -0.5
            dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
            dbnvar = -0.5 * (bnvar + 1e-5) ** -1.5 * dbnvar_inv
            dbndiff2 = torch.ones_like(bndiff) / (n - 1) * dbnvar
            dbndiff = bnvar_inv * dbnraw + 2 * bndiff * dbndiff2
            dbnmeani = -dbndiff.sum(0, keepdim=True)
            dhprebn = dbndiff + torch.ones_like(bndiff) / n * dbnmeani
            return {"dbnvar_inv": dbnvar_inv, "dbnvar": dbnvar, "dbndiff2": dbndiff2,
                    "dbndiff": dbndiff, "dbnmeani": dbnmeani, "dhprebn": dhprebn}
        """,
    ),
    # ---- 10 backward_linear1 ----
    right(
        "linear1_einsum",
        "10_backward_linear1",
        """
        import torch

        def backward_linear1(embcat, W1, b1, dhprebn):
            return {"dembcat": torch.einsum("nh,ih->ni", dhprebn, W1),
                    "dW1": torch.einsum("ni,nh->ih", embcat, dhprebn),
                    "db1": torch.einsum("nh->h", dhprebn)}
        """,
    ),
    # ---- 11 backward_embedding ----
    right(
        "dC_python_loop",
        "11_backward_embedding",
        """
        import torch

        def backward_embedding(C, Xb, emb, dembcat):
            demb = dembcat.view(emb.shape)
            dC = torch.zeros_like(C)
            for i in range(Xb.shape[0]):
                for j in range(Xb.shape[1]):
                    dC[Xb[i, j]] += demb[i, j]
            return {"demb": demb, "dC": dC}
        """,
    ),
    right(
        "dC_scatter_add",
        "11_backward_embedding",
        """
        import torch

        def backward_embedding(C, Xb, emb, dembcat):
            demb = dembcat.view(emb.shape)
            index = Xb.view(-1, 1).expand(-1, C.shape[1])
            dC = torch.zeros(C.shape).scatter_add_(0, index, demb.view(-1, C.shape[1]))
            return {"demb": demb, "dC": dC}
        """,
    ),
    right(
        "dC_index_put_accumulate",
        "11_backward_embedding",
        """
        import torch

        def backward_embedding(C, Xb, emb, dembcat):
            demb = dembcat.reshape(emb.shape)
            dC = torch.zeros_like(C)
            dC.index_put_((Xb.flatten(),), demb.reshape(-1, C.shape[1]), accumulate=True)
            return {"demb": demb, "dC": dC}
        """,
    ),
    right(
        "dC_one_hot_matmul",
        "11_backward_embedding",
        """
        import torch.nn.functional as F

        def backward_embedding(C, Xb, emb, dembcat):
            demb = dembcat.view(emb.shape)
            one_hot = F.one_hot(Xb.view(-1), num_classes=C.shape[0]).float()
            return {"demb": demb, "dC": one_hot.T @ demb.view(-1, C.shape[1])}
        """,
    ),
    # ---- 12 backward_cross_entropy ----
    right(
        "cross_entropy_one_hot",
        "12_backward_cross_entropy",
        """
        import torch.nn.functional as F

        def backward_cross_entropy(logits, Yb, n):
            return (F.softmax(logits, 1) - F.one_hot(Yb, logits.shape[1])) / n
        """,
    ),
    right(
        "cross_entropy_manual_softmax",
        "12_backward_cross_entropy",
        """
        def backward_cross_entropy(logits, Yb, n):
            counts = (logits - logits.max(1, keepdim=True).values).exp()
            probs = counts / counts.sum(1, keepdim=True)
            probs[range(n), Yb] -= 1
            return probs / n
        """,
    ),
    right(
        "cross_entropy_logsumexp",
        "12_backward_cross_entropy",
        """
        import torch

        def backward_cross_entropy(logits, Yb, n):
            dlogits = (logits - torch.logsumexp(logits, 1, keepdim=True)).exp()
            dlogits[torch.arange(n), Yb] -= 1.0
            return dlogits / n
        """,
    ),
    # ---- 13 backward_batchnorm ----
    right(
        "batchnorm_float64",
        "13_backward_batchnorm",
        """
        def backward_batchnorm(hprebn, bngain, bnvar_inv, bnraw, n, dhpreact):
            g, v, r, d = bngain.double(), bnvar_inv.double(), bnraw.double(), dhpreact.double()
            return g * v / n * (n * d - d.sum(0) - n / (n - 1) * r * (d * r).sum(0))
        """,
    ),
    right(
        "batchnorm_as_separate_steps",
        "13_backward_batchnorm",
        """
        def backward_batchnorm(hprebn, bngain, bnvar_inv, bnraw, n, dhpreact):
            dbnraw = bngain * dhpreact
            bndiff = hprebn - hprebn.mean(0, keepdim=True)
            dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
            dbnvar = -0.5 * bnvar_inv**3 * dbnvar_inv
            dbndiff = bnvar_inv * dbnraw + 2 * bndiff * dbnvar / (n - 1)
            dhprebn = dbndiff - dbndiff.sum(0, keepdim=True) / n
            return dhprebn
        """,
    ),
    right(
        "batchnorm_recomputed_statistics",
        "13_backward_batchnorm",
        """
        def backward_batchnorm(hprebn, bngain, bnvar_inv, bnraw, n, dhpreact):
            var = hprebn.var(0, keepdim=True, unbiased=True)
            inv = (var + 1e-5) ** -0.5
            raw = (hprebn - hprebn.mean(0, keepdim=True)) * inv
            mean_d = dhpreact.mean(0, keepdim=True)
            mean_dr = (dhpreact * raw).sum(0, keepdim=True) / (n - 1)
            return bngain * inv * (dhpreact - mean_d - raw * mean_dr)
        """,
    ),
    # ---- 14 backward_mlp ----
    right(
        "mlp_float64",
        "14_backward_mlp",
        """
        import torch

        def backward_mlp(Xb, Yb, C, W1, b1, W2, b2, bngain, bnbias, emb, embcat, hprebn,
                         bnvar_inv, bnraw, h, logits, n):
            C, W1, W2, bngain = C.double(), W1.double(), W2.double(), bngain.double()
            embcat, bnvar_inv, bnraw = embcat.double(), bnvar_inv.double(), bnraw.double()
            h, logits = h.double(), logits.double()
            dlogits = torch.softmax(logits, 1)
            dlogits[range(n), Yb] -= 1
            dlogits /= n
            dh = dlogits @ W2.T
            dhpreact = (1.0 - h**2) * dh
            dhprebn = bngain * bnvar_inv / n * (
                n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
            dC = torch.zeros_like(C)
            dC.index_add_(0, Xb.view(-1), (dhprebn @ W1.T).view(-1, C.shape[1]))
            return {"dC": dC, "dW1": embcat.T @ dhprebn, "db1": dhprebn.sum(0),
                    "dW2": h.T @ dlogits, "db2": dlogits.sum(0),
                    "dbngain": (bnraw * dhpreact).sum(0, keepdim=True),
                    "dbnbias": dhpreact.sum(0, keepdim=True)}
        """,
    ),
    right(
        "mlp_einsum_one_hot_and_steps",
        "14_backward_mlp",
        """
        import torch
        import torch.nn.functional as F

        def backward_mlp(Xb, Yb, C, W1, b1, W2, b2, bngain, bnbias, emb, embcat, hprebn,
                         bnvar_inv, bnraw, h, logits, n):
            dlogits = (F.softmax(logits, 1) - F.one_hot(Yb, logits.shape[1])) / n
            dh = torch.einsum("nk,hk->nh", dlogits, W2)
            dW2 = torch.einsum("nh,nk->hk", h, dlogits)
            db2 = dlogits.sum(0)
            dhpreact = (1 - h**2) * dh
            dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
            dbnbias = dhpreact.sum(0, keepdim=True)
            dbnraw = bngain * dhpreact
            bndiff = bnraw / bnvar_inv
            dbnvar = -0.5 * bnvar_inv**3 * (bndiff * dbnraw).sum(0, keepdim=True)
            dbndiff = bnvar_inv * dbnraw + 2 * bndiff * dbnvar / (n - 1)
            dhprebn = dbndiff - dbndiff.mean(0, keepdim=True)
            dembcat = torch.einsum("nh,ih->ni", dhprebn, W1)
            dW1 = torch.einsum("ni,nh->ih", embcat, dhprebn)
            db1 = dhprebn.sum(0)
            demb = dembcat.view(emb.shape)
            dC = torch.zeros_like(C)
            for i in range(Xb.shape[0]):
                for j in range(Xb.shape[1]):
                    dC[Xb[i, j]] += demb[i, j]
            return {"dC": dC, "dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2,
                    "dbngain": dbngain, "dbnbias": dbnbias}
        """,
    ),
    right(
        "mlp_db1_is_exactly_zero_behind_batchnorm",
        "14_backward_mlp",
        """
        import torch
        import torch.nn.functional as F

        def backward_mlp(Xb, Yb, C, W1, b1, W2, b2, bngain, bnbias, emb, embcat, hprebn,
                         bnvar_inv, bnraw, h, logits, n):
            dlogits = F.softmax(logits, 1)
            dlogits[range(n), Yb] -= 1
            dlogits /= n
            dhpreact = (1.0 - h**2) * (dlogits @ W2.T)
            dhprebn = bngain * bnvar_inv / n * (
                n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
            dC = torch.zeros_like(C)
            dC.index_add_(0, Xb.view(-1), (dhprebn @ W1.T).view(-1, C.shape[1]))
            # BatchNorm subtracts the batch mean, so b1 cannot change the loss at all
            return {"dC": dC, "dW1": embcat.T @ dhprebn, "db1": torch.zeros_like(b1),
                    "dW2": h.T @ dlogits, "db2": dlogits.sum(0),
                    "dbngain": (bnraw * dhpreact).sum(0, keepdim=True),
                    "dbnbias": dhpreact.sum(0, keepdim=True)}
        """,
    ),
    # ==== level 2: a character-level GPT ====
    # ---- 15 backward_encoder ----
    right(
        "encoder_python_loops",
        "15_backward_encoder",
        """
        import torch

        def backward_encoder(idx, wte, wpe, dx):
            B, T = idx.shape
            dwte = torch.zeros_like(wte)
            dwpe = torch.zeros_like(wpe)
            for b in range(B):
                for t in range(T):
                    dwte[idx[b, t]] += dx[b, t]
                    dwpe[t] += dx[b, t]
            return {"dwte": dwte, "dwpe": dwpe}
        """,
    ),
    right(
        "encoder_one_hot_matmul_and_padding",
        "15_backward_encoder",
        """
        import torch
        import torch.nn.functional as F

        def backward_encoder(idx, wte, wpe, dx):
            B, T = idx.shape
            C = dx.shape[-1]
            onehot = F.one_hot(idx.reshape(-1), wte.shape[0]).to(dx.dtype)  # (B*T, V)
            dwte = onehot.T @ dx.reshape(B * T, C)
            rows = wpe.shape[0] - T
            dwpe = F.pad(dx.sum(0), (0, 0, 0, rows))
            return {"dwte": dwte, "dwpe": dwpe}
        """,
    ),
    right(
        "encoder_scatter_add_in_float64",
        "15_backward_encoder",
        """
        import torch

        def backward_encoder(idx, wte, wpe, dx):
            T, C = idx.shape[1], dx.shape[-1]
            dx = dx.double()
            index = idx.reshape(-1, 1).expand(-1, C)
            dwte = torch.zeros(wte.shape, dtype=torch.float64)
            dwte.scatter_add_(0, index, dx.reshape(-1, C))
            dwpe = torch.zeros(wpe.shape, dtype=torch.float64)
            dwpe[:T] = dx.sum(0)
            return {"dwte": dwte, "dwpe": dwpe}
        """,
    ),
    # ---- 16 backward_layernorm ----
    right(
        "layernorm_recomputed_statistics",
        "16_backward_layernorm",
        """
        def backward_layernorm(x, weight, bias, mean, rstd, dout):
            mu = x.mean(-1, keepdim=True)
            inv = (x.var(-1, keepdim=True, unbiased=False) + 1e-5) ** -0.5
            xhat = (x - mu) * inv
            g = dout * weight
            dx = inv * (g - g.mean(-1, keepdim=True) - xhat * (g * xhat).mean(-1, keepdim=True))
            return {"dx": dx, "dweight": (dout * xhat).sum((0, 1)), "dbias": dout.sum((0, 1))}
        """,
    ),
    right(
        "layernorm_atom_by_atom",
        "16_backward_layernorm",
        """
        def backward_layernorm(x, weight, bias, mean, rstd, dout):
            C = x.shape[-1]
            diff = x - mean
            xhat = diff * rstd
            dxhat = dout * weight
            drstd = (dxhat * diff).sum(-1, keepdim=True)
            dvar = -0.5 * rstd**3 * drstd  # (var + 1e-5)**-1.5 is rstd**3
            ddiff = dxhat * rstd + 2 * diff / C * dvar
            dmean = -ddiff.sum(-1, keepdim=True)
            dx = ddiff + dmean / C
            return {"dx": dx, "dweight": (dout * xhat).sum((0, 1)), "dbias": dout.sum((0, 1))}
        """,
    ),
    right(
        "layernorm_float64_einsum",
        "16_backward_layernorm",
        """
        import torch

        def backward_layernorm(x, weight, bias, mean, rstd, dout):
            x, mean, rstd, dout = x.double(), mean.double(), rstd.double(), dout.double()
            xhat = (x - mean) * rstd
            g = dout * weight.double()
            C = x.shape[-1]
            var_path = xhat * (g * xhat).sum(-1, keepdim=True)
            dx = rstd / C * (C * g - g.sum(-1, keepdim=True) - var_path)
            return {"dx": dx, "dweight": torch.einsum("btc,btc->c", dout, xhat),
                    "dbias": torch.einsum("btc->c", dout)}
        """,
    ),
    # ---- 17 backward_linear ----
    right(
        "linear_einsum",
        "17_backward_linear",
        """
        import torch

        def backward_linear(inp, weight, bias, dout):
            return {
                "dinp": torch.einsum("bto,oc->btc", dout, weight),
                "dweight": torch.einsum("bto,btc->oc", dout, inp),
                "dbias": torch.einsum("bto->o", dout),
            }
        """,
    ),
    right(
        "linear_a_loop_over_the_batch",
        "17_backward_linear",
        """
        import torch

        def backward_linear(inp, weight, bias, dout):
            dweight = torch.zeros_like(weight)
            for b in range(inp.shape[0]):
                dweight += dout[b].T @ inp[b]
            return {"dinp": dout @ weight, "dweight": dweight, "dbias": dout.sum(0).sum(0)}
        """,
    ),
    # ---- 18 backward_gelu ----
    right(
        "gelu_with_sech_squared",
        "18_backward_gelu",
        """
        import math

        import torch

        def backward_gelu(x, dout):
            k = math.sqrt(2 / math.pi)
            u = k * (x + 0.044715 * x**3)
            sech2 = 1 / torch.cosh(u) ** 2
            local = 0.5 * (1 + torch.tanh(u)) + 0.5 * x * sech2 * k * (1 + 0.134145 * x**2)
            return dout * local
        """,
    ),
    right(
        "gelu_in_float64",
        "18_backward_gelu",
        """
        import math

        import torch

        def backward_gelu(x, dout):
            x = x.double()
            th = torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))
            du = math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * x**2)
            return dout.double() * (0.5 * (1 + th) + 0.5 * x * (1 - th * th) * du)
        """,
    ),
    # ---- 19 backward_causal_softmax ----
    right(
        "causal_softmax_jacobian_by_einsum",
        "19_backward_causal_softmax",
        """
        import torch

        def backward_causal_softmax(att, datt):
            # J[i, j] = att_i (delta_ij - att_j), row by row
            jac = torch.diag_embed(att) - att.unsqueeze(-1) * att.unsqueeze(-2)
            return torch.einsum("bhtij,bhti->bhtj", jac, datt)
        """,
    ),
    right(
        "causal_softmax_masked_again_to_be_safe",
        "19_backward_causal_softmax",
        """
        import torch

        def backward_causal_softmax(att, datt):
            T = att.shape[-1]
            mask = torch.tril(torch.ones(T, T))
            dpreatt = att * (datt - (att * datt).sum(-1, keepdim=True))
            return dpreatt.masked_fill(mask == 0, 0.0)
        """,
    ),
    # ---- 20 backward_attention ----
    right(
        "attention_head_by_head",
        "20_backward_attention",
        """
        import math

        import torch

        def backward_attention(qkv, att, n_head, dy):
            B, T, C3 = qkv.shape
            C = C3 // 3
            hs = C // n_head
            dqkv = torch.zeros_like(qkv)
            for h in range(n_head):
                cols = slice(h * hs, (h + 1) * hs)
                q, k, v = qkv[:, :, cols], qkv[:, :, C:][:, :, cols], qkv[:, :, 2 * C:][:, :, cols]
                a, d = att[:, h], dy[:, :, cols]
                datt = d @ v.transpose(1, 2)
                dpre = a * (datt - (a * datt).sum(-1, keepdim=True))
                dqkv[:, :, cols] = dpre @ k / math.sqrt(hs)
                dqkv[:, :, C:][:, :, cols] = dpre.transpose(1, 2) @ q / math.sqrt(hs)
                dqkv[:, :, 2 * C:][:, :, cols] = a.transpose(1, 2) @ d
            return dqkv
        """,
    ),
    right(
        "attention_einsum",
        "20_backward_attention",
        """
        import torch

        def backward_attention(qkv, att, n_head, dy):
            B, T, C = qkv.shape[0], qkv.shape[1], qkv.shape[2] // 3
            hs = C // n_head
            q, k, v = (t.reshape(B, T, n_head, hs) for t in qkv.split(C, dim=2))  # (B, T, NH, hs)
            dy_h = dy.reshape(B, T, n_head, hs)
            datt = torch.einsum("bihd,bjhd->bhij", dy_h, v)
            dv = torch.einsum("bhij,bihd->bjhd", att, dy_h)
            dpre = att * (datt - (att * datt).sum(-1, keepdim=True)) * hs**-0.5
            dq = torch.einsum("bhij,bjhd->bihd", dpre, k)
            dk = torch.einsum("bhij,bihd->bjhd", dpre, q)
            return torch.cat([d.reshape(B, T, C) for d in (dq, dk, dv)], dim=2)
        """,
    ),
    # ---- 21 backward_cross_entropy_seq ----
    right(
        "cross_entropy_seq_flattened_rows",
        "21_backward_cross_entropy_seq",
        """
        import torch

        def backward_cross_entropy_seq(logits, targets):
            B, T, V = logits.shape
            flat, tgt = logits.reshape(-1, V), targets.reshape(-1)
            rows = torch.nonzero(tgt != -1).flatten()
            dflat = torch.zeros_like(flat)
            probs = torch.softmax(flat[rows], dim=-1)
            probs[torch.arange(len(rows)), tgt[rows]] -= 1
            dflat[rows] = probs / len(rows)
            return dflat.reshape(B, T, V)
        """,
    ),
    right(
        "cross_entropy_seq_by_hand_with_the_max_shift",
        "21_backward_cross_entropy_seq",
        """
        import torch
        import torch.nn.functional as F

        def backward_cross_entropy_seq(logits, targets):
            valid = (targets != -1).unsqueeze(-1)
            counts = (logits - logits.max(-1, keepdim=True).values).exp()
            probs = counts / counts.sum(-1, keepdim=True)
            onehot = F.one_hot(torch.where(targets == -1, 0, targets), logits.shape[-1])
            return torch.where(valid, probs - onehot, 0.0) / valid.sum()
        """,
    ),
    # ---- 22 backward_block ----
    right(
        "block_layernorm_by_its_steps_and_attention_by_einsum",
        BLOCK,
        variant(
            BLOCK,
            (
                '    g = dout * params[name + ".weight"]  # the gradient at xhat\n'
                "    return rstd * (g - g.mean(-1, keepdim=True)"
                " - xhat * (g * xhat).mean(-1, keepdim=True))",
                "    C = x.shape[-1]\n"
                '    dxhat = dout * params[name + ".weight"]\n'
                '    drstd = (dxhat * (x - cache[name + ".mean"])).sum(-1, keepdim=True)\n'
                "    dvar = -0.5 * rstd**3 * drstd\n"
                '    ddiff = dxhat * rstd + 2 * (x - cache[name + ".mean"]) / C * dvar\n'
                "    return ddiff - ddiff.mean(-1, keepdim=True)",
            ),
            (
                "datt = dy_h @ v.transpose(-2, -1)",
                'datt = torch.einsum("bhtd,bhsd->bhts", dy_h, v)',
            ),
        ),
    ),
    # ---- 23 backward_gpt ----
    right(
        "gpt_wte_summed_once_and_dwpe_padded",
        GPT,
        variant(
            GPT,
            ("    dwte.index_add_(0, idx.view(-1), dx.view(B * T, -1))\n", ""),
            (
                '    grads["wte"] = dwte\n',
                "    onehot = F.one_hot(idx.view(-1), V).to(dx.dtype)  # (B*T, V)\n"
                '    grads["wte"] = dwte + onehot.T @ dx.view(B * T, -1)\n',
            ),
            (
                'grads["wpe"] = torch.zeros_like(params["wpe"])  # (block, C): rows T.. unused\n'
                '    grads["wpe"][:T] = dx.sum(0)',
                'grads["wpe"] = F.pad(dx.sum(0), (0, 0, 0, params["wpe"].shape[0] - T))',
            ),
        ),
    ),
)

CASES: tuple[Case, ...] = WRONG + RIGHT
BY_CASE: dict[str, Case] = {c.id: c for c in CASES}
assert len(BY_CASE) == len(CASES), "case ids must be unique"
