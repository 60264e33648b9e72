"""The dojo notebook as written from the catalogue, and `pytest-ninja notebook`'s pair: the
lecture's level by default, `--level 2`'s, and one notebook of both levels."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re

import nbformat
import pytest
from helpers import KATAS as STUBS

from pytest_ninja.cli import commands
from pytest_ninja.cli.commands import Usage
from pytest_ninja.core.loading import function_source
from pytest_ninja.levels import BY_ID, of_levels
from pytest_ninja.levels import FIRST as KATAS  # the lecture's level
from pytest_ninja.levels.gpt import LEVEL as gpt_level
from pytest_ninja.levels.gpt import hints as gpt_hints
from pytest_ninja.levels.gpt import notebook as gpt_notebook
from pytest_ninja.levels.mlp import LEVEL, hints
from pytest_ninja.loop.notebook import build as nb_build


def written(tmp_path, *args: str) -> nbformat.NotebookNode:
    parser = argparse.ArgumentParser()
    commands.notebook_arguments(parser)
    assert commands.notebook(parser.parse_args([str(tmp_path / "dojo.ipynb"), *args])) == 0
    return nbformat.read(tmp_path / "dojo.ipynb", as_version=4)


def run(tmp_path, *args: str) -> int:
    parser = argparse.ArgumentParser()
    commands.notebook_arguments(parser)
    return commands.notebook(parser.parse_args(list(args)))


def test_the_notebook_is_valid_and_has_a_markdown_and_a_code_cell_per_kata(tmp_path):
    nb = written(tmp_path)
    nbformat.validate(nb)
    kinds = [c.cell_type for c in nb.cells]
    assert kinds == ["markdown", "code"] * (len(KATAS) + 2)
    assert nb.metadata.kernelspec.name == "python3"
    assert [c.id for c in nb.cells[2:6]] == ["about-01", "kata-01", "about-02", "kata-02"]


def test_the_first_cell_says_what_it_is_where_progress_lives_and_how_colab_keeps_it(tmp_path):
    intro = written(tmp_path).cells[0].source
    assert intro.startswith("# The backprop dojo")
    assert hints.VIDEO in intro
    assert "`katas/.ninja-progress.json`" in intro and "`pytest-ninja status`" in intro
    assert "`/content` vanish when the runtime ends" in intro and "Drive" in intro


def test_the_setup_cell_installs_the_dojo_only_where_it_is_missing_then_loads_it(tmp_path):
    setup = written(tmp_path).cells[1].source
    lines = setup.splitlines()
    missing = lines.index('if importlib.util.find_spec("pytest_ninja") is None:')
    install = lines.index('    %pip install --quiet "{DOJO}"')
    assert missing < install < lines.index("%load_ext pytest_ninja")
    assert f"DOJO = {nb_build.WHEEL!r}" in lines and "pip wheel --no-deps ." in setup
    assert "no release on a package index" in setup
    assert "import torch" in lines and "import torch.nn.functional as F" in lines
    assert '# from google.colab import drive; drive.mount("/content/drive")' in lines


def test_the_wheel_named_is_the_one_pip_wheel_builds():
    from pytest_ninja import __version__

    assert nb_build.WHEEL == f"pytest_ninja-{__version__}-py3-none-any.whl"


def test_install_names_the_source_the_setup_cell_installs_from(tmp_path):
    source = "pytest-ninja @ git+https://example.org/me/pytest-ninja@v0.1.0"
    setup = written(tmp_path, "--install", source).cells[1].source
    assert f"DOJO = {source!r}" in setup.splitlines()


@pytest.mark.parametrize("kata", KATAS, ids=lambda k: k.id)
def test_each_kata_cell_holds_its_stub_function_exactly_under_its_magic(tmp_path, kata):
    nb = written(tmp_path)
    code = next(c for c in nb.cells if c.id == f"kata-{kata.number:02d}").source
    function = "\n".join(function_source(STUBS / kata.filename, kata.name))
    assert code == f"%%kata {kata.number:02d}\n{function}\n"
    # and the stub file is its docstring, the set-up cell's imports and that function
    stub = (STUBS / kata.filename).read_text()
    assert stub.rstrip("\n").endswith(function)
    imports = [line for line in stub.splitlines() if line.startswith(("import ", "from "))]
    assert imports == list(nb_build.STUB_IMPORTS)


@pytest.mark.parametrize("kata", KATAS, ids=lambda k: k.id)
def test_each_kata_is_introduced_by_its_forward_lines_shapes_and_chapter(tmp_path, kata):
    nb = written(tmp_path)
    text = next(c for c in nb.cells if c.id == f"about-{kata.number:02d}").source
    number, name = kata.id.split("_", 1)
    assert text.startswith(f"## {number} {name}: ")
    for line in kata.reverses:
        assert line in text
    for tensor in (*kata.inputs, *kata.outputs):
        assert f"| `{tensor}` |" in text
    for start in LEVEL.hints.chapter_starts(kata.id):
        assert f"]({LEVEL.hints.chapter_url(kata.id, start)})" in text
    assert f"`%kata_hint {number}`" in text


def test_the_title_is_the_stubs_own_first_line(tmp_path):
    nb = written(tmp_path)
    about = next(c for c in nb.cells if c.id == "about-07").source
    assert about.splitlines()[0] == "## 07 backward_tanh: back through tanh (exercise 1)"


def test_the_notebook_is_the_same_every_time_it_is_written(tmp_path):
    nb_build.write_notebook(tmp_path / "a.ipynb")
    nb_build.write_notebook(tmp_path / "b.ipynb")
    assert (tmp_path / "a.ipynb").read_bytes() == (tmp_path / "b.ipynb").read_bytes()
    assert json.loads((tmp_path / "a.ipynb").read_text())["nbformat_minor"] == 5


def test_the_command_writes_dojo_ipynb_by_default_and_says_what_next(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run(tmp_path) == 0
    assert (tmp_path / "dojo.ipynb").is_file()
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "pytest-ninja: wrote dojo.ipynb: 14 katas, each graded in its own cell"
    assert nb_build.WHEEL in out[2]


def test_the_command_keeps_a_notebook_that_is_there_unless_forced(tmp_path):
    path = tmp_path / "dojo.ipynb"
    path.write_text("my answers")
    with pytest.raises(Usage, match=r"^.*dojo.ipynb is already there: kept as it is\n"):
        run(tmp_path, str(path))
    assert path.read_text() == "my answers"
    assert run(tmp_path, str(path), "--force") == 0
    nbformat.validate(nbformat.read(path, as_version=4))


@pytest.mark.parametrize(
    ("name", "message"),
    [("dojo.txt", "is not a notebook's name: end it with .ipynb"), ("d.ipynb", "is a folder")],
)
def test_the_command_refuses_what_is_not_a_notebooks_path(tmp_path, name, message):
    (tmp_path / "d.ipynb").mkdir()
    with pytest.raises(Usage, match=message):
        run(tmp_path, str(tmp_path / name))


# -- level 2, and a notebook of both levels ------------------------------------------------

SECOND = of_levels([2])
BLOCK, GPT = BY_ID["22_backward_block"], BY_ID["23_backward_gpt"]


def written_level(tmp_path, level: str, *args: str) -> tuple[nbformat.NotebookNode, str]:
    """The notebook `pytest-ninja notebook --level LEVEL` writes where it is run, and what it
    says."""
    out = io.StringIO()
    with contextlib.chdir(tmp_path), contextlib.redirect_stdout(out):
        assert run(tmp_path, "--level", level, *args) == 0
    (path,) = tmp_path.glob("*.ipynb")
    return nbformat.read(path, as_version=4), path.name + "\n" + out.getvalue()


def test_level_2s_notebook_has_its_own_name_katas_intro_and_closing(tmp_path):
    nb, said = written_level(tmp_path, "2")
    nbformat.validate(nb)
    assert said.splitlines()[:2] == [
        "dojo-gpt.ipynb",
        "pytest-ninja: wrote dojo-gpt.ipynb: 9 katas, each graded in its own cell",
    ]
    assert "pytest-ninja notebook --level 1" in said  # the other level, when ready
    ids = [c.id for c in nb.cells]
    assert ids[2:] == [
        *(f"{part}-{k.number:02d}" for k in SECOND for part in ("about", "kata")),
        "standing",
        "status",
    ]
    intro = nb.cells[0].source
    assert intro.startswith(gpt_notebook.INTRO) and gpt_hints.VIDEO in intro
    assert "`katas/.ninja-progress.json`" in intro and "`/content` vanish" in intro
    assert "`%kata_hint 20` for kata 20" in intro  # a kata of its own, not level 1's 09
    assert nb.cells[-2].source == gpt_notebook.CLOSING
    assert "makemore" not in "".join(c.source for c in nb.cells)


def test_the_setup_cell_declares_the_notebooks_levels_after_loading_the_dojo(tmp_path):
    for level, declared in (("2", "%kata_levels 2"), ("1,2", "%kata_levels 1,2")):
        (tmp_path / level).mkdir()
        nb, _ = written_level(tmp_path / level, level)
        lines = nb.cells[1].source.splitlines()
        assert lines.index(declared) == lines.index("%load_ext pytest_ninja") + 1
    assert "%kata_levels 1" in written(tmp_path).cells[1].source.splitlines()


@pytest.mark.parametrize("kata", SECOND, ids=lambda k: k.id)
def test_each_level_2_kata_cell_holds_its_stub_and_is_introduced_by_its_table(tmp_path, kata):
    nb, _ = written_level(tmp_path, "2")
    code = next(c for c in nb.cells if c.id == f"kata-{kata.number:02d}").source
    assert (
        code
        == f"%%kata {kata.number:02d}\n"
        + "\n".join(function_source(STUBS / kata.filename, kata.name))
        + "\n"
    )
    text = next(c for c in nb.cells if c.id == f"about-{kata.number:02d}").source
    for line in kata.reverses:
        assert line in text
    returned = (*kata.leading, "grads") if kata.grads else kata.outputs
    for name in (*kata.inputs, *returned):
        assert f"| `{name}` |" in text
    for _, note in kata.notes:
        assert note.rstrip(":") in text
    assert f"`%kata_hint {kata.number}`" in text
    hints = gpt_level.hints
    if kata.id in gpt_hints.HINTS:  # the level's chapters for it, once it has hints
        for start in hints.chapter_starts(kata.id):
            assert f"]({hints.chapter_url(kata.id, start)})" in text


def stub_keys(kata) -> set[tuple[str, str]]:
    """The keys and shapes the stub's docstring lists under its dict inputs."""
    text = (STUBS / kata.filename).read_text()
    return set(re.findall(r"^ {12}(\S+) +(\(.*\))$", text, flags=re.M))


