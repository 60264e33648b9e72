"""The dojo panel: where the learner stands, drawn after every run and by `status`.

Plain data in (this run's tallies of one kata folder, and the stored progress), lines out. A
kata not graded in this run (`-k`, `--lf`, one file) shows what the progress file remembers,
so the panel always shows the whole dojo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .catalogue import BY_ID, KATAS
from .loading import function_line
from .progress import Progress

BAR_WIDTH = 30


@dataclass
class Tally:
    """The checks of one kata file seen in this run."""

    path: str  # as pytest shows it: katas/07_backward_tanh.py
    kata_id: str
    line: int = 1  # where the learner's function starts
    checks: dict[str, str] = field(default_factory=dict)  # output -> pass/fail/todo/error
    first_problem: str = ""  # the first line of the first check that did not pass

    def add(self, output: str, status: str, message: str) -> None:
        self.checks[output] = status
        if status != "pass" and not self.first_problem:
            text = message.strip()
            self.first_problem = text.splitlines()[0] if text else status

    @property
    def status(self) -> str:
        return status_of(self.checks, len(BY_ID[self.kata_id].outputs))


@dataclass(frozen=True)
class Row:
    kata_id: str
    status: str  # passed, failed, regressed, todo
    passed: int
    total: int
    seen: bool  # graded in this run


def status_of(checks: dict[str, str], total: int) -> str:
    passed = sum(s == "pass" for s in checks.values())
    if passed == total:
        return "passed"
    if set(checks.values()) <= {"todo"}:
        return "todo"
    return "failed"


def rows(tallies: dict[str, Tally], progress: Progress | None) -> list[Row]:
    """One row per kata of the catalogue, from this run where seen, else from progress."""
    out = []
    for kata in KATAS:
        total = len(kata.outputs)
        stored = progress.katas.get(kata.id) if progress else None
        tally = tallies.get(kata.id)
        if tally is not None:
            checks = {**(stored.checks if stored else {}), **tally.checks}
            status = status_of(checks, total)
            if status == "failed" and stored and stored.first_passed:
                status = "regressed"
            passed = sum(s == "pass" for s in checks.values())
            out.append(Row(kata.id, status, passed, total, True))
        elif stored is not None:
            status = "regressed" if stored.regressed else stored.status
            passed = sum(s == "pass" for s in stored.checks.values())
            out.append(Row(kata.id, status, passed, total, False))
        elif progress is not None:
            out.append(Row(kata.id, "todo", 0, total, False))
    return out


def bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    filled = round(width * done / total) if total else 0
    return "[" + "#" * filled + "." * (width - filled) + "]"


def panel_lines(
    folder: Path,
    shown: str,
    tallies: dict[str, Tally],
    progress: Progress | None,
    hint_line: str = "",
) -> list[str]:
    """The panel for one kata folder (`shown` as the learner names it); `hint_line` is shown
    under the next kata."""
    table = rows(tallies, progress)
    lines = []
    for r in table:
        number, name = r.kata_id.split("_", 1)
        note = "" if r.seen or r.status == "todo" else "  (earlier run)"
        lines.append(f"  {number} {name:<24} {r.status:<10} {r.passed}/{r.total}{note}")
    katas_done = sum(r.status == "passed" for r in table)
    checks_done = sum(r.passed for r in table)
    checks_total = sum(r.total for r in table)
    lines.append(
        f"  {bar(checks_done, checks_total)}  {katas_done}/{len(table)} katas, "
        f"{checks_done}/{checks_total} checks"
    )
    upcoming = next((r for r in table if r.status != "passed"), None)
    if upcoming is None:
        lines.append("  every kata passed: you are a backprop ninja")
        return lines
    number = upcoming.kata_id.split("_", 1)[0]
    tally = tallies.get(upcoming.kata_id)
    if tally:
        where = f"{tally.path}:{tally.line}"
    else:
        filename = f"{upcoming.kata_id}.py"
        line = function_line(folder / filename, BY_ID[upcoming.kata_id].name)
        where = f"{shown}/{filename}:{line}"
    lines.append(f"  next: {where}")
    if tally and tally.first_problem:
        lines.append(f"        {tally.first_problem}")
    if hint_line:
        lines.extend(f"        {line}" for line in hint_line.splitlines())
    lines.append(f"        stuck? pytest-ninja hint {number}")
    return lines
