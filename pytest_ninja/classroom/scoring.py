"""Scores for graders: one score per kata, and the documents each grading system consumes.

Plain data in (each kata's `KataResult` from this run), plain data out: GitHub Classroom's
version-1 reporter document, Gradescope's results.json, a Markdown dojo table for job
summaries, and `::error` annotations. The formats are written down in the README's teachers'
section.

A kata has points (1 unless the teacher says otherwise) shared equally among its checks, so
adding a check to a kata never moves the maximum; in all-or-nothing mode a kata scores its
points only when every check passes. A kata or a check this run did not grade scores nothing:
a grader must never read silence as a pass.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, replace

from pytest_ninja.core.level import Kata
from pytest_ninja.core.result import CheckResult, KataResult, Status, every_check
from pytest_ninja.levels import KATAS, find

# the documents' own words for a kata's status (a todo kata is a failed one to a grader)
WORDS = {Status.PASSED: "pass", Status.FAILED: "fail", Status.TODO: "fail", Status.ERROR: "error"}


@dataclass(frozen=True)
class Scheme:
    """What the teacher decided: which katas count, their points, partial credit or not."""

    katas: tuple[Kata, ...] = KATAS
    points: dict[str, float] = field(default_factory=dict)  # kata id -> points (default 1)
    all_or_nothing: bool = False

    def points_of(self, kata: Kata) -> float:
        return self.points.get(kata.id, 1.0)


@dataclass(frozen=True)
class Score:
    """One kata's score: its result in this run and the points it is worth."""

    result: KataResult  # every check of the kata, graded or "not graded"
    points: float
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
    def score(self) -> float:
        if self.passed == self.total:
            return self.points
        if self.all_or_nothing:
            return 0.0
        return round(self.points * self.passed / self.total, 6)

    @property
    def message(self) -> str:
        """One line: how many checks pass, and the first problem."""
        if self.passed == self.total:
            return f"all {self.total} checks pass"
        if self.status is Status.ERROR:  # nothing could be graded: the reason says it all
            return self.result.first_problem
        return f"{self.passed}/{self.total} checks pass; {self.result.first_problem}"

    @property
    def filename(self) -> str:
        return self.result.path or f"katas/{self.kata.filename}"

    @property
    def duration_ms(self) -> int:
        return int(1000 * self.result.duration)


def parse_points(spec: str) -> dict[str, float]:
    """`09=3,14=5` (ids, numbers or names) -> {kata id: points}; raises ValueError."""
    points = {}
    for item in filter(None, (p.strip() for p in spec.split(","))):
        key, sep, value = item.partition("=")
        kata = find(key)
        if not sep or kata is None:
            raise ValueError(f"{item!r}: write KATA=POINTS, e.g. 09=3")
        try:
            points[kata.id] = float(value)
        except ValueError:
            raise ValueError(f"{item!r}: the points must be a number") from None
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


def classroom_document(scores: list[Score], rerun: str = "") -> dict:
    """GitHub Classroom's autograding reporter document, version 1."""
    words = {s.word for s in scores}
    status = "pass" if words == {"pass"} else ("error" if words == {"error"} else "fail")
    return {
        "version": 1,
        "status": status,
        "max_score": sum(s.points for s in scores),
        "tests": [
            {
                "name": s.kata.id,
                "status": s.word,
                "score": s.score,
                "message": s.message,
                "test_code": f"pytest {s.filename} {rerun}".strip(),
                "filename": s.filename,
                "line_no": s.result.line,
                "duration": s.duration_ms,
            }
            for s in scores
        ],
    }


def classroom_output(document: dict) -> str:
    """The `result=` line for $GITHUB_OUTPUT: base64 of one-line JSON."""
    raw = json.dumps(document, separators=(",", ":")).encode()
    return "result=" + base64.b64encode(raw).decode()


def markdown_table(scores: list[Score], seed_note: str = "") -> str:
    """The dojo as a Markdown table: for job summaries and Gradescope's overall output."""
    total = sum(s.score for s in scores)
    most = sum(s.points for s in scores)
    lines = [
        "## pytest-ninja: the dojo",
        "",
        f"**Score: {total:g} / {most:g}**" + (f" ({seed_note})" if seed_note else ""),
        "",
        "| kata | status | checks | score | message |",
        "|---|---|---|---|---|",
    ]
    for s in scores:
        message = s.message.replace("|", "\\|")
        lines.append(
            f"| {s.kata.id} | {s.status} | {s.passed}/{s.total} | "
            f"{s.score:g} / {s.points:g} | {message} |"
        )
    return "\n".join(lines) + "\n"


def gradescope_document(scores: list[Score], seed_note: str = "") -> dict:
    """Gradescope's results.json: one test per kata, the dojo table as the overall output."""
    return {
        "score": round(sum(s.score for s in scores), 6),
        "output": markdown_table(scores, seed_note),
        "output_format": "md",
        "visibility": "visible",
        "tests": [
            {
                "name": s.kata.id,
                "number": str(s.kata.number),
                "score": s.score,
                "max_score": s.points,
                "status": "passed" if s.status is Status.PASSED else "failed",
                "output": s.message,
                "visibility": "visible",
            }
            for s in scores
        ],
    }


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotations(scores: list[Score], limit: int = 10) -> list[str]:
    """`::error` lines pointing at the learner's failing functions (GitHub shows 10 a step)."""
    lines = []
    for s in scores:
        if s.status is Status.PASSED:
            continue
        lines.append(
            f"::error file={_escape_property(s.filename)},line={s.result.line},"
            f"title={_escape_property(s.kata.id)}::{_escape_data(s.message)}"
        )
    return lines[:limit]