def notebook_keys(text: str) -> set[tuple[str, str]]:
    """The keys and shapes of the markdown's keys table: a pair of columns per dict input."""
    table = text.split("| `params` key |", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    pairs = set()
    for row in table:
        cells = [c.strip() for c in row.strip("|").split("|")]
        pairs |= {(cells[i].strip("`"), cells[i + 1]) for i in range(0, len(cells), 2)}
    return {pair for pair in pairs if pair[0]}


@pytest.mark.parametrize("kata", [BLOCK, GPT], ids=lambda k: k.id)
def test_a_dict_inputs_keys_and_shapes_are_listed_as_the_stub_lists_them(tmp_path, kata):
    nb, _ = written_level(tmp_path, "2")
    text = next(c for c in nb.cells if c.id == f"about-{kata.number:02d}").source
    assert "| `params` key | shape | `cache` key | shape |" in text
    assert notebook_keys(text) == stub_keys(kata) and len(stub_keys(kata)) > 20
    # the gradients of a grads dict are not rows of their own: `grads` is one
    assert "| `dln_1.weight` |" not in text and "| returns | `grads` | dict |" in text


def test_what_a_grads_kata_returns_is_said_as_the_stub_says_it(tmp_path):
    nb, _ = written_level(tmp_path, "2")
    about = {c.id: c.source for c in nb.cells}
    assert (
        "Return `(dx, grads)`: `dx` of `x`'s shape, and `grads` a dict with the keys of "
        "`params`, each the gradient of that parameter, of its shape." in about["about-22"]
    )
    assert "Return `grads`: a dict with the keys of `params`" in about["about-23"]
    assert "a missing key is reported as todo, an unknown key is an error" in about["about-23"]
    assert "It starts at the loss itself" in about["about-23"]


def test_a_notebook_of_both_levels_gives_each_its_section(tmp_path):
    nb, said = written_level(tmp_path, "1,2")
    nbformat.validate(nb)
    assert said.startswith("dojo-mlp-gpt.ipynb\n") and "23 katas" in said
    ids = [c.id for c in nb.cells]
    assert len(ids) == len(set(ids))
    at = ids.index
    assert at("kata-14") < at("standing-1") < at("status-1") < at("intro-2") < at("about-15")
    assert ids[-2:] == ["standing", "status"]
    cells = {c.id: c.source for c in nb.cells}
    assert cells["intro"].startswith(LEVEL.extras["notebook_intro"])
    assert cells["intro-2"] == gpt_notebook.INTRO
    assert cells["standing-1"] == LEVEL.extras["notebook_closing"]
    assert cells["standing"] == gpt_notebook.CLOSING
    assert (
        "This notebook holds level 1, the lecture's MLP (katas 01 to 14); level 2, a "
        "character-level GPT (katas 15 to 23)" in " ".join(cells["intro"].split())
    )


def test_the_default_names_and_a_level_that_is_not_there(tmp_path):
    assert nb_build.default_path(KATAS) == "dojo.ipynb"
    assert nb_build.default_path(SECOND) == "dojo-gpt.ipynb"
    with pytest.raises(Usage, match=r"^--level: there is no level 3: the levels are 1 \("):
        run(tmp_path, "--level", "3")
    with pytest.raises(Usage, match=r"^--level: 'gpt' is not a level number"):
        run(tmp_path, "--level", "gpt")
    parser = argparse.ArgumentParser()
    commands.notebook_arguments(parser)
    assert "--level2:dojo-gpt.ipynb" in "".join(parser.format_help().split())
