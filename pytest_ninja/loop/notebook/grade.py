"""Grading in a notebook: a `%%kata` cell's source or any function, by the shared core.

Nothing here grades: a cell is refused, run and checked by `loading.load_source` as a kata
file is by `load_function`, and graded by `grading.grade_function` (both phases, the time
limit, in-place writes, diagnosis), in the learner's kernel left as it was found
(`nb_kernel.as_found`). The learner's answers are kept on the way, for the picture of a wrong
2-D gradient. Progress goes where `pytest katas/` keeps it, `katas/.ninja-progress.json` under
the working directory (`Workspace.record`), so `pytest-ninja status` and `pytest-ninja
hint` read the same file; a working directory that cannot hold it keeps progress for the
session only, and says so. The panel shows the notebook's katas (`nb_scope`). The reference
solution shown after a pass is the code the kata's function needs: with the helpers and
constants its file defines beside it (katas 22 and 23 chain the ops' backward passes).
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import os
import re
import textwrap
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from pytest_ninja.core import integrity
from pytest_ninja.core.grading import answers_by_output, grade_function, graded_problem
from pytest_ninja.core.level import Kata, level_of
from pytest_ninja.core.loading import KataLoadError, check_signature, load_source
from pytest_ninja.core.result import KataResult, Status, every_check
from pytest_ninja.core.settings import DEFAULTS, Settings
from pytest_ninja.core.static import refusal
from pytest_ninja.core.stubs import IMPORTS
from pytest_ninja.levels import KATAS, bundled, find
from pytest_ninja.loop import workspace
from pytest_ninja.loop.notebook import scope
from pytest_ninja.loop.notebook.kernel import as_found
from pytest_ninja.loop.notebook.picture import wrong_picture
from pytest_ninja.loop.notebook.view import Panel, Picture, Verdict, cell_name
from pytest_ninja.loop.progress import Progress

TIME_LIMIT = DEFAULTS.time_limit  # seconds per call of the learner's function, as in pytest
_SESSION = Progress()  # progress for a working directory that cannot keep it


def progress_folder() -> Path:
    """The kata folder whose progress file the notebook keeps: `katas/` in the working
    directory, as `pytest katas/` and `pytest-ninja status` there read it."""
    return notebook_workspace().folder


def notebook_workspace() -> workspace.Workspace:
    """The notebook's workspace: `katas/` in the working directory, whatever is there, holding
    the notebook's katas."""
    return workspace.notebook(Path.cwd(), scope.katas())


def kata_named(key: str | int) -> Kata:
    """The kata named by number (`7`, `"07"`), id or name; ValueError, one line, otherwise."""
    __tracebackhide__ = True
    kata = find(str(key))
    if kata is None:
        raise ValueError(
            f"no kata {str(key)!r}: name one by its number (01 to {KATAS[-1].number:02d}), "
            "id or name, e.g. 07, 07_backward_tanh or backward_tanh"
        )
    return kata


class _Kept:
    """The learner's function, keeping what it returns in each phase (for the picture)."""

    def __init__(self, func: Callable):
        self.func, self.answers = func, []

    def __call__(self, **inputs):
        answer = self.func(**inputs)
        self.answers.append(answer)
        return answer


def grade_cell(
    source: str, kata: Kata, namespace: dict, timeout: float | None = TIME_LIMIT
) -> Verdict:
    """Define a `%%kata` cell's function in the learner's namespace and grade it.

    `source` is the cell without its magic line; it is graded with a blank line in that line's
    place, so the lines that messages name are the cell's lines as the notebook numbers them.
    """
    name = cell_name(kata)
    source = "\n" + source
    settings = Settings(time_limit=timeout or None, timeout_flag=f"{name} --timeout SECONDS")
    with integrity.watching():
        try:
            func = load_source(source, kata, name, namespace)
        except KataLoadError as exc:
            return _verdict(every_check(kata, Status.ERROR, str(exc)), _digest(source))
        return _graded(func, kata, Path(name), settings, _digest(source))


