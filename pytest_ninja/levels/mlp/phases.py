"""Level 1's two grading phases, as a learner reads about them (no torch).

- **lecture**: the lecture's own batch of 32 and hidden size 64, upstream gradients from its
  loss: what the video checks.
- **stress**: a batch of 23 and hidden size 40 built to break guesses (a repeated context, a
  character absent), random upstream gradients: see `caches`.
"""

from __future__ import annotations

from pytest_ninja.core.level import Phase

LECTURE = "lecture"
STRESS = "stress"
PHASES = (LECTURE, STRESS)

STRESS_SEED = 20_231_107
STRESS_BATCH = 23  # not 32: a hard-wired 32 must fail
STRESS_HIDDEN = 40  # not 64: a hard-wired 64 must fail

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
)
