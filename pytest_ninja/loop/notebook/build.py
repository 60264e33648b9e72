"""The dojo as a notebook, written from the catalogue: `pytest-ninja notebook [PATH] [--level N]`.

Nothing in it is kept by hand: a first markdown cell (the level's own words, then what this
is, where progress lives, Colab's vanishing /content and Drive), a set-up cell that installs
the dojo only where it is missing, loads the extension and declares the notebook's levels
(`%kata_levels 2`: see `nb_scope` for why there), then per kata a markdown cell (`nb_about`:
what it reverses, takes and returns, the lecture's chapter) and a code cell holding the kata's
stub function exactly as in `katas/NN_*.py`, under `%%kata NN`; each level ends with its
closing words and the panel. A notebook of several levels gives each after the first its own
intro. The stubs come from the installed dojo (`levels.bundled("katas")`), so the notebook
always matches the katas `pytest` grades. Written as nbformat 4.5 JSON directly (no Jupyter
package needed to write it); no torch.
"""

from __future__ import annotations

import json
from pathlib import Path

from pytest_ninja import __version__
from pytest_ninja.core import atomic
from pytest_ninja.core.level import Kata, Level
from pytest_ninja.core.loading import function_source
from pytest_ninja.core.stubs import IMPORTS
from pytest_ninja.levels import FIRST, bundled
from pytest_ninja.loop.notebook.about import kata_markdown
from pytest_ninja.loop.notebook.scope import described, levels_of

HELP = "write the dojo as a Jupyter / Colab notebook, every kata graded in its cell"
DEFAULT_PATH = "dojo.ipynb"  # the lecture's level; another's is named after it: dojo-gpt.ipynb
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


def default_path(katas: tuple[Kata, ...] = FIRST) -> str:
    """Where `pytest-ninja notebook` writes these katas' notebook: `dojo.ipynb` for the
    lecture's level, else named after its levels (`dojo-gpt.ipynb`, `dojo-mlp-gpt.ipynb`)."""
    if katas == FIRST:
        return DEFAULT_PATH
    return "dojo-" + "-".join(level.name for level in levels_of(katas)) + ".ipynb"


def intro(level: Level, katas: tuple[Kata, ...] = FIRST) -> str:
    """The notebook's first cell: the level's own words, then how the notebook works."""
    example = katas[min(len(katas) // 2 + 1, len(katas) - 1)].number  # one well into it
    how = HOW.format(ex=f"{example:02d}")
    if len(levels_of(katas)) > 1:  # before where progress lives
        at = how.index("\n**Where your progress lives.**")
        how = how[:at] + LEVELS.format(levels=described(katas)) + how[at:]
    return level.extras["notebook_intro"] + "\n" + how


LEVELS = """
**Its levels.** This notebook holds {levels}. Each level's katas come under its own heading,
and the panel shows them level by level.
"""

HOW = """\
- `%kata_hint` gives a hint for the kata you are on (`%kata_hint {ex}` for kata {ex}); ask again
  for the next of three levels.
- `%kata_status` shows where you stand; a kata's reference solution appears under its verdict,
  folded, once you pass it, never before.
- `pytest_ninja.check(fn)` grades any function named after a kata, and
  `from pytest_ninja import cmp` is the Backprop Ninja lecture's `cmp(name, dt, t)`.

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
%kata_levels {levels}
{imports}
"""


def kata_code(kata: Kata) -> str:
    """`%%kata NN` over the stub's function, exactly as in `katas/NN_*.py`."""
    lines = function_source(bundled("katas") / kata.filename, kata.name)
    return f"%%kata {kata.number:02d}\n" + "\n".join(lines) + "\n"


def build(install: str | None = None, katas: tuple[Kata, ...] = FIRST) -> dict:
    """The notebook of these katas (one level's, or several levels', whole) as nbformat 4.5
    JSON data."""
    levels = levels_of(katas)
    setup = SETUP.format(
        source=install or WHEEL,
        levels=",".join(str(level.number) for level in levels),
        imports="\n".join(STUB_IMPORTS),
    )
    cells = [markdown("intro", intro(levels[0], katas)), code("setup", setup)]
    for level in levels:
        if level is not levels[0]:
            cells.append(markdown(f"intro-{level.number}", level.extras["notebook_intro"]))
        for kata in (k for k in katas if k.level == level.number):
            cells += [
                markdown(f"about-{kata.number:02d}", kata_markdown(kata)),
                code(f"kata-{kata.number:02d}", kata_code(kata)),
            ]
        end = "" if level is levels[-1] else f"-{level.number}"  # the last is the notebook's
        cells += [
            markdown(f"standing{end}", level.extras["notebook_closing"]),
            code(f"status{end}", "%kata_status\n"),
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


def write_notebook(
    path: Path | str, install: str | None = None, katas: tuple[Kata, ...] = FIRST
) -> Path:
    """Write the notebook of these katas to `path` (replacing it); `install` is the set-up
    cell's pip source (default: the wheel `pip wheel --no-deps .` builds, uploaded beside it)."""
    path = Path(path)
    data = build(install, katas)
    atomic.write_text(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return path
