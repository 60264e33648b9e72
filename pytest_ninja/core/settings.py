"""How a kata is graded: the settings every front end hands the grading core (no torch).

The pytest options that set them are the loop's (`loop.options`) and class grading's
(`classroom.options`); watch mode and the notebook make their own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """How a kata is graded."""

    time_limit: float | None = 10.0  # seconds per call of the learner's function; None: none
    stress_seed: int | None = None  # None: the dojo's fixed stress seed
    timeout_flag: str = "--ninja-timeout"  # how the command in use sets the time limit


DEFAULTS = Settings()
