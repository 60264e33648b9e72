"""The dojo as a notebook, written from the catalogue: `pytest-ninja notebook [PATH]`.

Nothing in it is kept by hand: a first markdown cell (what this is, where progress lives,
Colab's vanishing /content and Drive), a set-up cell that installs the dojo only where it is
missing and loads the extension, then per kata a markdown cell (what it reverses, the shapes,
the lecture's chapter with its link) and a code cell holding the kata's stub function exactly
as in `katas/NN_*.py`, under `%%kata NN`. The stubs come from the installed dojo
(`levels.bundled("katas")`), so the notebook always matches the katas `pytest` grades.
Written as nbformat 4.5 JSON directly (no Jupyter package needed to write it); no torch.
"""

from __future__ import annotations

import json
from pathlib import Path

from pytest_ninja import __version__
from pytest_ninja.core import atomic
from pytest_ninja.core.hints import timestamp
from pytest_ninja.core.level import Kata, Level, level_of
from pytest_ninja.core.loading import function_source
from pytest_ninja.core.stubs import IMPORTS
from pytest_ninja.levels import FIRST, bundled

HELP = "write the dojo as a Jupyter / Colab notebook, every kata graded in its cell"
DEFAULT_PATH = "dojo.ipynb"
WHEEL = f"pytest_ninja-{__version__}-py3-none-any.whl"  # what `pip wheel --no-deps .` builds
STUB_IMPORTS = tuple(IMPORTS.splitlines())  # the stubs' imports, once, in the set-up cell


def _cell(kind: str, cell_id: str, text: str) -> dict:
    lines = text.splitlines(keepends=True)
    cell = {"cell_type": kind, "id": cell_id, "metadata": {}, "source": lines}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def markdown(cell_id: str, text: str) -> dict:
    return _cell("markdown", cell_id, text)


def code(cell_id: str, text: str) -> dict:
    return _cell("code", cell_id, text)


def intro(level: Level) -> str:
    """The notebook's first cell: the level's own words, then how the notebook works."""
    return level.extras["notebook_intro"] + "\n" + HOW


HOW = """\
- `%kata_hint` gives a hint for the kata you are on (`%kata_hint 09` for kata 09); ask again
  for the next of three levels.
- `%kata_status` shows where you stand; a kata's reference solution appears under its verdict,
  folded, once you pass it, never before.
- `pytest_ninja.check(fn)` grades any function named after a kata, and
  `from pytest_ninja import cmp` is the lecture's `cmp(name, dt, t)`.

**Where your progress lives.** In `katas/.ninja-progress.json` under the notebook's working
directory: the file `pytest katas/` keeps, so `pytest-ninja status` there shows it. Your
answers live in this notebook: save it.

**On Colab**, files under `/content` vanish when the runtime ends (idle for a while, or after
a day): your progress with them, and this notebook's changes unless you saved it to Drive
(File > Save a copy in Drive). To keep progress, work in a folder on Drive: uncomment the
three Drive lines in the next cell before you run it (Colab asks to mount your Drive).
"""

SETUP = """# Installs the dojo where it is missing (a fresh Colab runtime), then loads it.
# The dojo has no release on a package index: DOJO is a wheel uploaded next to this
# notebook (build it in a clone of the repository with `pip wheel --no-deps .`; on Colab,
# upload it with the Files panel), or any pip requirement, such as the repository's git URL
# ("pytest-ninja @ git+https://...") once it is public.
DOJO = {source!r}

import importlib.util
import os

if importlib.util.find_spec("pytest_ninja") is None:
    if DOJO.endswith(".whl") and "://" not in DOJO and not os.path.exists(DOJO):
        raise FileNotFoundError(f"upload {{DOJO}} next to this notebook first (see above)")
    %pip install --quiet "{{DOJO}}"
    importlib.invalidate_caches()

# Colab: keep your progress on Drive (files under /content vanish with the runtime)
# from google.colab import drive; drive.mount("/content/drive")
# %mkdir -p /content/drive/MyDrive/backprop-dojo
# %cd /content/drive/MyDrive/backprop-dojo

%load_ext pytest_ninja
{imports}
"""


def _chapters(kata: Kata) -> str:
    hints = level_of(kata).hints
    return "; ".join(
        f"[{hints.chapters[s]}, at {timestamp(s)}]({hints.chapter_url(kata.id, s)})"
        for s in hints.chapter_starts(kata.id)
    )


def kata_markdown(kata: Kata) -> str:
    level = level_of(kata)

    def shape_of(tensor: str) -> str:  # the kata's own shape first (`Kata.shapes`)
        return kata.shape(tensor, level.shape_of)

    number, name = kata.id.split("_", 1)
    reverses = "\n".join(kata.reverses)
    rows = []
    for tensor in kata.inputs:
        role = "takes"
        note = "the batch size" if tensor == "n" else ""
        if tensor in kata.upstream:
            note = f"upstream gradient: d loss / d {tensor[1:]}"
        rows.append(f"| {role} | `{tensor}` | {shape_of(tensor)} | {note} |")
    rows += [f"| returns | `{o}` | {shape_of(o)} | d loss / d {o[1:]} |" for o in kata.outputs]
    if len(kata.outputs) == 1:
        returns = f"Return `{kata.outputs[0]}`."
    else:
        returns = (
            "Return a dict keyed by these names; fill it one key at a time (a key not written "
            "yet is reported as todo)."
        )
    start = "It starts at the loss itself: there is no upstream gradient to take in. "
    return (
        f"## {number} {name}: {kata.title}\n\n"
        f"The backward pass of these forward lines, by hand:\n\n```python\n{reverses}\n```\n\n"
        "| | tensor | shape | |\n|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
        f"{start if 'loss' in kata.frontier else ''}{returns} {level.extras['notebook_sizes']}\n\n"
        f"In the lecture: {_chapters(kata)}. Stuck? `%kata_hint {number}`, again for the "
        "next level.\n"
    )


def kata_code(kata: Kata) -> str:
    """`%%kata NN` over the stub's function, exactly as in `katas/NN_*.py`."""
    lines = function_source(bundled("katas") / kata.filename, kata.name)
    return f"%%kata {kata.number:02d}\n" + "\n".join(lines) + "\n"


def build(install: str | None = None, katas: tuple[Kata, ...] = FIRST) -> dict:
    """The notebook as nbformat 4.5 JSON data."""
    setup = SETUP.format(source=install or WHEEL, imports="\n".join(STUB_IMPORTS))
    level = level_of(katas[0])
    cells = [markdown("intro", intro(level)), code("setup", setup)]
    for kata in katas:
        cells += [
            markdown(f"about-{kata.number:02d}", kata_markdown(kata)),
            code(f"kata-{kata.number:02d}", kata_code(kata)),
        ]
    cells += [
        markdown("standing", level.extras["notebook_closing"]),
        code("status", "%kata_status\n"),
    ]
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write_notebook(path: Path | str, install: str | None = None) -> Path:
    """Write the dojo notebook to `path` (replacing it); `install` is the set-up cell's pip
    source (default: the wheel `pip wheel --no-deps .` builds, uploaded beside it)."""
    path = Path(path)
    atomic.write_text(path, json.dumps(build(install), indent=1, ensure_ascii=False) + "\n")
    return path
