"""The learner's workspace: which kata folders keep progress, and what a run changes there.

A folder named `katas` is a learner's dojo: its progress is kept in `.ninja-progress.json`.
Any other folder of kata files (this repository's `solutions/`, a test's cases) is graded and
shown, but nothing is written there.
"""

from __future__ import annotations

from pathlib import Path

from . import progress as progress_file
from .panel import Tally, rows
from .progress import Progress

WORKSPACE_FOLDER = "katas"
AUTO_HINT_AFTER = 3  # failed runs in a row before the panel shows a kata's first hint


def keeps_progress(folder: Path) -> bool:
    return folder.name == WORKSPACE_FOLDER


def record_run(folder: Path, tallies: dict[str, Tally]) -> Progress | None:
    """Fold this run into the folder's progress file; None where no progress is kept."""
    if not keeps_progress(folder):
        return None
    progress = progress_file.load(folder)
    for kata_id, tally in tallies.items():
        progress.record(kata_id, tally.checks)
    try:
        progress_file.save(folder, progress)
    except OSError as exc:
        progress.warning = f"progress could not be saved ({exc})"
    return progress


def auto_hint(progress: Progress | None, tallies: dict[str, Tally]) -> str:
    """The first hint of the next kata, once it has failed AUTO_HINT_AFTER runs in a row."""
    if progress is None:
        return ""
    upcoming = next((r for r in rows(tallies, progress) if r.status != "passed"), None)
    if upcoming is None:
        return ""
    stored = progress.katas.get(upcoming.kata_id)
    if stored is None or stored.failed_in_a_row < AUTO_HINT_AFTER:
        return ""
    try:
        from .hints import hint
    except ImportError:
        return ""
    return "hint: " + hint(upcoming.kata_id, 1)
