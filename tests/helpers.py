"""Shared helpers for the tests: the repository's folders and a way to lay out a dojo."""

from __future__ import annotations

import shutil
from pathlib import Path

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
