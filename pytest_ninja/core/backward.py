"""A kata's backward pass as a graph: its order, what each gradient depends on, where a mistake is.

A kata's catalogue entry lists its backward pass as `Step`s, in the order the gradients are
computed, each naming the gradients it is computed from (`Kata.steps`). Two questions are
answered from it, never from the order of a kata's returned keys:

- which wrong output comes *before* another in the backward pass, so that the diagnosis can
  say "fix X first" only about a gradient the other one is really computed from
  (`earlier_outputs`);
- for a fused kata (one that computes gradients it does not return, such as a whole network
  returning only its parameters' gradients), between which intermediate gradients the first
  mistake lies (`localise`). A right output says its sources were right (one mistake at a
  time); a wrong output says a step on its way is wrong; the mistake is in a step every wrong
  output depends on and no right one does.

Plain data over `core.level`'s types: no torch, no level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pytest_ninja.core.kata import Kata, Step


def step_of(kata: Kata, grad: str) -> Step | None:
    return next((s for s in kata.steps if s.grad == grad), None)


def order(kata: Kata) -> tuple[str, ...]:
    """Every gradient the kata computes, in the order its backward pass computes them."""
    return tuple(s.grad for s in kata.steps)


def ancestors(kata: Kata, grad: str) -> tuple[str, ...]:
    """The gradients of the kata's pass that `grad` is computed from, directly or not, in order."""
    found: set[str] = set()
    todo = [grad]
    while todo:
        step = step_of(kata, todo.pop())
        for source in step.sources if step else ():
            if source not in found and step_of(kata, source) is not None:
                found.add(source)
                todo.append(source)
    return tuple(g for g in order(kata) if g in found)


def descendants(kata: Kata, grad: str) -> frozenset[str]:
    """The gradients computed from `grad`, directly or not, and `grad` itself."""
    return frozenset(g for g in order(kata) if g == grad or grad in ancestors(kata, g))


def earlier_outputs(kata: Kata, out: str) -> tuple[str, ...]:
    """The outputs `out` is computed from, earliest in the backward pass first."""
    return tuple(g for g in ancestors(kata, out) if g in kata.outputs)


def informative(kata: Kata, out: str) -> bool:
    """Whether a right `out` says anything about its sources: not one whose reference is ~0
    whatever its sources are (`Kata.scale_from`: a bias behind a normalisation that removes
    any shift is 0 for any gradient the normalisation passes back)."""
    return kata.scale_source(out) is None


@dataclass(frozen=True)
class Region:
    """Where in a kata's backward pass the first mistake lies, from the outputs right and wrong."""

    right: tuple[str, ...]  # outputs right, that vouch for the gradients they come from
    wrong: tuple[str, ...]  # outputs wrong
    start: str | None  # the last gradient known right (or given) before it; None: the start
    end: str | None  # the first gradient wrong; None: no one step explains every wrong output
    vias: tuple[str, ...] = ()  # the steps from start to end, in a learner's words

    def words(self) -> str:
        lead = ""
        if self.right:
            lead = f"{_listed(self.right)} {_are(self.right)} right, {_listed(self.wrong)} "
            lead += f"{_are(self.wrong)} not: "
        elif len(self.wrong) > 1:
            lead = "every gradient returned is wrong: "
        if self.end is None:
            return (
                lead + "no one step explains them all, so there is more than one mistake: "
                f"start with {self.wrong[0]}, the first of them in the backward pass"
            )
        how = f" ({', '.join(self.vias)})" if self.vias else ""
        if self.start is None:
            return lead + f"the mistake is in {self.end}{how}, the first step"
        return lead + f"the mistake is between {self.start} and {self.end}{how}"


def localise(
    kata: Kata,
    right: frozenset[str] | set[str],
    wrong: frozenset[str] | set[str],
    between: tuple[str | None, str] | None = None,
) -> Region | None:
    """The region of the backward pass the first mistake is in (None: nothing is wrong).

    `between`, when a known mistake was recognised at one step, narrows it to that step.
    """
    wrong_outs = tuple(g for g in order(kata) if g in wrong)
    if not wrong_outs:
        return None
    right_outs = tuple(g for g in order(kata) if g in right and informative(kata, g))
    vouched = {a for g in right_outs for a in (g, *ancestors(kata, g))}
    if between is not None:
        start, end = between
        step = step_of(kata, end)
        vias = (step.via,) if step and step.via else ()
        return Region(right_outs, wrong_outs, start, end, vias)
    chain = [
        g
        for g in order(kata)
        if g not in vouched and all(w in descendants(kata, g) for w in wrong_outs)
    ]
    if not chain:
        return Region(right_outs, wrong_outs, None, None)
    first = step_of(kata, chain[0])
    sources = first.sources if first else ()
    start = next((g for g in sources if g in vouched), sources[0] if sources else None)
    steps = [step_of(kata, g) for g in chain]
    vias = tuple(s.via for s in steps if s and s.via)
    return Region(right_outs, wrong_outs, start, chain[-1], vias)


_NUMBERED = re.compile(r"^(d[A-Za-z_]+\.\d+\.)")  # a numbered part's gradients: `dpart.1.`
GROUPED = 3  # a numbered part with this many gradients in a list is named once, with a count


def _compact(names: tuple[str, ...]) -> list[str]:
    """Names as a list shows them: a numbered part's gradients once with their count
    (`dpart.1.* (12)`), a layer's weight and bias together (`dlayer.weight/bias`)."""
    parts: dict[str, list[str]] = {}
    for name in names:
        found = _NUMBERED.match(name)
        parts.setdefault(found.group(1) if found else name, []).append(name)
    flat: list[str] = []
    for key, members in parts.items():
        flat += [f"{key}* ({len(members)})"] if len(members) >= GROUPED else members
    shown: list[str] = []
    for name in flat:
        head, _, last = name.rpartition(".")
        before = shown[-1].rpartition(".") if shown else ("", "", "")
        if head and "*" not in name and before[0] == head and "/" not in before[2]:
            shown[-1] = f"{head}.{before[2]}/{last}"
        else:
            shown.append(name)
    return shown


def _listed(names: tuple[str, ...]) -> str:
    shown = _compact(names)
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def _are(names: tuple[str, ...]) -> str:
    return "is" if len(names) == 1 else "are"
