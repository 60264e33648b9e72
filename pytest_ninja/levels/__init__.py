"""The levels: each one folder of one model's content, and nothing else.

Level 1 (`levels.mlp`) is the lecture's MLP: its model in atoms and fused, its kata entries,
hints, known mistakes and exercise 4's training. Level 2 (`levels.gpt`) is a small
character-level GPT, one kata per op. This package gathers them: every kata of
every level (`KATAS`), found by id, number or name (`find`) or by its file (`kata_for_file`),
by level (`of_levels`, or a list a learner types, `of_level_list`; `FIRST`: the lecture's, the
default) or by the files a folder holds
(`present_in`), and the folders of their stubs and reference solutions (`bundled`). `names`
loads the lecture's names.txt, which the levels train on.

What it may import: the grading core, and itself. Never the learner's loop, class grading or
the command line, and never pytest.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from pytest_ninja.core.level import Kata, Level, level_of
from pytest_ninja.levels import gpt, mlp

LEVELS: tuple[Level, ...] = (mlp.LEVEL, gpt.LEVEL)
KATAS: tuple[Kata, ...] = tuple(k for level in LEVELS for k in level.katas)
BY_ID: dict[str, Kata] = {k.id: k for k in KATAS}
# the lecture's level: what a workspace, a notebook or a class starts with when none is named
FIRST: tuple[Kata, ...] = LEVELS[0].katas
_KATA_FILE = re.compile(r"^(\d\d)_([a-z0-9_]+)$")

__all__ = [
    "BY_ID",
    "FIRST",
    "KATAS",
    "LEVELS",
    "bundled",
    "find",
    "kata_for_file",
    "level_of",
    "of_level_list",
    "of_levels",
    "present_in",
    "total_checks",
]


def find(key: str) -> Kata | None:
    """The kata named by its id (`NN_name`), number (`NN`, `N`) or name."""
    key = key.strip().removesuffix(".py")
    key = key.rsplit("/", 1)[-1]
    if key in BY_ID:
        return BY_ID[key]
    if key.isdigit():
        return next((k for k in KATAS if k.number == int(key)), None)
    return next((k for k in KATAS if k.name == key), None)


def kata_for_file(stem: str) -> Kata | None:
    """The kata a file stem belongs to (`NN_name`), or None for other files."""
    return BY_ID.get(stem) if _KATA_FILE.match(stem) else None


def of_levels(numbers) -> tuple[Kata, ...]:
    """The katas of these levels, in the catalogue's order; ValueError naming an unknown one."""
    known = {level.number for level in LEVELS}
    wanted = set(numbers)
    unknown = sorted(wanted - known)
    if unknown:
        have = ", ".join(f"{lv.number} ({lv.title})" for lv in LEVELS)
        raise ValueError(f"there is no level {unknown[0]}: the levels are {have}")
    return tuple(k for k in KATAS if k.level in wanted)


def of_level_list(text: str) -> tuple[Kata, ...]:
    """The katas of the levels a learner lists (`2`, `1,2`); ValueError of one line otherwise."""
    words = [w.strip() for w in text.split(",") if w.strip()]
    if not words:
        raise ValueError("name a level, e.g. 2, or several, e.g. 1,2")
    bad = next((w for w in words if not w.isdigit()), None)
    if bad is not None:
        raise ValueError(f"{bad!r} is not a level number")
    return of_levels(int(w) for w in words)


def present_in(folder: Path) -> tuple[Kata, ...]:
    """The katas of every level that has a kata file in `folder` (level 1's when none has):
    a folder of the lecture's katas alone never shows another level's as todo."""
    levels = {k.level for k in KATAS if (Path(folder) / k.filename).is_file()}
    return of_levels(levels) if levels else FIRST


def total_checks(katas: tuple[Kata, ...] = KATAS) -> int:
    return sum(len(k.outputs) for k in katas)


def bundled(kind: str) -> Path:
    """The folder of the katas' stubs (`katas`) or reference solutions (`solutions`) that ships
    with the dojo: in the package (`pytest_ninja/dojo/`) when it was installed from a wheel,
    else the checkout's own `katas/` and `solutions/`."""
    packaged = resources.files("pytest_ninja").joinpath("dojo", kind)
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / kind
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"the dojo's {kind} are not installed with the package")
