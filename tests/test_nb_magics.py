"""The IPython extension's magics, called as IPython calls them: `%%kata`, `%kata_hint`,
`%kata_status`, `%kata_levels`, and their usage errors (one line, no traceback)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from helpers import SOLUTIONS
from IPython.core.error import UsageError

from pytest_ninja.core.loading import function_source
from pytest_ninja.levels import KATAS
from pytest_ninja.loop.notebook import grade as nb_grade
from pytest_ninja.loop.notebook import magics as nb_magics
from pytest_ninja.loop.notebook import scope as nb_scope
from pytest_ninja.loop.progress import Progress

TANH_SOLUTION = "\n".join(function_source(SOLUTIONS / "07_backward_tanh.py", "backward_tanh"))


@pytest.fixture
def magics(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(nb_grade, "_SESSION", Progress())
    monkeypatch.setattr(nb_scope, "_DECLARED", {})  # a fresh kernel
    shell = SimpleNamespace(user_ns={"torch": torch})
    return nb_magics.DojoMagics(shell=shell)


def test_a_kata_cell_is_graded_and_shown_with_its_panel(magics, capsys):
    magics.kata("07", TANH_SOLUTION)
    out = capsys.readouterr().out
    assert "07 backward_tanh: passed, 1/1 checks pass" in out
    assert "dojo: 1/14 katas, 1/35 checks" in out
    assert callable(magics.shell.user_ns["backward_tanh"])


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("", "%%kata: name the kata this cell answers, e.g. %%kata 07"),
        ("07 09", "%%kata: name the kata this cell answers, e.g. %%kata 07"),
        (
            "42",
            f"%%kata: no kata '42': name one by its number (01 to {KATAS[-1].number:02d}), "
            "id or name",
        ),
        ("07 --timout 3", "%%kata: no option --timout (its options: --timeout)"),
        ("07 --timeout", "%%kata: --timeout needs a value"),
        ("07 --timeout soon", "%%kata: --timeout is 'soon', not a number"),
    ],
)
def test_a_kata_cell_misnamed_is_a_usage_error_of_one_line(magics, line, message):
    with pytest.raises(UsageError) as caught:
        magics.kata(line, TANH_SOLUTION)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_the_time_limit_is_the_cells_option(magics, capsys):
    magics.kata("07 --timeout 0.2", "def backward_tanh(hpreact, h, dh):\n    while True: pass\n")
    assert "ran for more than 0.2 s and was stopped" in capsys.readouterr().out


def test_hints_come_level_by_level_for_a_kata_named_or_the_one_you_are_on(magics, capsys):
    magics.kata_hint("09")
    magics.kata_hint("09")
    first, second = capsys.readouterr().out.split("hint 2/3")
    assert first.startswith("hint 1/3 for 09 backward_bn_stats")
    assert "more: %kata_hint 09" in first and "pytest-ninja hint" not in first
    magics.kata("07", "def backward_tanh(hpreact, h, dh):\n    return dh\n")
    capsys.readouterr()
    magics.kata_hint("")
    assert capsys.readouterr().out.startswith("hint 1/3 for 07 backward_tanh")
    magics.kata_hint("07 --level 3")
    last = capsys.readouterr().out
    assert last.startswith("hint 3/3 for 07 backward_tanh") and "e.g." in last
    assert "more:" not in last


def test_hint_misnamed_is_a_usage_error(magics):
    with pytest.raises(UsageError, match="^%kata_hint: no kata 'x'"):
        magics.kata_hint("x")
    with pytest.raises(UsageError, match="^%kata_hint: --level is '4': give one from 1 to 3"):
        magics.kata_hint("09 --level 4")


def test_status_shows_the_panel_as_the_progress_file_has_it(magics, capsys):
    magics.kata_status("")
    assert capsys.readouterr().out.startswith("dojo: 0/14 katas, 0/35 checks")
    magics.kata("07", TANH_SOLUTION)
    capsys.readouterr()
    magics.kata_status("")
    out = capsys.readouterr().out
    assert out.startswith("dojo: 1/14 katas, 1/35 checks") and "next: %%kata 01" in out


def test_loading_the_extension_registers_the_magics_and_says_where_progress_goes(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    registered = []
    nb_magics.load_ipython_extension(SimpleNamespace(register_magics=registered.append))
    assert registered == [nb_magics.DojoMagics]
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("pytest-ninja: the dojo is loaded")
    assert out[1] == f"progress: {tmp_path}/katas/.ninja-progress.json"


def test_on_colabs_content_it_warns_that_progress_vanishes(tmp_path, monkeypatch):
    monkeypatch.setattr(nb_magics, "COLAB_CONTENT", tmp_path)
    monkeypatch.setattr(nb_magics, "COLAB_DRIVE", tmp_path / "drive")
    monkeypatch.chdir(tmp_path)
    assert "on Colab /content vanishes with the runtime" in nb_magics.where_progress_goes()
    (tmp_path / "drive").mkdir()
    monkeypatch.chdir(tmp_path / "drive")
    assert "vanishes" not in nb_magics.where_progress_goes()


def test_a_level_2_notebook_grades_kata_22_and_23_and_shows_its_own_katas(magics, capsys):
    magics.kata_levels("2")  # the set-up cell's line
    assert capsys.readouterr().out == (
        "this notebook: level 2, a character-level GPT (katas 15 to 23)\n"
    )
    magics.kata("22", (SOLUTIONS / "22_backward_block.py").read_text())
    out = capsys.readouterr().out
    assert "22 backward_block: passed, 13/13 checks pass" in out
    assert "dojo: 1/9 katas, 13/53 checks" in out and "next: %%kata 15" in out
    magics.kata("23", (SOLUTIONS / "23_backward_gpt.py").read_text())
    assert "23 backward_gpt: passed, 28/28 checks pass" in capsys.readouterr().out
    magics.kata_status("")
    assert capsys.readouterr().out.startswith("dojo: 2/9 katas, 41/53 checks")
    magics.kata_hint("")  # the kata one is on, among the notebook's
    assert capsys.readouterr().out.startswith("hint 1/3 for 15 backward_encoder")


def test_a_restarted_kernel_holds_the_lecture_level_until_its_setup_cell_runs(magics, capsys):
    magics.kata_levels("1,2")
    magics.kata_levels("")
    assert capsys.readouterr().out.splitlines()[-1] == (
        "this notebook: level 1, the lecture's MLP (katas 01 to 14); "
        "level 2, a character-level GPT (katas 15 to 23)"
    )
    nb_scope._DECLARED.clear()  # a restart: the extension's state is gone
    magics.kata_status("")
    assert capsys.readouterr().out.startswith("dojo: 0/14 katas, 0/35 checks")
    magics.kata_levels("2")
    magics.kata_status("")
    assert capsys.readouterr().out.splitlines()[1].startswith("dojo: 0/9 katas, 0/53 checks")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("3", "%kata_levels: there is no level 3: the levels are 1 (the lecture's MLP), 2 ("),
        ("two", "%kata_levels: 'two' is not a level number"),
        ("1 2", "%kata_levels: list the levels in one word, e.g. %kata_levels 1,2"),
        (",", "%kata_levels: name a level, e.g. 2, or several, e.g. 1,2"),
    ],
)
def test_levels_misnamed_are_a_usage_error_and_change_nothing(magics, line, message):
    magics.kata_levels("2")
    with pytest.raises(UsageError) as caught:
        magics.kata_levels(line)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)
    assert nb_scope.katas()[0].number == 15
