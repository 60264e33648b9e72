"""Classroom 50's documents, rendered from a run's scores (plain data, no pytest, no torch).

Classroom 50's runner runs the teacher's `autograder.py` in the student's checkout and reads
two files it leaves: `result.json` (the gradebook's row per kata, in whole points) and,
optionally, `release-body.md` (the notes of the student's Release). The contract is written
down in autograding.md, "Classroom 50"; `contract` checks a document against it.
"""

from __future__ import annotations

from collections.abc import Mapping

from pytest_ninja.classroom.contract import BODY_LIMIT, SCHEMA
from pytest_ninja.classroom.scoring import Score

# what the runner sets and the document repeats back
ENV = ("CLASSROOM", "ASSIGNMENT", "SUBMISSION_TAG", "COMMIT_URL", "RELEASE_URL", "REVIEW_URL")

# stand-ins for a teacher's dry run on their own machine: valid under the contract, and
# plainly not a real class (`.invalid` is a domain that never resolves)
DRY_RUN_ENV = {
    "CLASSROOM": "dry-run",
    "ASSIGNMENT": "dry-run",
    "SUBMISSION_TAG": "submit/dry-run",
    "COMMIT_URL": "https://example.invalid/dry-run/commit",
    "RELEASE_URL": "https://example.invalid/dry-run/releases/submit/dry-run",
    "REVIEW_URL": "https://example.invalid/dry-run/review",
}

MESSAGE_LIMIT = 500  # characters of a message in the Release notes' table
LOCAL_CHECK = "Run the same check on your own machine: `pytest katas/` (the dojo's loop)."


def missing_env(environ: Mapping[str, str]) -> list[str]:
    """The names of `ENV` that are missing or empty, in `ENV`'s order."""
    return [name for name in ENV if not environ.get(name)]


def whole(value: int) -> int:
    """`value` as a plain int (never a bool, never a float); refuses a fractional value."""
    if int(value) != value:
        raise ValueError(f"{value!r} is not a whole number of points")
    return int(value)


def one_line(text: str) -> str:
    return " ".join(text.splitlines())


def row(score: Score) -> dict:
    """A kata's row of `tests`: the contract's four keys, then ours (kept verbatim)."""
    return {
        "test-name": score.kata.id,
        "passed": score.passed == score.total,
        "score": whole(score.score),
        "max-score": whole(score.points),
        "checks": f"{score.passed}/{score.total}",
        "mistake": score.mistake,
        "message": one_line(score.message),
    }


def result_document(scores: list[Score], environ: Mapping[str, str]) -> dict:
    """Classroom 50's `result.json`: one row per kata in order, totals the rows' sums.

    `environ` is the runner's environment (`missing_env` says first what it lacks)."""
    rows = [row(s) for s in scores]
    return {
        "schema": SCHEMA,
        "classroom": environ.get("CLASSROOM", ""),
        "assignment": environ.get("ASSIGNMENT", ""),
        "submission": environ.get("SUBMISSION_TAG", ""),
        "commit": environ.get("COMMIT_URL", ""),
        "release": environ.get("RELEASE_URL", ""),
        "review": environ.get("REVIEW_URL", ""),
        "score": sum(r["score"] for r in rows),
        "max-score": sum(r["max-score"] for r in rows),
        "tests": rows,
    }


def cell(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """`text` fit for a Markdown table cell: one line, at most `limit` characters of it, and
    no `|` to split the cell."""
    text = one_line(text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("\\", "\\\\").replace("|", "\\|")


def table_row(score: Score) -> str:
    cells = (
        score.kata.id,
        str(score.status),
        f"{score.passed}/{score.total}",
        f"{whole(score.score)} / {whole(score.points)}",
        score.mistake or "",
        score.message,
    )
    return "| " + " | ".join(cell(c) for c in cells) + " |"


def left_out(count: int) -> str:
    return (
        f"{count:,} more rows were left out to keep these notes under GitHub's "
        f"{BODY_LIMIT:,} characters; result.json has every row."
    )


def fitting(rows: list[str], room: int) -> list[str]:
    """The first rows that fit in `room` characters, a newline after each."""
    kept = []
    for line in rows:
        room -= len(line) + 1
        if room < 0:
            break
        kept.append(line)
    return kept


def release_body(scores: list[Score], note: str = "") -> str:
    """The Release notes in Markdown: the score, a table of the katas, how to check locally.

    Always under `BODY_LIMIT` characters: long messages are cut, and when the table is still
    too long its last rows are left out, with a line saying how many.
    """
    total = sum(whole(s.score) for s in scores)
    most = sum(whole(s.points) for s in scores)
    head = [
        f"**Score: {total} / {most}**" + (f" ({cell(note)})" if note else ""),
        "",
        "| kata | status | checks | score | likely mistake | message |",
        "|---|---|---|---|---|---|",
    ]
    rows = [table_row(s) for s in scores]
    tail = ["", LOCAL_CHECK]
    # every line costs its length and a newline; room is kept for the left-out line
    fixed = sum(len(line) + 1 for line in head + tail) + len(left_out(len(rows))) + 2
    kept = fitting(rows, BODY_LIMIT - 1 - fixed)
    if len(kept) < len(rows):
        tail = ["", left_out(len(rows) - len(kept)), *tail]
    return "\n".join(head + kept + tail) + "\n"
