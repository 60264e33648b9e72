"""The end-of-run lines: one per kata file, with its checks passed out of total.

Plain data in (the statuses of the checks seen in this run), lines of text out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .catalogue import BY_ID


@dataclass
class Tally:
    """The checks of one kata file seen in this run, by status."""

    path: str
    kata_id: str
    statuses: list[str] = field(default_factory=list)

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
    """`katas/07_backward_tanh.py   passed   1/1`, in kata order, then a count."""
    ordered = sorted(tallies, key=lambda t: (t.kata_id, t.path))
    width = max((len(t.path) for t in ordered), default=0)
    lines = [f"{t.path:<{width}}  {t.status:<6}  {t.passed}/{t.total} checks" for t in ordered]
    done = sum(t.status == "passed" for t in ordered)
    checks = sum(t.passed for t in ordered)
    total = sum(t.total for t in ordered)
    lines.append(f"{done}/{len(ordered)} katas passed, {checks}/{total} checks")
    return lines
