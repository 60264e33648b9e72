"""The documents each grading system consumes, rendered from a run's scores (plain data).

GitHub Classroom's version-1 reporter document (legacy), Gradescope's results.json, a
Markdown table for job summaries and release notes, and `::error` annotations; the formats
are written down in the README's teachers' section.
"""

from __future__ import annotations

import base64
import json

from pytest_ninja.classroom.scoring import Score
from pytest_ninja.core.result import Status


def github_document(scores: list[Score], rerun: str = "") -> dict:
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
        "score": sum(s.score for s in scores),
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


def junit_document(scores: list[Score], note: str = "") -> str:
    """A JUnit XML report, one test case per kata, in the family pytest writes by default
    (xunit2): the scores as the suite's properties, never on a test case."""
    from xml.etree import ElementTree as ET

    failed = [s for s in scores if s.word == "fail"]
    errors = [s for s in scores if s.word == "error"]
    suite = ET.Element(
        "testsuite",
        name="pytest-ninja",
        tests=str(len(scores)),
        failures=str(len(failed)),
        errors=str(len(errors)),
        skipped="0",
        time=f"{sum(s.result.duration for s in scores):.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    figures = [
        ("score", sum(s.score for s in scores)),
        ("max-score", sum(s.points for s in scores)),
    ]
    figures += [(f"{s.kata.id}.score", f"{s.score}/{s.points}") for s in scores]
    if note:
        figures.append(("note", note))
    for name, value in figures:
        ET.SubElement(properties, "property", name=name, value=str(value))
    for s in scores:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=s.filename.removesuffix(".py").replace("/", "."),
            name=s.kata.id,
            time=f"{s.result.duration:.3f}",
        )
        if s.word != "pass":
            tag = "error" if s.word == "error" else "failure"
            problem = ET.SubElement(case, tag, message=s.message)
            problem.text = "\n\n".join(c.message for c in s.result.failing)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"
