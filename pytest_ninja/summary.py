"""The end-of-run lines: one per kata file with its checks passed out of total, and the next
kata to work on.

Plain data in (what the checks' reports said in this run), lines of text out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .catalogue import BY_ID


@dataclass
class Tally:
    """The checks of one kata file seen in this run."""

    path: str
    kata_id: str
    line: int = 1  # where the learner's function starts
    statuses: list[str] = field(default_factory=list)
    first_problem: str = ""  # the first line of the first check that did not pass

    def add(self, status: str, message: str) -> None:
        self.statuses.append(status)
        if status != "pass" and not self.first_problem:
            self.first_problem = message.strip().splitlines()[0] if message.strip() else status

    @property
    def passed(self) -> int:
        return self.statuses.count("pass")

    @property
    def total(self) -> int:
        return len(BY_ID[self.kata_id].outputs)

    @property
    def status(self) -> str:
        if self.passed == self.total:
            return "passed"
        if set(self.statuses) == {"todo"}:
            return "todo"
        return "failed"


def summary_lines(tallies: list[Tally]) -> list[str]:
    """`katas/07_backward_tanh.py   passed   1/1 checks` in kata order, a count, the next kata."""
    ordered = sorted(tallies, key=lambda t: (t.kata_id, t.path))
    width = max((len(t.path) for t in ordered), default=0)
    lines = [f"{t.path:<{width}}  {t.status:<6}  {t.passed}/{t.total} checks" for t in ordered]
    done = sum(t.status == "passed" for t in ordered)
    checks = sum(t.passed for t in ordered)
    total = sum(t.total for t in ordered)
    lines.append(f"{done}/{len(ordered)} katas passed, {checks}/{total} checks")
    upcoming = next((t for t in ordered if t.status != "passed"), None)
    if upcoming is not None:
        lines.append(f"next: {upcoming.path}:{upcoming.line}  {upcoming.first_problem}")
    return lines
