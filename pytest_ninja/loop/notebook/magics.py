"""The dojo's IPython extension: `%load_ext pytest_ninja` adds the magics a notebook uses.

    %%kata 07 [--timeout SECONDS]   defines the cell's function in the notebook and grades it
    %kata_hint [07] [--level N]     the next hint (for the kata you are on, without a kata)
    %kata_status                    the panel: every kata, a bar, what next
    %kata_levels [2 | 1,2]          the levels this notebook holds (its set-up cell says them)

A magic's own mistakes (a kata that does not exist, a bad option) are IPython usage errors:
one line, no traceback. What the learner's code does is the verdict's business.
"""

from __future__ import annotations

from pathlib import Path

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.display import display

from pytest_ninja.core.level import Kata
from pytest_ninja.loop.notebook import scope
from pytest_ninja.loop.notebook.grade import (
    TIME_LIMIT,
    grade_cell,
    kata_named,
    notebook_workspace,
    progress_folder,
    status,
)
from pytest_ninja.loop.notebook.view import cell_name

COLAB_CONTENT = Path("/content")
COLAB_DRIVE = COLAB_CONTENT / "drive"


def _options(magic: str, line: str, allowed: tuple[str, ...]) -> tuple[list[str], dict]:
    """The words of a magic's line and its `--name VALUE` options."""
    words, options = line.split(), {}
    while any(w.startswith("--") for w in words):
        at = next(i for i, w in enumerate(words) if w.startswith("--"))
        name = words[at][2:]
        if name not in allowed:
            known = ", ".join(f"--{a}" for a in allowed) or "none"
            raise UsageError(f"{magic}: no option --{name} (its options: {known})")
        if at + 1 >= len(words):
            raise UsageError(f"{magic}: --{name} needs a value")
        options[name] = words[at + 1]
        del words[at : at + 2]
    return words, options


def _kata(magic: str, word: str) -> Kata:
    try:
        return kata_named(word)
    except ValueError as exc:
        raise UsageError(f"{magic}: {exc}") from None


def _number(magic: str, name: str, text: str, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{magic}: --{name} is {text!r}, not a number") from None
    if not low <= value <= high:
        raise UsageError(f"{magic}: --{name} is {text!r}: give one from {low:g} to {high:g}")
    return value


def hint_text(lines: list[str]) -> str:
    """A hint's lines as the notebook shows them: the next level asked for by the magic."""
    return "\n".join(
        line.replace("pytest-ninja hint", "%kata_hint") if line.startswith("more: ") else line
        for line in lines
    )


@magics_class
class DojoMagics(Magics):
    """`%%kata`, `%kata_hint` and `%kata_status`."""

    @cell_magic
    def kata(self, line: str, cell: str) -> None:
        """Define this cell's function and grade it: `%%kata 07 [--timeout SECONDS]`."""
        words, options = _options("%%kata", line, ("timeout",))
        if len(words) != 1:
            raise UsageError("%%kata: name the kata this cell answers, e.g. %%kata 07")
        kata = _kata("%%kata", words[0])
        timeout = TIME_LIMIT
        if "timeout" in options:
            timeout = _number("%%kata", "timeout", options["timeout"], 0, 3600) or None
        try:
            verdict = grade_cell(cell, kata, self.shell.user_ns, timeout)
        except KeyboardInterrupt:
            raise UsageError(f"{cell_name(kata)} was stopped: nothing graded") from None
        display(verdict)

    @line_magic
    def kata_hint(self, line: str) -> None:
        """The next hint: `%kata_hint` (the kata you are on), `%kata_hint 09`, `--level 3`."""
        from pytest_ninja.core.hints import LEVELS
        from pytest_ninja.loop.coach import show_hint

        words, options = _options("%kata_hint", line, ("level",))
        if len(words) > 1:
            raise UsageError("%kata_hint: name one kata at most, e.g. %kata_hint 09")
        kata = _kata("%kata_hint", words[0]) if words else None
        level = None
        if "level" in options:
            level = int(_number("%kata_hint", "level", options["level"], 1, LEVELS))
        folder = progress_folder()
        try:
            folder.mkdir(exist_ok=True)  # so the level shown is remembered
        except OSError:
            pass  # the hint is shown all the same, from level 1 each time
        print(hint_text(show_hint(notebook_workspace(), kata, level)))

    @line_magic
    def kata_status(self, line: str) -> None:
        """The panel as the progress file has it: `%kata_status`."""
        if line.strip():
            raise UsageError("%kata_status takes nothing")
        display(status())

    @line_magic
    def kata_levels(self, line: str) -> None:
        """The levels this notebook holds, for its panel and hints: `%kata_levels 2`,
        `%kata_levels 1,2`; without a level, the ones it holds."""
        words = line.split()
        if len(words) > 1:
            raise UsageError("%kata_levels: list the levels in one word, e.g. %kata_levels 1,2")
        if words:
            try:
                scope.declare(words[0])
            except ValueError as exc:
                raise UsageError(f"%kata_levels: {exc}") from None
        print(f"this notebook: {scope.described()}")


def where_progress_goes() -> str:
    folder = progress_folder()
    line = f"progress: {folder / '.ninja-progress.json'}"
    cwd = Path.cwd()
    if cwd.is_relative_to(COLAB_CONTENT) and not cwd.is_relative_to(COLAB_DRIVE):
        line += " (on Colab /content vanishes with the runtime: the first cell says how to keep it)"
    return line


def load_ipython_extension(ip) -> None:
    """`%load_ext pytest_ninja`: register the magics and say where progress goes."""
    ip.register_magics(DojoMagics)
    print(
        "pytest-ninja: the dojo is loaded: run a %%kata cell to grade it, %kata_hint for a "
        "hint, %kata_status for the panel"
    )
    print(where_progress_goes())
