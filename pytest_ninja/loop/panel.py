"""The dojo panel: where the learner stands, drawn after every run and by `status`.

Plain data in (this run's results of one kata folder, and the progress with this run folded
in), lines out. A kata or a check not graded in this run (`-k`, `--lf`, a node id, one file)
shows what the progress file remembers, marked as from an earlier run, so the panel always
shows the whole workspace (its katas: a class template may hold a few), grouped by level under
a line each when it holds more than one. "next:" is the kata
the learner is on (`Progress.current`).
"""

from __future__ import annotations

from pytest_ninja.core.level import Kata, level_of
from pytest_ninja.core.loading import function_line
from pytest_ninja.core.result import KataResult, Status
from pytest_ninja.loop.progress import Progress
from pytest_ninja.loop.workspace import Workspace

BAR_WIDTH = 30


def bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    filled = round(width * done / total) if total else 0
    return "[" + "#" * filled + "." * (width - filled) + "]"


def merged(results: dict[str, KataResult], progress: Progress | None) -> Progress:
    """The progress with this run's results in it (a copy, for folders that keep none)."""
    if progress is not None:
        return progress
    view = Progress()
    for result in results.values():
        view.record(result)
    return view


def passed_katas(results: dict[str, KataResult], progress: Progress | None) -> list[Kata]:
    """The katas graded in this run that stand passed, every check counted."""
    view = merged(results, progress)
    return [r.kata for r in results.values() if view.status(r.kata) is Status.PASSED]


NAME_WIDTH = 24  # the names' column: level 1's longest fits, a longer one widens it


def _row(kata: Kata, view: Progress, result: KataResult | None, width: int = NAME_WIDTH) -> str:
    stored = view.katas.get(kata.id)
    checks = stored.checks if stored else {}
    passed = sum(checks.get(o) is Status.PASSED for o in kata.outputs)
    status = "regressed" if view.regressed(kata) else str(view.status(kata))
    this_run = len(result.checks) if result else 0
    if this_run == 0 and checks:
        note = "  (earlier run)"
    elif 0 < this_run < len(kata.outputs) and len(checks) > this_run:
        note = f"  ({this_run} of {len(kata.outputs)} this run)"
    else:
        note = ""
    number, name = kata.id.split("_", 1)
    return f"  {number} {name:<{width}} {status:<10} {passed}/{len(kata.outputs)}{note}"


def level_heading(first: Kata, katas: tuple[Kata, ...], view: Progress) -> str:
    """The line over a level's rows, when a panel shows more than one level: `level 2: a
    character-level GPT (3/9 katas)` for the level of `first`, among `katas`."""
    level = level_of(first)
    mine = [k for k in katas if k.level == first.level]
    done = sum(view.status(k) is Status.PASSED for k in mine)
    return f"level {level.number}: {level.title} ({done}/{len(mine)} katas)"


def panel_lines(
    workspace: Workspace,
    shown: str,
    results: dict[str, KataResult],
    progress: Progress | None,
    hint_line: str = "",
) -> list[str]:
    """The panel of a workspace's katas (its folder `shown` as the learner names it);
    `hint_line` is shown under the next kata. `progress` already holds this run's results
    where it is kept."""
    katas, folder = workspace.katas, workspace.folder
    view = merged(results, progress)
    lines: list[str] = []
    grouped = len(workspace.levels) > 1
    width = max([NAME_WIDTH, *(len(k.name) for k in katas)])
    for i, kata in enumerate(katas):
        if grouped and (i == 0 or kata.level != katas[i - 1].level):
            lines.append("  " + level_heading(kata, katas, view))
        lines.append(_row(kata, view, results.get(kata.id), width))
    katas_done = sum(view.status(k) is Status.PASSED for k in katas)
    checks_total = sum(len(k.outputs) for k in katas)
    checks_done = sum(
        view.katas[k.id].checks.get(o) is Status.PASSED
        for k in katas
        if k.id in view.katas
        for o in k.outputs
    )
    lines.append(
        f"  {bar(checks_done, checks_total)}  {katas_done}/{len(katas)} katas, "
        f"{checks_done}/{checks_total} checks"
    )
    upcoming = view.current(katas)
    if upcoming is None:
        lines.append("  every kata passed: you are a backprop ninja")
        return lines
    result = results.get(upcoming.id)
    if result is not None and result.path:
        where = f"{result.path}:{result.line}"
    else:
        line = function_line(folder / upcoming.filename, upcoming.name)
        where = f"{shown}/{upcoming.filename}:{line}"
    lines.append(f"  next: {where}")
    if result is not None and result.first_problem:
        lines.append(f"        {result.first_problem}")
    if hint_line:
        lines.extend(f"        {line}" for line in hint_line.splitlines())
    lines.append(f"        stuck? pytest-ninja hint {upcoming.number:02d}")
    return lines
