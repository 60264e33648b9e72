"""The interface between the grading core and a level: what a level gives, and what a kata is.

A level (one model's content, in its own folder under `levels/`) gives the core its katas,
its named phases with the words a learner reads when one fails, each kata's problem in each
phase, the mistakes only it can name, and what its stubs and hints say. It registers itself
when it is imported (`register`); the core finds a kata's level by the kata's level number
(`level_of`), so the core never imports a level and never names a level's tensors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pytest_ninja.core.hints import Hints
from pytest_ninja.core.kata import Kata

__all__ = ["Kata", "Level", "Mistakes", "Phase", "level_of", "register"]


@dataclass(frozen=True)
class Phase:
    """One grading phase of a level, as a learner reads about it."""

    name: str  # "lecture", "stress"
    words: str  # "failed in " + words: what the phase is, and what failing only it means
    after: str = ""  # added when the function ran in the phase before and broke in this one


def _none(*args) -> str | None:
    return None


@dataclass(frozen=True)
class Mistakes:
    """A level's own diagnosis rules, each returning a label or None.

    `specific(kata, output, answer, problem)` runs after the generic factor rules (a branch of
    two, a known wrong formula); `located(kata, output, answer, wrong, problem)` after the
    upstream-gradient rules, with the mask of wrong entries (mistakes known by where they are).
    """

    specific: Callable[..., str | None] = _none
    located: Callable[..., str | None] = _none


@dataclass(frozen=True)
class Level:
    """One level's content, as the core and the front ends need it."""

    number: int
    name: str  # the folder: levels/<name>
    title: str  # "the lecture's MLP"
    katas: tuple[Kata, ...]
    phases: tuple[Phase, ...]  # the first is the lecture's own; the others stress it
    # a kata's inputs and references in a phase: a `problems.Problem` (torch: built lazily)
    problem: Callable[[Kata, str, int | None], Any]
    hints: Hints
    shape_of: Callable[[str], str]  # a tensor's shape as a stub shows it
    sizes: str  # what the sizes in those shapes are, as a stub says it
    mistakes: Mistakes = Mistakes()
    # sizes of the first phase a learner might hard-wire (the lecture's batch of 32, ...)
    literals: tuple[int, ...] = ()
    hard_wired_words: str = "numbers hard-wired to it"
    extras: dict[str, Any] = field(default_factory=dict)  # what one front end needs of it

    def phase(self, name: str) -> Phase:
        return next(p for p in self.phases if p.name == name)

    @property
    def first_phase(self) -> str:
        return self.phases[0].name


_LEVELS: dict[int, Level] = {}


def register(level: Level) -> Level:
    """Make a level known to the core (each level's package does it when imported)."""
    _LEVELS[level.number] = level
    return level


def level_of(kata: Kata) -> Level:
    """The level a kata belongs to."""
    try:
        return _LEVELS[kata.level]
    except KeyError:
        raise LookupError(f"level {kata.level} is not loaded: import pytest_ninja.levels") from None
