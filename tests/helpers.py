"""Shared helpers for the tests: the repository's folders and a way to lay out a dojo."""

from __future__ import annotations

import shutil
from pathlib import Path

from pytest_ninja.catalogue import BY_ID
from pytest_ninja.result import CheckResult, KataResult, Status

ROOT = Path(__file__).resolve().parent.parent
KATAS = ROOT / "katas"
SOLUTIONS = ROOT / "solutions"


def lay_out(where: Path, solved: tuple[str, ...] = (), folder: str = "katas") -> Path:
    """A `katas/` folder of stubs under `where`, with the named katas replaced by solutions."""
    target = where / folder
    target.mkdir(parents=True, exist_ok=True)
    for stub in sorted(KATAS.glob("[0-9][0-9]_*.py")):
        source = SOLUTIONS / stub.name if stub.stem in solved else stub
        shutil.copy(source, target / stub.name)
    return target


def result_of(kata_id: str, *statuses: Status, line: str = "") -> KataResult:
    """A kata's result with these statuses for its first checks (the rest not graded)."""
    kata = BY_ID[kata_id]
    checks = {
        out: CheckResult(out, status, (line or f"{out} | {status}",))
        for out, status in zip(kata.outputs, statuses)
    }
    return KataResult(kata, checks, path=f"katas/{kata.filename}", line=7)


def passing(kata_id: str, passed: int) -> KataResult:
    """A kata's result with its first `passed` checks passing and the others failing."""
    outputs = BY_ID[kata_id].outputs
    statuses = [Status.PASSED] * passed + [Status.FAILED] * (len(outputs) - passed)
    return result_of(kata_id, *statuses)
