"""Level 1's grading phases, as a learner reads about them (no torch).

A learner knows two phases: the lecture's, and the stress phase. The stress phase is graded on
four batches, each a `Phase` of its own for the grading core (one cache each, so one batch's
extreme numbers never loosen another's tolerance), and each named in the words of the stress
phase ("failed in the stress phase, in a batch with a hidden unit of almost no variance: ..."):

- **lecture**: the lecture's own batch of 32 and hidden size 64, upstream gradients from its
  loss: what the video checks;
- **stress**: a batch of 23 and hidden size 40 built to break guesses (a repeated context, a
  character absent), random upstream gradients;
- **stress-eps**: two hidden units whose pre-activation is nearly constant, their variance 1e-5
  and 4e-5, as small as BatchNorm's eps: there the + 1e-5 of bnvar_inv is half the story;
- **stress-saturated**: logits up to 100, each row up to 50 wide, so softmax saturates: an exp
  without the max shift overflows float32, and probabilities near 1e-21 make anything added
  to a denominator show;
- **stress-small**: a batch of 4, where Bessel's n/(n-1) is 1.33, far from 1, so a factor that
  is ~1 for a batch of 23 or 32 is not (not 2: two rows normalise to +-1/sqrt(2) whatever they
  are, and BatchNorm's gradient is then rounding noise). Last, because a column of 4 values
  can have a small variance by chance: a mistake about eps is then told in the words of the
  batch built for it.

Each batch's construction is in `caches`; `tests/test_margin.py` measures that correct answers
stay ten times below the tolerance in every one, and names what each one catches.
"""

from __future__ import annotations

from pytest_ninja.core.level import Phase

LECTURE = "lecture"
STRESS = "stress"
SMALL = "stress-small"
EPS = "stress-eps"
SATURATED = "stress-saturated"
PHASES = (LECTURE, STRESS, EPS, SATURATED, SMALL)  # the small batch last: see above

STRESS_SEED = 20_231_107
STRESS_BATCH = 23  # not 32: a hard-wired 32 must fail
STRESS_HIDDEN = 40  # not 64: a hard-wired 64 must fail
SMALL_BATCH, SMALL_HIDDEN = 4, 16  # not 3, the block size, which would hide a mix-up with it
EPS_BATCH, EPS_HIDDEN = 19, 24
EPS_VARIANCES = (1e-5, 4e-5)  # of the first hidden units' pre-activations; eps is 1e-5
SATURATED_BATCH, SATURATED_HIDDEN = 20, 48
SATURATED_TOP = 100.0  # the largest logit: exp(100) overflows float32 (its max is ~3.4e38)
SATURATED_GAP = 50.0  # the widest row: probabilities down to ~e**-50, well within float32

PHASE_WORDS = (
    Phase(
        LECTURE,
        "the lecture phase (the lecture's batch of 32, upstream gradients from its loss)",
    ),
    Phase(
        STRESS,
        f"the stress phase (a batch of {STRESS_BATCH}, hidden size {STRESS_HIDDEN}, random "
        "upstream gradients); it passes the lecture's batch, so check for numbers hard-wired "
        "to it, or a term that is ~0 only there",
        after=f"(in the stress phase: a batch of {STRESS_BATCH}, hidden size {STRESS_HIDDEN})",
    ),
    Phase(
        EPS,
        "the stress phase, in a batch with a hidden unit of almost no variance (1e-5, as "
        "small as BatchNorm's eps): BatchNorm's eps matters there",
        after="(in the stress phase: a hidden unit of almost no variance)",
        suspect=(
            "right except where a variance is as small as eps: keep the + 1e-5 of "
            "bnvar_inv = (bnvar + 1e-5)**-0.5 wherever the variance appears"
        ),
    ),
    Phase(
        SATURATED,
        f"the stress phase, in a batch of large logits (up to {SATURATED_TOP:g}) where "
        "softmax saturates: exp overflows float32 there, and probabilities are as small as "
        "1e-21",
        after="(in the stress phase: large logits)",
        suspect=(
            "right except where logits are large: subtract each row's max before exp, and add "
            "nothing to a denominator (a + 1e-8 swamps a probability of 1e-21)"
        ),
    ),
    Phase(
        SMALL,
        f"the stress phase, in a batch of {SMALL_BATCH}, where Bessel's n/(n-1) is "
        f"{SMALL_BATCH / (SMALL_BATCH - 1):.2f}, far from 1: a factor that is ~1 for a batch "
        "of 23 or 32 is not ~1 here",
        after=f"(in the stress phase: a batch of {SMALL_BATCH})",
        suspect=(
            "right for large batches only: look for a factor that is ~1 only when n is large, "
            "such as Bessel's n/(n-1) written another way"
        ),
    ),
)
