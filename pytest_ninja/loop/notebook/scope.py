"""Which katas a notebook holds: the levels its set-up cell declares, `%kata_levels 2`.

The panel, its `next:` and a bare `%kata_hint` follow the notebook's own katas, so its kernel
must know them, after a restart too. The set-up cell declares them, on the line after
`%load_ext pytest_ninja`: that is the cell every session runs first (no magic exists before
it), so a restarted kernel learns its levels again from the cell the learner runs anyway, and
the notebook's file says them in plain sight. The declaration lives in the kernel, one per
notebook: two notebooks in one folder share its progress file (a kata's progress is the
kata's, whichever notebook graded it) and each shows its own katas.

Why not otherwise: a kernel cannot read its notebook's file (Colab does not say where it is);
a file beside the progress would be shared by those two notebooks; the level of the kata last
graded is unknown before anything is graded (`%kata_status` after a restart) and wrong for a
notebook of two levels. A kernel that declares nothing (a notebook written before levels were
declared, `check(fn)` in a plain Python session) holds the lecture's level, as it always did.
"""

from __future__ import annotations

from pytest_ninja.core.level import Kata, Level, level_of
from pytest_ninja.levels import FIRST, of_level_list

_DECLARED: dict[str, tuple[Kata, ...]] = {}  # "katas": the kernel's, once declared


def katas() -> tuple[Kata, ...]:
    """The notebook's katas, in the catalogue's order (the lecture's level until declared)."""
    return _DECLARED.get("katas", FIRST)


def declare(levels: str) -> tuple[Kata, ...]:
    """Make the levels listed (`2`, `1,2`) the notebook's; ValueError of one line otherwise."""
    _DECLARED["katas"] = of_level_list(levels)
    return katas()


def levels_of(held: tuple[Kata, ...]) -> tuple[Level, ...]:
    """The levels of these katas, in order, each once."""
    numbers = dict.fromkeys(k.level for k in held)
    return tuple(level_of(next(k for k in held if k.level == n)) for n in numbers)


def described(held: tuple[Kata, ...] | None = None) -> str:
    """`level 2, a character-level GPT (katas 15 to 23)`, each level's, joined by `; `."""
    held = katas() if held is None else held
    parts = []
    for level in levels_of(held):
        mine = [k for k in held if k.level == level.number]
        parts.append(
            f"level {level.number}, {level.title} "
            f"(katas {mine[0].number:02d} to {mine[-1].number:02d})"
        )
    return "; ".join(parts)
