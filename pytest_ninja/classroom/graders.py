"""Writing the graders' documents where they look for them: files, $GITHUB_OUTPUT,
$GITHUB_STEP_SUMMARY. A file is written whole or not at all (`atomic`); the two GitHub files
are appended to, as GitHub asks."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pytest_ninja.classroom.documents import classroom_output
from pytest_ninja.core import atomic


def write_json(path: Path, document: dict) -> None:
    atomic.write_text(Path(path), json.dumps(document, indent=1))


def write_classroom(document: dict, file: str) -> list[str]:
    """The Classroom document to FILE (if named) and, base64, to $GITHUB_OUTPUT (if set)."""
    written = []
    if file:
        write_json(Path(file), document)
        written.append(file)
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as f:
            f.write(classroom_output(document) + "\n")
        written.append("$GITHUB_OUTPUT")
    return written


def append_step_summary(markdown: str) -> bool:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return False
    with open(path, "a", encoding="utf-8") as f:
        f.write(markdown + "\n")
    return True
