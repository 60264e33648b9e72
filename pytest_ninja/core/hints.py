"""Hints: a level's three levels of help per kata, worked examples, and its video's chapters.

A level gives its content as data (`Hints`: texts, `Example`s, chapters); this module renders
it. Level 1 is a nudge, level 2 names the rule, level 3 is nearly the formula and ends with a
worked example small enough to check by hand. An example is kept as data and its text is
rendered from that data, so tests can recompute each printed number with autograd. No torch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pytest_ninja.core.kata import Kata

LEVELS = 3
WIDTH = 88  # a hint's lines are at most this long, and a hint at most MAX_LINES lines
MAX_LINES = 8

Value = int | float | list


@dataclass(frozen=True)
class Example:
    """A worked example: inputs as printed, and what they give, rounded as printed.

    `shows` holds (name, value, decimals): a forward tensor (`x`) or a gradient (`dx`); the
    last one is the kata's trickiest output. `hidden` holds inputs the forward pass needs
    but that none of the shown results depends on, so the text can leave them out.
    """

    given: dict[str, Value]
    shows: tuple[tuple[str, Value, int], ...]
    hidden: dict[str, Value] = field(default_factory=dict)
    note: str = ""

    def render(self) -> str:
        """The example as the hint prints it, wrapped at WIDTH."""
        given = [f"{name} = {_given(value)}" for name, value in self.given.items()]
        shows = [f"{name} = {_rounded(value, d)}" for name, value, d in self.shows]
        atoms = ["e.g.", *_commas(given), "give", *_commas(shows)]
        if self.note:
            atoms += f"({self.note})".split()
        return _fill(atoms)


def _given(value: Value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_given(v) for v in value) + "]"
    return str(value) if isinstance(value, int) else f"{value:g}"


def _rounded(value: Value, decimals: int) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_rounded(v, decimals) for v in value) + "]"
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text  # no -0.00


def _commas(pieces: list[str]) -> list[str]:
    return [p + "," for p in pieces[:-1]] + pieces[-1:]


def _fill(atoms: list[str]) -> str:
    """Greedy line filling that never breaks inside an atom (`dx = [[-0.5], [0.5]]`)."""
    lines = [atoms[0]]
    for atom in atoms[1:]:
        if len(lines[-1]) + 1 + len(atom) <= WIDTH:
            lines[-1] += " " + atom
        else:
            lines.append(atom)
    return "\n".join(lines)


def _text(*lines: str) -> str:
    return "\n".join(lines)


def text(*lines: str) -> str:
    """A hint's text from its lines."""
    return "\n".join(lines)


def timestamp(seconds: int) -> str:
    """`13:01`, `1:05:17`: as a video's chapter list writes it."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass(frozen=True)
class Hints:
    """One level's hints, and the video chapters that cover its katas."""

    katas: tuple[Kata, ...]
    texts: dict[str, tuple[str, str, str]]  # kata id -> levels 1, 2, 3
    # kata id -> the example that ends level 3 (none for a kata too big to print: a whole block)
    examples: dict[str, Example]
    video: str  # the lecture's URL; a chapter is `&t=<start>s` on it
    chapters: dict[int, str]  # start in seconds -> title, in the video's order
    starts: Callable[[Kata], tuple[int, ...]]  # the chapters covering a kata, main one first
    more: str = "pytest-ninja hint {number}"  # how to ask for the next level
    levels: int = field(default=LEVELS)

    def kata(self, key: str) -> Kata:
        """The kata named by its id, number or name (KeyError when it is not this level's)."""
        for k in self.katas:
            if key in (k.id, k.name) or (key.isdigit() and int(key) == k.number):
                return k
        raise KeyError(f"no kata {key!r}")

    def hint(self, key: str, level: int) -> str:
        """Hint `level` (1 a nudge .. 3 nearly the formula, with a worked example)."""
        if not 1 <= level <= self.levels:
            raise ValueError(f"hint levels go from 1 to {self.levels}, not {level}")
        kid = self.kata(key).id
        words = self.texts[kid][level - 1]
        if level == self.levels and kid in self.examples:
            return words + "\n" + self.examples[kid].render()
        return words

    def example(self, key: str) -> Example:
        """The worked example that ends a kata's level-3 hint."""
        return self.examples[self.kata(key).id]

    def chapter_starts(self, key: str) -> tuple[int, ...]:
        """The starts (in seconds) of the chapters covering a kata, main one first."""
        return self.starts(self.kata(key))

    def chapter(self, key: str) -> str:
        """The chapter(s) covering a kata, e.g. `exercise 2: ..., from 1:26:31`."""
        main, *also = self.chapter_starts(key)
        parts = [f"{self.chapters[main]}, from {timestamp(main)}"]
        parts += [f"{self.chapters[s]}, at {timestamp(s)}" for s in also]
        return "; ".join(parts)

    def chapter_url(self, key: str, start: int | None = None) -> str:
        """The video at the kata's chapter (or at `start`, one of its chapter starts)."""
        starts = self.chapter_starts(key)
        if start is None:
            start = starts[0]
        elif start not in starts:
            raise ValueError(f"{start} s starts no chapter of {self.kata(key).id}")
        return f"{self.video}&t={start}s"

    def lines(self, key: str, level: int) -> list[str]:
        """A hint as the learner is shown it: heading, text, chapter, how to get more."""
        kata = self.kata(key)
        number, name = kata.id.split("_", 1)
        out = [
            f"hint {level}/{self.levels} for {number} {name}",
            *self.hint(kata.id, level).splitlines(),
        ]
        out += ["", f"in the lecture: {self.chapter(kata.id)}  {self.chapter_url(kata.id)}"]
        if level < self.levels:
            out.append("more: " + self.more.format(number=number))
        return out
