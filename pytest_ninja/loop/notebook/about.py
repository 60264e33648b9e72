"""A kata's markdown cell in the notebook: what it reverses, takes and returns, and where the
lecture shows it.

The forward lines it reverses, a table of what it takes and returns with their shapes and
notes (its own shapes first, `Kata.shapes`; its level's otherwise), and for a kata of dict
inputs (a GPT's `Kata.groups`) the keys of each and their shapes, a numbered block's once as
`h.{i}.`, as its stub lists them (`core.stubs`); a kata returning a dict of gradients
(`Kata.grads`) returns `grads`, after the outputs that lead it (`Kata.leading`). Then what to
return in a sentence, the level's sizes, and the lecture's chapters with their links. Plain
text from the catalogue; no torch.
"""

from __future__ import annotations

import re

from pytest_ninja.core.hints import timestamp
from pytest_ninja.core.level import Kata, level_of
from pytest_ninja.core.stubs import shown_keys


def _chapters(kata: Kata) -> str:
    """`In the lecture: [chapter, at 1:24:25](link). `, or "" while the level has no chapter
    for the kata yet."""
    hints = level_of(kata).hints
    try:
        starts = hints.chapter_starts(kata.id)
    except KeyError:
        return ""
    links = "; ".join(
        f"[{hints.chapters[s]}, at {timestamp(s)}]({hints.chapter_url(kata.id, s)})" for s in starts
    )
    return f"In the lecture: {links}. "


def _row(role: str, name: str, shape: str, note: str) -> str:
    return f"| {role} | `{name}` | {shape} | {note.replace('|', chr(92) + '|')} |"


def _rows(kata: Kata, shape_of) -> list[str]:
    """The table's rows: what the kata takes, with each input's note, then what it returns."""
    notes, upstream = dict(kata.notes), set(kata.upstream)
    rows = []
    for name in kata.inputs:
        note = notes.get(name, "").rstrip(":")
        if name == "n":
            note = "the batch size"
        elif name in upstream:
            note = f"upstream gradient: d loss / d {name[1:]}"
        if kata.group(name) is not None:
            note += "; its keys below"
        rows.append(_row("takes", name, shape_of(name), note))
    rows += [_row("returns", o, shape_of(o), f"d loss / d {o[1:]}") for o in kata.leading]
    if kata.grads:
        keyed = _keyed_as(kata)
        rows.append(
            _row("returns", "grads", "dict", f"d loss / d each parameter, keyed as {keyed}")
        )
    return rows


def _keyed_as(kata: Kata) -> str:
    """How a kata's grads dict is keyed: as the dict input of the same keys, or by its own."""
    same = next((name for name, keys in kata.groups if keys == kata.grads), None)
    return f"`{same}`" if same else "its own keys"


def _keys_table(kata: Kata, shape_of) -> str:
    """The keys of the kata's dict inputs and their shapes, a pair of columns per input."""
    if not kata.groups:
        return ""
    columns = [
        [(f"`{key}`", shape_of(re.sub(r"\{i\}", "0", key))) for key in shown_keys(keys)]
        for _, keys in kata.groups
    ]
    names = [name for name, _ in kata.groups]
    head = "| " + " | ".join(f"`{n}` key | shape" for n in names) + " |"
    rule = "|" + "---|---|" * len(names)
    rows = []
    for i in range(max(len(c) for c in columns)):
        cells = [c[i] if i < len(c) else ("", "") for c in columns]
        rows.append("| " + " | ".join(f"{key} | {shape}" for key, shape in cells) + " |")
    words = " and ".join(f"`{n}`" for n in names)
    return f"The keys of {words}:\n\n" + "\n".join([head, rule, *rows]) + "\n\n"


def _returns(kata: Kata) -> str:
    """What to return, in a sentence."""
    if kata.grads:
        lead = ", ".join(kata.leading)
        what = f"`({lead}, grads)`" if lead else "`grads`"
        shapes = "".join(f"`{o}` of `{o[1:]}`'s shape, and " for o in kata.leading)
        shapes += "`grads` " if kata.leading else ""
        keyed = f"the keys of {_keyed_as(kata)}"
        return (
            f"Return {what}: {shapes}a dict with {keyed}, each the gradient of that "
            "parameter, of its shape. Fill it one key at a time: a missing key is reported as "
            "todo, an unknown key is an error."
        )
    if len(kata.outputs) == 1:
        return f"Return `{kata.outputs[0]}`."
    return (
        "Return a dict keyed by these names; fill it one key at a time (a key not written "
        "yet is reported as todo)."
    )


def kata_markdown(kata: Kata) -> str:
    level = level_of(kata)

    def shape_of(tensor: str) -> str:  # the kata's own shape first (`Kata.shapes`)
        return kata.shape(tensor, level.shape_of)

    number, name = kata.id.split("_", 1)
    reverses = "\n".join(kata.reverses)
    start = "It starts at the loss itself: there is no upstream gradient to take in. "
    return (
        f"## {number} {name}: {kata.title}\n\n"
        f"The backward pass of these forward lines, by hand:\n\n```python\n{reverses}\n```\n\n"
        "| | tensor | shape | |\n|---|---|---|---|\n" + "\n".join(_rows(kata, shape_of)) + "\n\n"
        f"{_keys_table(kata, shape_of)}"
        f"{start if 'loss' in kata.frontier else ''}{_returns(kata)} "
        f"{level.extras['notebook_sizes']}\n\n"
        f"{_chapters(kata)}Stuck? `%kata_hint {number}`, again for the next level.\n"
    )
