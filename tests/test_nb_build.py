"""The dojo notebook as written from the catalogue, and `pytest-ninja notebook`'s pair."""

from __future__ import annotations

import argparse
import json

import nbformat
import pytest
from helpers import KATAS as STUBS

from pytest_ninja.cli import commands
from pytest_ninja.cli.commands import Usage
from pytest_ninja.core.loading import function_source
from pytest_ninja.levels import FIRST as KATAS  # the lecture's level
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
