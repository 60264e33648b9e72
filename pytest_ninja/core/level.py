"""The interface between the grading core and a level: what a level gives, and what a kata is.

A level (one model's content, in its own folder under `levels/`) gives the core its katas,
its named phases with the words a learner reads when one fails, each kata's problem in each
phase, the mistakes only it can name, and what its stubs and hints say. It registers itself
when it is imported (`register`); the core finds a kata's level by the kata's level number
(`level_of`), so the core never imports a level and never names a level's tensors.

A kata knows its own backward pass (`Kata.backward`, a tuple of `Step`s in the order the
gradients are computed, each naming the gradients it is computed from): the core walks it to
say which wrong gradient comes first and, for a kata that computes gradients it does not
return (a fused one), between which of them the first mistake lies (`core.backward`). A
level's known mistakes come as diagnosis rules and as `Slip`s: one wrong step of a kata's
backward pass, whose consequences the core works out from the phase's graph.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pytest_ninja.core.hints import Hints
from pytest_ninja.core.kata import Kata, Step

__all__ = ["Kata", "Level", "Mistakes", "Phase", "Step", "deferred", "level_of", "register"]


@dataclass(frozen=True)
class Phase:
    """One grading phase of a level, as a learner reads about it."""

    name: str  # "lecture", "stress", "stress-eps"
    words: str  # "failed in " + words: what the phase is, and what failing only it means
    after: str = ""  # added when the function ran in the phase before and broke in this one
    # the likely mistake of an answer right in every phase before this one and wrong here,
    # when no rule names it ("" for the level's default: numbers hard-wired to the first)
    suspect: str = ""


@dataclass(frozen=True)
class Slip:
    """A known mistake at one step of a kata's backward pass, every later step done right.

    `at` is the gradient it makes wrong: an output, or one the kata computes on the way (its
    `Kata.backward` names it); `wrong(values)` computes that wrong gradient from the kata's
    inputs and the float64 references of its gradients, in one mapping. The core propagates
    it through the rest of the pass to every output, so a fused kata's mistake is named in
    the words of the smaller kata that has that step.
    """

    at: str
    kind: str  # what it is, for code ("textbook-formula")
    words: str  # what the learner reads
    wrong: Callable[[dict], Any]


def _none(suspect) -> None:
    return None


def _no_slips(kata: Kata) -> tuple[Slip, ...]:
    return ()


def _no_shape(kata: Kata, out: str, got: tuple[int, ...], problem) -> None:
    return None


@dataclass(frozen=True)
class Mistakes:
    """A level's own diagnosis: two rules that run in their place among the core's, slips, and
    the shapes its mistakes make.

    Each rule takes a `diagnosis.Suspect` (the wrong answer and all it is judged with) and
    returns a `diagnosis.Verdict` or None. `specific` runs after the slips (one branch of two
    scaled or missing, ...); `located` after the upstream-gradient rules (mistakes known by
    where the wrong entries are). `slips(kata)` are the kata's known wrong steps.
    `shaped(kata, output, shape, problem)` names the mistake behind a wrong shape where one
    is known (a gradient with a row per position used, where its tensor has a row per
    position it could be used at), or returns None.
    """

    specific: Callable[[Any], Any] = _none
    located: Callable[[Any], Any] = _none
    slips: Callable[[Kata], tuple[Slip, ...]] = _no_slips
    shaped: Callable[[Kata, str, tuple[int, ...], Any], Any] = _no_shape


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


def deferred(module: str, name: str) -> Callable:
    """`module.name`, imported when first called: a level's torch-heavy modules (its caches,
    its mistakes) wait until a kata is graded."""

    def call(*args, **kwargs):
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = name
    return call


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
