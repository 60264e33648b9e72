"""Scores for graders: one result per kata, and the documents each grading system consumes.

Plain data in (each kata's checks, as this run reported them), plain data out: GitHub
Classroom's version-1 reporter document, Gradescope's results.json, a Markdown dojo table for
job summaries, and `::error` annotations. Formats: ../shared/reference/autograding.md.

A kata has points (1 unless the teacher says otherwise) shared equally among its checks, so
adding a check to a kata never moves the maximum; in all-or-nothing mode a kata scores its
points only when every check passes.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

from .catalogue import KATAS, Kata, find

PASS, FAIL, ERROR = "pass", "fail", "error"


@dataclass(frozen=True)
class Scheme:
    """What the teacher decided: which katas count, their points, partial credit or not."""

    katas: tuple[Kata, ...] = KATAS
    points: dict[str, float] = field(default_factory=dict)  # kata id -> points (default 1)
    all_or_nothing: bool = False

    def points_of(self, kata: Kata) -> float:
        return self.points.get(kata.id, 1.0)


@dataclass
class KataScore:
    """One kata's result, as graders see it."""

    kata: Kata
    points: float
    score: float
    status: str  # pass, fail or error
    message: str  # one line
    filename: str
    line: int
    duration_ms: int
    passed: int = 0
    total: int = 0


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


def score_katas(
    scheme: Scheme,
    checks: dict[str, dict[str, tuple[str, str]]],
    files: dict[str, tuple[str, int]],
    durations: dict[str, float],
) -> list[KataScore]:
    """Score every kata of the scheme from its checks' (status, first line) in this run.

    A kata with no checks in the run (its file missing, or not collected) is an error: a
    grader must never read silence as a pass.
    """
    out = []
    for kata in scheme.katas:
        points = scheme.points_of(kata)
        seen = checks.get(kata.id, {})
        filename, line = files.get(kata.id, (f"katas/{kata.filename}", 1))
        duration = int(1000 * durations.get(kata.id, 0.0))
        if not seen:
            out.append(
                KataScore(
                    kata,
                    points,
                    0.0,
                    ERROR,
                    f"not graded: {filename} is missing or could not be collected",
                    filename,
                    line,
                    duration,
                    0,
                    len(kata.outputs),
                )
            )
            continue
        statuses = {o: seen.get(o, ("error", "not run"))[0] for o in kata.outputs}
        passed = sum(s == "pass" for s in statuses.values())
        total = len(kata.outputs)
        if passed == total:
            score, status, message = points, PASS, f"all {total} checks pass"
        else:
            share = 0.0 if scheme.all_or_nothing else points * passed / total
            score = round(share, 6)
            first = next(seen[o][1] for o in kata.outputs if statuses[o] != "pass" and o in seen)
            status = ERROR if all(s == "error" for s in statuses.values()) else FAIL
            message = f"{passed}/{total} checks pass; {first}"
        out.append(
            KataScore(kata, points, score, status, message, filename, line, duration, passed, total)
        )
    return out


def error_scores(scheme: Scheme, message: str) -> list[KataScore]:
    """Every kata errored with the same message (a crash before or during grading)."""
    return [
        KataScore(
            k,
            scheme.points_of(k),
            0.0,
            ERROR,
            message,
            f"katas/{k.filename}",
            1,
            0,
            0,
            len(k.outputs),
        )
        for k in scheme.katas
    ]


def classroom_document(scores: list[KataScore], rerun: str = "") -> dict:
    """GitHub Classroom's autograding reporter document, version 1."""
    status = (
        PASS
        if all(s.status == PASS for s in scores)
        else (ERROR if scores and all(s.status == ERROR for s in scores) else FAIL)
    )
    return {
        "version": 1,
        "status": status,
        "max_score": sum(s.points for s in scores),
        "tests": [
            {
                "name": s.kata.id,
                "status": s.status,
                "score": s.score,
                "message": s.message,
                "test_code": f"pytest {s.filename} {rerun}".strip(),
                "filename": s.filename,
                "line_no": s.line,
                "duration": s.duration_ms,
            }
            for s in scores
        ],
    }


def classroom_output(document: dict) -> str:
    """The `result=` line for $GITHUB_OUTPUT: base64 of one-line JSON."""
    raw = json.dumps(document, separators=(",", ":")).encode()
    return "result=" + base64.b64encode(raw).decode()


def markdown_table(scores: list[KataScore], seed_note: str = "") -> str:
    """The dojo as a Markdown table: for job summaries and Gradescope's overall output."""
    total = sum(s.score for s in scores)
    most = sum(s.points for s in scores)
    icon = {PASS: "passed", FAIL: "failed", ERROR: "error"}
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
            f"| {s.kata.id} | {icon[s.status]} | {s.passed}/{s.total} | "
            f"{s.score:g} / {s.points:g} | {message} |"
        )
    return "\n".join(lines) + "\n"


def gradescope_document(scores: list[KataScore], seed_note: str = "") -> dict:
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
                "status": "passed" if s.status == PASS else "failed",
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


def annotations(scores: list[KataScore], limit: int = 10) -> list[str]:
    """`::error` lines pointing at the learner's failing functions (GitHub shows 10 a step)."""
    lines = []
    for s in scores:
        if s.status == PASS:
            continue
        lines.append(
            f"::error file={_escape_property(s.filename)},line={s.line},"
            f"title={_escape_property(s.kata.id)}::{_escape_data(s.message)}"
        )
    return lines[:limit]
