"""A kata's stub file, generated from its catalogue entry: the file a learner starts from.

`katas/NN_name.py` is never written by hand: its docstring (the forward lines it reverses, the
shape of every input and output, what to return) comes from the kata's entry and its level's
shapes, so the stub and the grader cannot drift apart. `pytest-ninja stubs` rewrites them in
a checkout; a test fails when one differs from what this module makes.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable

from pytest_ninja.core.level import Kata

WIDTH = 100  # the project's line length: a long parameter list wraps under its bracket
SHAPE_WIDTH = 15  # the column the notes start in, after a shape
IMPORTS = "import torch\nimport torch.nn.functional as F\n"


def _signature(kata: Kata) -> str:
    """The def line, wrapped as ruff formats it when it is longer than the line length."""
    one_line = f"def {kata.name}({', '.join(kata.inputs)}):"
    if len(one_line) <= WIDTH:
        return one_line
    inner = "    " + ", ".join(kata.inputs)
    if len(inner) <= WIDTH:
        return f"def {kata.name}(\n{inner}\n):"
    return f"def {kata.name}(\n" + "".join(f"    {p},\n" for p in kata.inputs) + "):"


def _table(rows: list[tuple[str, str, str]], name_width: int) -> list[str]:
    return [
        f"        {name:<{name_width}}{shape:<{SHAPE_WIDTH}}{note}".rstrip()
        if note
        else f"        {name:<{name_width}}{shape}"
        for name, shape, note in rows
    ]


def shown_keys(keys: tuple[str, ...]) -> list[str]:
    """A dict input's keys as the stub lists them: the keys of numbered blocks once, with
    `{i}` for the number (`h.{i}.ln_1.weight`), in their first place."""
    shown: list[str] = []
    for key in keys:
        key = re.sub(r"(^|\.)\d+\.", r"\1{i}.", key)
        if key not in shown:
            shown.append(key)
    return shown


def _group(keys: tuple[str, ...], shape_of: Callable[[str], str]) -> list[str]:
    """The rows of a dict input's keys and shapes, under its own row."""
    shown = shown_keys(keys)
    width = max(len(k) for k in shown) + 2
    shape = {k: shape_of(re.sub(r"\{i\}", "0", k)) for k in shown}
    return [f"            {k:<{width}}{shape[k]}" for k in shown]


def _returns(kata: Kata, shape_of: Callable[[str], str], name_width: int) -> list[str]:
    """What the stub says the kata returns."""
    outputs = [(o, kata.shape(o, shape_of), f"d loss / d {o[1:]}") for o in kata.leading]
    if kata.grads:
        keyed = "the keys of params" if kata.group("params") == kata.grads else "these keys"
        lead = ", ".join(kata.leading)
        what = f"({lead}, grads)" if lead else "grads"
        shapes = "".join(f"{o} of {o[1:]}'s shape, and " for o in kata.leading)
        words = (
            f"Returns {what}: {shapes}grads a dict with {keyed}, each the gradient of that "
            "parameter, of its shape (fill it one key at a time: a missing key is reported as "
            "todo, an unknown key is an error):"
        )
        return [
            textwrap.fill(words, WIDTH - 4, initial_indent="    ", subsequent_indent="    "),
            *_table(outputs, name_width),
            *_table([("grads", "dict", "{key: d loss / d params[key]}")], name_width),
        ]
    if len(kata.outputs) == 1:
        (out,) = kata.outputs
        return [f"    Returns {out}, a tensor of {out[1:]}'s shape:", *_table(outputs, name_width)]
    return [
        "    Returns a dict keyed by these names (fill it one key at a time: a missing key",
        "    is reported as todo):",
        *_table(outputs, name_width),
    ]


def render(kata: Kata, shape_of: Callable[[str], str], sizes: str) -> str:
    """The stub of `kata`: `shape_of(name)` gives a tensor's shape as the learner reads it
    (the kata's own `Kata.shapes` first), `sizes` says what the sizes in those shapes are."""
    returned = (*kata.leading, "grads") if kata.grads else kata.outputs
    name_width = max(len(n) for n in (*kata.inputs, *returned)) + 2
    upstream = set(kata.upstream)
    notes = dict(kata.notes)
    inputs = []
    for name in kata.inputs:
        if name == "n":
            note = "the batch size"
        elif name in upstream:
            note = f"upstream gradient: d loss / d {name[1:]}"
        else:
            note = notes.get(name, "")
        inputs.append(_table([(name, kata.shape(name, shape_of), note)], name_width)[0])
        if kata.group(name) is not None:
            inputs += _group(kata.group(name), lambda key: kata.shape(key, shape_of))
    forward = "\n".join(f"        {line}" for line in kata.reverses)
    parts = [
        "Write the backward pass of these forward lines by hand:",
        "",
        forward,
        "",
        textwrap.fill(sizes, WIDTH - 4, initial_indent="    ", subsequent_indent="    ")[4:] + ":",
        *inputs,
        "",
    ]
    if "loss" in kata.frontier:
        parts += [
            "    The kata starts at the loss itself, so there is no upstream gradient to take in.",
            "",
        ]
    parts += [
        *_returns(kata, shape_of, name_width),
        "",
        f"    Check it with: pytest katas/{kata.filename}",
    ]
    doc = "\n".join(
        p if i == 0 or not p or p.startswith("    ") else "    " + p for i, p in enumerate(parts)
    )
    return (
        f'"""Kata {kata.number:02d}: {kata.title}."""\n\n{IMPORTS}\n\n'
        f'{_signature(kata)}\n    """{doc}\n    """\n    raise NotImplementedError\n'
    )
