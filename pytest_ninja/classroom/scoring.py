"""Scores for a class: which katas count and their points (a `Scheme`), one `Score` per kata.

Plain data in (each kata's `KataResult` from this run), plain data out; `documents` renders
them for each grading system. One policy everywhere, in whole points: a kata of P points with
n checks, k of them passing, scores ⌊P·k/n⌋ (all P when every check passes); in
all-or-nothing mode it scores P only when every check passes. A kata or a check this run did
not grade scores nothing: a grader must never read silence as a pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from pytest_ninja.core.level import Kata
from pytest_ninja.core.result import CheckResult, KataResult, Status, every_check
from pytest_ninja.levels import FIRST, KATAS, find

# the documents' own words for a kata's status (a todo kata is a failed one to a grader)
WORDS = {Status.PASSED: "pass", Status.FAILED: "fail", Status.TODO: "fail", Status.ERROR: "error"}


@dataclass(frozen=True)
class Scheme:
    """What the teacher decided: which katas count, their points, partial credit or not."""

    katas: tuple[Kata, ...] = FIRST
    points: dict[str, int] = field(default_factory=dict)  # kata id -> points (default 1)
    all_or_nothing: bool = False

    def points_of(self, kata: Kata) -> int:
        return self.points.get(kata.id, 1)

    @property
    def most(self) -> int:
        return sum(self.points_of(k) for k in self.katas)

    def uneven(self) -> list[str]:
        """One line per kata whose points its checks cannot share evenly: partial credit is
        rounded down there."""
        lines = []
        for kata in self.katas:
            points, checks = self.points_of(kata), len(kata.outputs)
            if not self.all_or_nothing and points % checks:
                lines.append(
                    f"{kata.id} has {checks} checks and {points} points: a part of it scores "
                    f"⌊{points}·passed/{checks}⌋ (give it a multiple of {checks} for "
                    "exact partial credit)"
                )
        return lines


@dataclass(frozen=True)
class Score:
    """One kata's score: its result in this run and the points it is worth."""

    result: KataResult  # every check of the kata, graded or "not graded"
    points: int
    all_or_nothing: bool = False

    @property
    def kata(self) -> Kata:
        return self.result.kata

    @property
    def status(self) -> Status:
        return self.result.status

    @property
    def word(self) -> str:
        return WORDS[self.status]

    @property
    def passed(self) -> int:
        return self.result.passed

    @property
    def total(self) -> int:
        return len(self.kata.outputs)

    @property
    def score(self) -> int:
        if self.passed == self.total:
            return self.points
        if self.all_or_nothing:
            return 0
        return self.points * self.passed // self.total

    @property
    def mistake(self) -> str | None:
        """The likely mistake's kind of the first failing check, if one was diagnosed."""
        for check in self.result.failing:
            return check.mistake.kind if check.mistake else None
        return None

    @property
    def message(self) -> str:
        """One line: how many checks pass, and the first problem."""
        if self.passed == self.total:
            return "its check passes" if self.total == 1 else f"all {self.total} checks pass"
        if self.status is Status.ERROR:  # nothing could be graded: the reason says it all
            return self.result.first_problem
        return f"{self.passed}/{self.total} checks pass; {self.result.first_problem}"

    @property
    def filename(self) -> str:
        return self.result.path or f"katas/{self.kata.filename}"

    @property
    def duration_ms(self) -> int:
        return int(1000 * self.result.duration)


@dataclass(frozen=True)
class Graded:
    """The scores of one grading, and the stress seed that re-runs it exactly."""

    scores: list[Score]
    seed: int | None = None

    @property
    def score(self) -> int:
        return sum(s.score for s in self.scores)

    @property
    def most(self) -> int:
        return sum(s.points for s in self.scores)

    @property
    def note(self) -> str:
        return f"stress seed {self.seed}" if self.seed is not None else ""

    @property
    def rerun(self) -> str:
        """The flag that grades a kata again as this grading did, with `pytest`."""
        return f"--ninja-stress-seed {self.seed}" if self.seed is not None else ""


def parse_katas(spec: str) -> tuple[Kata, ...]:
    """`07,09` (ids, numbers or names) -> those katas in the catalogue's order ('': level 1's);
    raises ValueError."""
    wanted = set()
    for key in filter(None, (k.strip() for k in spec.split(","))):
        kata = find(key)
        if kata is None:
            raise ValueError(f"no kata {key!r} (write a number like 07, or a name)")
        wanted.add(kata)
    return tuple(k for k in KATAS if k in wanted) or FIRST


def parse_points(spec: str) -> dict[str, int]:
    """`09=3,14=5` (ids, numbers or names) -> {kata id: points}; raises ValueError."""
    points = {}
    for item in filter(None, (p.strip() for p in spec.split(","))):
        key, sep, value = item.partition("=")
        kata = find(key.strip())
        if not sep or kata is None:
            raise ValueError(f"{item!r}: write KATA=POINTS, e.g. 09=3")
        try:
            points[kata.id] = int(value)
        except ValueError:
            raise ValueError(f"{item!r}: points are a whole number, e.g. 09=3") from None
        if points[kata.id] < 0:
            raise ValueError(f"{item!r}: points cannot be negative")
    return points


def not_graded(kata: Kata, why: str) -> KataResult:
    return replace(every_check(kata, Status.ERROR, why), path=f"katas/{kata.filename}")


def score_katas(scheme: Scheme, results: dict[str, KataResult]) -> list[Score]:
    """Score every kata of the scheme from this run's results (kata id -> result).

    A kata with no result (its file missing, or not collected) is an error, and so is each
    check of a kata that this run did not grade.
    """
    scores = []
    for kata in scheme.katas:
        result = results.get(kata.id)
        if result is None:
            result = not_graded(
                kata, f"not graded: katas/{kata.filename} is missing or could not be collected"
            )
        missing = [o for o in kata.outputs if o not in result.checks]
        for output in missing:
            result = result.with_check(
                CheckResult(output, Status.ERROR, (f"{output} was not graded in this run",))
            )
        scores.append(Score(result, scheme.points_of(kata), scheme.all_or_nothing))
    return scores


def error_scores(scheme: Scheme, message: str) -> list[Score]:
    """Every kata errored with the same message (a crash before or during grading)."""
    return [Score(not_graded(k, message), scheme.points_of(k)) for k in scheme.katas]
