"""What grading found, as data: one vocabulary of statuses and one record of a kata's outcome.

The grading core returns a `KataResult` (one `CheckResult` per gradient it graded); the pytest
plugin rebuilds the same record from its own items' reports, once per run; the panel, the
progress file and the class documents all read that record and render their words last. A
kata's status is derived in one place, `kata_status`. A failed check carries the likely
mistake as data (`Mistake`: its kind, its parameters, where in the backward pass) beside the
lines that say it, so a front end can decide on it without reading words. Plain data, no
torch, no pytest.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path

from pytest_ninja.core.kata import Kata


class Status(str, Enum):
    """The verdict on a check, and (derived by `kata_status`) on a kata."""

    PASSED = "passed"  # matches autograd in both phases
    FAILED = "failed"  # graded, and wrong
    ERROR = "error"  # could not be graded: it crashed, timed out, or did not load
    TODO = "todo"  # not attempted yet: the stub, or a gradient not returned

    def __str__(self) -> str:
        return self.value


def kata_status(statuses: Iterable[Status]) -> Status:
    """A kata's status from its checks' (a check never graded counts as todo).

    Passed when every check passed; failed when one failed; an error when one could not be
    graded (a kata that does not load errors in every check); otherwise todo, which includes
    a kata with some checks passing and others not attempted yet.
    """
    seen = set(statuses)
    if seen == {Status.PASSED}:
        return Status.PASSED
    if Status.FAILED in seen:
        return Status.FAILED
    if Status.ERROR in seen:
        return Status.ERROR
    return Status.TODO


@dataclass(frozen=True)
class Comparison:
    """The figures of one answer against its reference (`compare.compare` makes them)."""

    ok: bool
    reason: str  # "values", "type", "dtype", "device", "shape" or "nonfinite"
    detail: str  # one line for the learner ("" when ok)
    exact: bool = False
    maxdiff: float = math.nan
    tol: float = math.nan
    worst: tuple[int, ...] | None = None
    expected_at_worst: float = math.nan
    got_at_worst: float = math.nan

    def lecture_line(self) -> str:
        """The lecture's `cmp` line: exact, approximate and maxdiff."""
        return (
            f"exact: {self.exact} | approximate: {self.ok} | maxdiff: {self.maxdiff:.3g}"
            f" (tolerance {self.tol:.2g})"
        )

    def worst_line(self) -> str:
        if self.worst is None:
            return ""
        index = ", ".join(str(i) for i in self.worst)
        return (
            f"worst entry [{index}]: expected {self.expected_at_worst:.6g}, "
            f"got {self.got_at_worst:.6g}"
        )