def check(
    fn: Callable, kata: str | int | Kata | None = None, *, timeout: float | None = TIME_LIMIT
) -> Verdict:
    """Grade a function as its kata: the kata named by `fn.__name__`, or `kata` (a number,
    id or name). Returns the verdict: `.status`, `.checks`, `.result`, shown as HTML in
    Jupyter and as text elsewhere; progress is kept as for a `%%kata` cell. A function that
    names no kata is a ValueError of one line (IPython hides this frame)."""
    __tracebackhide__ = True
    if kata is None:
        named = find(getattr(fn, "__name__", ""))
        if named is None:
            raise ValueError(
                f"{getattr(fn, '__name__', fn)!r} is not a kata's function: name it after one "
                f"(backward_tanh, ...) or say which, e.g. check(fn, kata='07')"
            )
        kata = named
    elif not isinstance(kata, Kata):
        kata = kata_named(kata)
    settings = Settings(time_limit=timeout or None, timeout_flag="check(..., timeout=SECONDS)")
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        line = (
            f"the source of {kata.name} cannot be read, so it cannot be looked at for "
            "shortcuts: define it in a notebook cell or in a file"
        )
        return _verdict(every_check(kata, Status.ERROR, line))
    code = getattr(fn, "__code__", None)
    filename = getattr(code, "co_filename", "")
    path = Path(filename) if filename.startswith("%%kata ") or os.path.isfile(filename) else None
    # refused as a file is, its lines numbered as in the cell or file it comes from
    offset = "\n" * (getattr(code, "co_firstlineno", 1) - 1)
    refused = refusal(offset + textwrap.dedent(source), path.name if path else kata.name)
    try:
        if refused:
            raise KataLoadError(refused)
        check_signature(fn, kata)
    except KataLoadError as exc:
        return _verdict(every_check(kata, Status.ERROR, str(exc)), _digest(source))
    return _graded(fn, kata, path, settings, _digest(source))


def status() -> Panel:
    """The compact panel as the progress file has it, with nothing graded."""
    folder = progress_folder()
    if not folder.is_dir():
        return Panel(_SESSION, katas=scope.katas())
    progress = notebook_workspace().load_progress() or Progress()
    return Panel(progress, kept_in=_shown(folder), warning=progress.warning, katas=scope.katas())


def _digest(source: str) -> str:
    return hashlib.sha1(source.encode("utf-8", errors="replace")).hexdigest()[:16]


def _graded(func: Callable, kata: Kata, path: Path | None, settings: Settings, digest: str):
    kept = _Kept(func)
    with integrity.watching(), as_found():
        result = grade_function(kept, kata, path, settings)
        picture = _picture(result, kept.answers, settings)
    return _verdict(result, digest, picture)


def _picture(result: KataResult, answers: list, settings: Settings) -> Picture | None:
    """The first wrong 2-D gradient of the kata, drawn; None when there is none to draw."""
    for check in result.failing:
        comparison = check.comparison
        if check.status is not Status.FAILED or comparison is None or check.phase is None:
            continue
        if comparison.reason != "values":
            continue
        index = [p.name for p in level_of(result.kata).phases].index(check.phase)
        if index >= len(answers):
            continue
        got = answers_by_output(answers[index], result.kata).get(check.output)
        expected = graded_problem(result.kata, check.phase, settings).expected[check.output]
        png = wrong_picture(check.output, got, expected, comparison.tol, check.phase)
        if png is not None:
            return Picture(check.output, png)
    return None


def _shown(folder: Path) -> str:
    return str(folder / ".ninja-progress.json")


def _record(result: KataResult) -> tuple[Progress, str, str]:
    """Fold the result into the progress file; the progress, where it is, any warning."""
    folder = progress_folder()
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        _SESSION.record(result)
        why = exc.strerror or str(exc)
        return _SESSION, "", f"progress is kept for this session only: {folder} ({why})"
    progress = notebook_workspace().record({result.kata.id: result}) or Progress()
    return progress, _shown(folder), progress.warning


def solution_code(kata: Kata) -> str:
    """The reference solution as a cell would hold it: its file without the docstring and the
    imports the set-up cell makes, so the helpers and constants the function needs come with
    it ("" when the solutions are not installed)."""
    try:
        text = (bundled("solutions") / kata.filename).read_text("utf-8")
    except OSError:  # not installed with the package
        return ""
    lines = text.splitlines()
    tree = ast.parse(text)
    made = set(IMPORTS.splitlines())
    drop: set[int] = set()
    for i, node in enumerate(tree.body):
        docstring = i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if docstring or ast.get_source_segment(text, node) in made:
            drop.update(range(node.lineno - 1, node.end_lineno))
    kept = "\n".join(line for i, line in enumerate(lines) if i not in drop)
    return re.sub(r"\n{3,}", "\n\n\n", kept).strip("\n")


def _verdict(result: KataResult, digest: str = "", picture: Picture | None = None) -> Verdict:
    result = replace(result, digest=digest)
    progress, kept_in, warning = _record(result)
    solution = solution_code(result.kata) if result.status is Status.PASSED else ""
    panel = Panel(progress, result, kept_in, warning, scope.katas())
    return Verdict(result, panel, solution, picture)
