"""Level 2's grading phases, as a learner reads about them (no torch).

A learner knows two phases: the first (the lecture phase), and the stress phase. The stress
phase is graded on four batches, each a `Phase` of its own for the grading core (one cache
each, so one batch's extreme numbers never loosen another's tolerance):

- **lecture**: the GPT as it is, on 8 names of the level's word list padded to the block size
  (16), upstream gradients from its loss;
- **stress**: other sizes (T = 11 < 16, so rows of `wpe` go unused; C = 40 over 5 heads), a
  sequence whose targets are all ignored, a token absent from the batch, random upstream
  gradients;
- **stress-eps**: two rows of the first LayerNorm's input nearly constant, their variance 1e-5
  and 4e-5, as small as eps: there the + 1e-5 of rstd is half the story;
- **stress-saturated**: logits of 100 and more, a row's max 100 or more above its mean, where
  an exp without the max shift (or shifted by the mean) overflows float32;
- **stress-tail**: the first block's GELU inputs in GELU's negative tail (about -4 to -1),
  where its slope is small and the tanh form's derivative and the exact (erf) GELU's differ
  by up to a hundred times the tolerance.

Each batch's construction is in `caches`; `tests/test_margin.py` measures that correct answers
stay ten times below the tolerance in every one, and names what each one catches.
"""

from __future__ import annotations

from pytest_ninja.core.level import Phase

LECTURE = "lecture"
STRESS = "stress"
EPS = "stress-eps"
SATURATED = "stress-saturated"
TAIL = "stress-tail"
PHASES = (LECTURE, STRESS, EPS, SATURATED, TAIL)

LECTURE_SEED = 1337
LECTURE_BATCH = 8  # names; T is the block size, 16

STRESS_SEED = 20_231_108
# (B, T, C, n_head) of each stress batch: T < 16 everywhere, no size of the first phase
STRESS_SIZES = (6, 11, 40, 5)
EPS_SIZES = (5, 13, 36, 6)
SATURATED_SIZES = (7, 9, 32, 2)
TAIL_SIZES = (4, 12, 28, 7)

EPS_ROWS = ((0, 3), (1, 7))  # (b, t) of the encoder output made nearly constant
EPS_VARIANCES = (1e-5, 4e-5)  # their variance over the channels; eps is 1e-5
# the least of the largest logit and of a row's largest max - mean: exp(100) overflows float32
SATURATED_TOP = 100.0
TAIL_MEAN, TAIL_STD = -2.3, 0.4  # of every GELU input of the first block, channel by channel

PHASE_WORDS = (
    Phase(
        LECTURE,
        "the lecture phase (8 names padded to the block size 16, C = 48, 4 heads, upstream "
        "gradients from the GPT's loss)",
    ),
    Phase(
        STRESS,
        "the stress phase (B = 6, T = 11 < the block size 16, so wpe has rows no position "
        "uses; C = 40 over 5 heads; a sequence whose targets are all ignored; random upstream "
        "gradients); it passes the lecture's batch, so check for numbers hard-wired to it, "
        "or a term that is ~0 only there",
        after="(in the stress phase: B = 6, T = 11, C = 40, 5 heads)",
    ),
    Phase(
        EPS,
        "the stress phase, in a batch with LayerNorm rows of almost no variance (1e-5, as "
        "small as LayerNorm's eps): eps matters there",
        after="(in the stress phase: a LayerNorm row of almost no variance)",
        suspect=(
            "right except where a row's variance is as small as eps: keep the + 1e-5 of "
            "rstd = (var + 1e-5)**-0.5 wherever the variance appears (or use the rstd given)"
        ),
    ),
    Phase(
        SATURATED,
        f"the stress phase, in a batch of large logits ({SATURATED_TOP:g} and more) where "
        "softmax saturates: exp overflows float32 there",
        after="(in the stress phase: large logits)",
        suspect=(
            "right except where logits are large: subtract each row's max before exp, "
            "never a mean or nothing"
        ),
    ),
    Phase(
        TAIL,
        "the stress phase, in a batch whose GELU inputs sit in its negative tail (about -4 "
        "to -1), where GELU's slope is small and its tanh form differs most from the exact "
        "GELU",
        after="(in the stress phase: GELU inputs in its negative tail)",
        suspect=(
            "right except in GELU's tail: differentiate the tanh form of the forward pass, "
            "not the exact GELU (with erf) it approximates"
        ),
    ),
)
