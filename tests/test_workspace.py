"""A workspace is data: its kind, its katas, where its progress and solutions live, read
alike by the panel, `next:`, `hint`, `status` and watch mode."""

from __future__ import annotations

from helpers import ROOT, SOLUTIONS, dojo, result_of

from pytest_ninja.cli.main import main
from pytest_ninja.core.grading import grade_file
from pytest_ninja.core.result import Status
from pytest_ninja.levels import BY_ID, FIRST, of_levels
from pytest_ninja.loop import workspace
from pytest_ninja.loop.workspace import Kind

TWO = (BY_ID["07_backward_tanh"], BY_ID["09_backward_bn_stats"])


def test_each_kind_of_folder_is_told_apart(tmp_path):
    assert workspace.find(ROOT / "katas").kind is Kind.REPOSITORY
    assert workspace.find(ROOT / "solutions").kind is Kind.FOLDER
    workspace.init(tmp_path / "mine")
    assert workspace.at(tmp_path / "mine").kind is Kind.LEARNER
    workspace.init(tmp_path / "class", TWO, kind=Kind.CLASS)
    assert workspace.at(tmp_path / "class").kind is Kind.CLASS
    (tmp_path / "plain" / "katas").mkdir(parents=True)
    assert workspace.at(tmp_path / "plain").kind is Kind.PLAIN
    assert workspace.notebook(tmp_path).kind is Kind.NOTEBOOK


def test_what_each_kind_keeps_and_reveals(tmp_path):
    keeps = {kind: workspace.Workspace(tmp_path / "katas", kind).keeps_progress for kind in Kind}
    reveals = {kind: workspace.Workspace(tmp_path / "katas", kind).reveals for kind in Kind}
    assert [k for k, v in keeps.items() if not v] == [Kind.FOLDER]
    assert [k for k, v in reveals.items() if v] == [Kind.LEARNER, Kind.CLASS]


def test_a_class_template_holds_its_katas_only(tmp_path):
    workspace.init(tmp_path, TWO, kind=Kind.CLASS)
    space = workspace.at(tmp_path)
    assert space.katas == TWO and space.levels == (1,)
    assert sorted(p.name for p in (tmp_path / "katas").glob("*.py")) == [k.filename for k in TWO]


def test_a_workspace_marked_by_an_older_version_is_a_learners_of_every_kata(tmp_path):
    workspace.init(tmp_path)
    (tmp_path / workspace.MARKER).write_text("pytest-ninja workspace\n")
    space = workspace.at(tmp_path)
    assert (space.kind, space.katas) == (Kind.LEARNER, FIRST)  # all there was then


def test_the_panel_next_and_hint_of_a_class_template_show_its_katas_only(pytester, capsys):
    workspace.init(pytester.path, TWO, kind=Kind.CLASS)
    result = dojo(pytester, "katas")
    out = result.stdout.str()
    assert "07 backward_tanh" in out and "09 backward_bn_stats" in out
    assert "01 backward_loss" not in out and "0/2 katas, 0/7 checks" in out
    result.stdout.fnmatch_lines(["*next: katas/07_backward_tanh.py:*"])
    assert main(["hint", "--dir", str(pytester.path)]) == 0
    assert "for 07 backward_tanh" in capsys.readouterr().out
    assert main(["status", "--dir", str(pytester.path)]) == 0
    status = capsys.readouterr().out
    assert "0/2 katas" in status and "01 backward_loss" not in status


def test_a_learner_workspace_reveals_and_a_plain_katas_folder_does_not(tmp_path):
    for kind in (Kind.LEARNER, Kind.PLAIN):
        root = tmp_path / str(kind)
        workspace.init(root, (BY_ID["07_backward_tanh"],))
        if kind is Kind.PLAIN:
            (root / workspace.MARKER).unlink()
        (root / "katas/07_backward_tanh.py").write_text(
            (SOLUTIONS / "07_backward_tanh.py").read_text()
        )
        space = workspace.at(root)
        result = grade_file(root / "katas/07_backward_tanh.py", BY_ID["07_backward_tanh"])
        progress = space.record({result.kata.id: result})
        revealed = space.reveal(result.kata, progress)
        assert (revealed is not None) == (kind is Kind.LEARNER)


def test_a_folder_of_no_kata_files_holds_the_levels_its_progress_graded(tmp_path):
    # a notebook's folder: `katas/` keeps its progress file only
    folder = tmp_path / "katas"
    assert workspace.find(folder).katas == FIRST
    folder.mkdir()
    (folder / ".ninja-progress.json").write_text("not JSON")
    assert workspace.find(folder).katas == FIRST  # read, never mended or set aside, here
    assert (folder / ".ninja-progress.json").read_text() == "not JSON"
    space = workspace.notebook(tmp_path, of_levels([2]))
    space.record({"22_backward_block": result_of("22_backward_block", Status.PASSED)})
    assert workspace.find(folder).katas == of_levels([2])
    assert workspace.find(folder).kind is Kind.PLAIN
