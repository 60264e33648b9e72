"""The next hint, as a learner asks for it: `pytest-ninja hint`, watch mode's `h`, the notebook.

For the kata they are on (the unpassed one changed last) or the one they name, one level
further each time they ask; the level shown is remembered in the kata folder's progress file.
The hints themselves are their level's (`Level.hints`).
"""

from __future__ import annotations

from pytest_ninja.core.level import Kata, level_of
from pytest_ninja.loop import progress as progress_file
from pytest_ninja.loop.workspace import Workspace


def show_hint(space: Workspace, kata: Kata | None = None, level: int | None = None) -> list[str]:
    """The lines of the next hint for `kata` (default: the kata the learner is on, among the
    workspace's katas), or of hint `level`.

    A workspace whose folder does not exist is read as a fresh start and nothing is written.
    """
    folder = space.folder
    kept = folder.is_dir()
    progress = progress_file.load(folder) if kept else progress_file.Progress()
    if kata is None:
        kata = space.current(progress)
        if kata is None:
            return ["every kata passed: nothing left to hint at. Name a kata to see its hints."]
    hints = level_of(kata).hints
    stored = progress.get(kata.id)
    level = level or min(stored.hint_level + 1, hints.levels)
    stored.hint_level = max(stored.hint_level, level)
    if kept:
        try:
            progress_file.save(folder, progress)
        except OSError:
            pass  # the hint is shown all the same; the next one starts from this level again
    return hints.lines(kata.id, level)