@dataclass(frozen=True)
class Mistake:
    """The likely mistake behind a wrong gradient, as data; the check's `likely:` line says it.

    `kind` names it for code (`"sign"`, `"missing-1/n"`, `"constant-factor"`, `"earlier"`,
    `"no-fit"`, ...: `core.diagnosis` lists the core's, a level adds its own); `params` are its
    figures and names (`(("factor", 1.7),)`, `(("at", "d<tensor>"),)`); for a kata that computes
    gradients on the way to the ones it returns, `between` is where in the backward pass the
    first mistake lies: the last gradient known right (None: the kata's start) and the first
    one wrong.
    """

    kind: str
    params: tuple[tuple[str, str | float | int | bool], ...] = ()
    between: tuple[str | None, str] | None = None

    def param(self, key: str, default=None):
        return dict(self.params).get(key, default)

    def as_data(self) -> dict:
        """As JSON-able data (`from_data` reads it back)."""
        return {
            "kind": self.kind,
            "params": [[k, v] for k, v in self.params],
            "between": list(self.between) if self.between else None,
        }

    @classmethod
    def from_data(cls, data: dict | None) -> Mistake | None:
        if not data:
            return None
        between = data.get("between")
        return cls(
            str(data["kind"]),
            tuple((str(k), v) for k, v in data.get("params", ())),
            (between[0], between[1]) if between else None,
        )


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one gradient of one kata."""

    output: str
    status: Status
    lines: tuple[str, ...] = ()  # for the learner; the first line says it all
    phase: str | None = None  # the phase that failed, if one did
    comparison: Comparison | None = None
    mistake: Mistake | None = None  # the likely mistake, when the values are wrong

    @property
    def message(self) -> str:
        return "\n".join(self.lines)

    @property
    def headline(self) -> str:
        return self.lines[0] if self.lines else str(self.status)


@dataclass(frozen=True)
class KataResult:
    """One kata's outcome: the checks graded (all of them, or a selection's) and where."""

    kata: Kata
    checks: dict[str, CheckResult] = field(default_factory=dict)
    duration: float = 0.0  # seconds spent grading it
    path: str = ""  # the learner's file as pytest shows it (katas/NN_name.py)
    line: int = 1  # where the learner's function starts
    digest: str = ""  # of the file's bytes as graded, to tell when the learner changed it

    def status_of(self, output: str) -> Status:
        check = self.checks.get(output)
        return Status.TODO if check is None else check.status

    @property
    def status(self) -> Status:
        return kata_status(self.status_of(o) for o in self.kata.outputs)

    @property
    def passed(self) -> int:
        return sum(self.status_of(o) is Status.PASSED for o in self.kata.outputs)

    @property
    def failing(self) -> list[CheckResult]:
        """The checks graded that did not pass, in the kata's order."""
        return [
            self.checks[o]
            for o in self.kata.outputs
            if o in self.checks and self.checks[o].status is not Status.PASSED
        ]

    @property
    def first_problem(self) -> str:
        failing = self.failing
        return failing[0].headline if failing else ""

    def with_check(self, check: CheckResult) -> KataResult:
        return replace(self, checks={**self.checks, check.output: check})


def every_check(kata: Kata, status: Status, line: str, duration: float = 0.0) -> KataResult:
    """One verdict for all of a kata's checks (a file that cannot load, a crash, a timeout)."""
    checks = {out: CheckResult(out, status, (line,)) for out in kata.outputs}
    return KataResult(kata, checks, duration)


def part_as_data(folder: Path, part: KataResult) -> dict:
    """A one-check result and its folder as JSON-able data (`part_from_data` reads it back):
    how a check's verdict travels on a pytest report, to an xdist controller."""
    (check,) = part.checks.values()
    return {
        "folder": str(folder),
        "kata": part.kata.id,
        "output": check.output,
        "status": check.status.value,
        "lines": list(check.lines),
        "phase": check.phase,
        "mistake": check.mistake.as_data() if check.mistake else None,
        "path": part.path,
        "line": part.line,
        "digest": part.digest,
        "duration": part.duration,
    }


def part_from_data(data: dict, kata_of: Callable[[str], Kata]) -> tuple[Path, KataResult]:
    """The folder and the one-check result that `part_as_data` wrote; `kata_of` finds a kata
    by its id (raises KeyError or ValueError on data that is not such a record)."""
    check = CheckResult(
        str(data["output"]),
        Status(data["status"]),
        tuple(str(line) for line in data["lines"]),
        data["phase"],
        mistake=Mistake.from_data(data.get("mistake")),
    )
    kata = kata_of(str(data["kata"]))
    if check.output not in kata.outputs:
        raise ValueError(f"{kata.id} has no check {check.output!r}")
    result = KataResult(
        kata,
        {check.output: check},
        float(data["duration"]),
        str(data["path"]),
        int(data["line"]),
        str(data["digest"]),
    )
    return Path(data["folder"]), result


@dataclass
class RunResults:
    """One run's results, by kata folder and kata id, as checks come in (a selection's too)."""

    folders: dict[Path, dict[str, KataResult]] = field(default_factory=dict)

    def add(self, folder: Path, part: KataResult) -> None:
        """Fold in a result of some of a kata's checks (pytest reports them one by one)."""
        katas = self.folders.setdefault(folder, {})
        old = katas.get(part.kata.id)
        if old is not None:
            part = replace(
                old, checks={**old.checks, **part.checks}, duration=max(old.duration, part.duration)
            )
        katas[part.kata.id] = part

    def by_kata(self) -> dict[str, KataResult]:
        """Every kata graded in this run, whatever its folder."""
        return {k: r for katas in self.folders.values() for k, r in katas.items()}
