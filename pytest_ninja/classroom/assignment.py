"""A teacher's assignment: the katas, their points, the limits, and the one command line that
grades it (`pytest-ninja grade`), which every template and bundle runs.

`grade_command` is the only place a grading command line is written, so how a class is graded
changes in the package, never in a template copied into a hundred repositories.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from pytest_ninja.classroom.scoring import Scheme
from pytest_ninja.core.level import Kata
from pytest_ninja.levels import FIRST

PYTHON = "3.12"  # the Python to pin for an assignment: CPU torch wheels exist for it everywhere
CPU_TORCH_INDEX = "https://download.pytorch.org/whl/cpu"


@dataclass(frozen=True)
class Assignment:
    """What the teacher chose."""

    katas: tuple[Kata, ...] = FIRST
    points: dict[str, int] = field(default_factory=dict)
    all_or_nothing: bool = False
    kata_time_limit: float = 10.0  # seconds per kata and phase
    time_limit: float = 600.0  # seconds for the whole grading
    install: str = ""  # the pip requirement a student-side workflow installs the dojo from

    @property
    def scheme(self) -> Scheme:
        return Scheme(self.katas, self.points, self.all_or_nothing)

    def grade_arguments(self, platform: str, *extra: str) -> list[str]:
        """`grade`'s arguments for this assignment (after `pytest-ninja`)."""
        args = ["grade", *extra, "--for", platform]
        if set(self.katas) != set(FIRST):  # grade's default: level 1's
            args += ["--katas", ",".join(k.id[:2] for k in self.katas)]
        points = ",".join(
            f"{k.id[:2]}={self.points[k.id]}" for k in self.katas if self.points.get(k.id, 1) != 1
        )
        if points:
            args += ["--points", points]
        if self.all_or_nothing:
            args.append("--all-or-nothing")
        args += ["--kata-time-limit", f"{self.kata_time_limit:g}"]
        args += ["--time-limit", f"{self.time_limit:g}"]
        return args

    def grade_command(self, platform: str, *extra: str, python: str = "python") -> str:
        """The shell command that grades it: `python -I -m pytest_ninja.cli grade ...` (`-I`: no
        module of the student's folder can stand in for the grader's)."""
        args = [python, "-I", "-m", "pytest_ninja.cli", *self.grade_arguments(platform, *extra)]
        return shlex.join(args)
