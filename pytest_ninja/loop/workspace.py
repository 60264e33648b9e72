"""The learner's workspace: making it, keeping its progress, revealing earned solutions.

A folder named `katas` is a learner's dojo: its progress is kept in `.ninja-progress.json`.
A workspace made by `pytest-ninja init` also has a `solutions/` folder that fills up as katas
pass, and a `.ninja-workspace` marker saying so. This repository has no marker (its
`solutions/` already holds every answer), so nothing is ever written there. Any other folder
of kata files is graded and shown, and nothing is written either.

Stubs and solutions come from the package (`pytest_ninja/dojo/`, built into the wheel from the
repository's `katas/` and `solutions/`), or, in a checkout, from those folders themselves.
"""

from __future__ import annotations

import shutil
import time
from importlib import resources
from pathlib import Path

from pytest_ninja.core.level import Kata, level_of
from pytest_ninja.core.result import KataResult
from pytest_ninja.levels import KATAS
from pytest_ninja.loop import progress as progress_file
from pytest_ninja.loop.progress import Progress

WORKSPACE_FOLDER = "katas"
MARKER = ".ninja-workspace"
AUTO_HINT_AFTER = 3  # failed runs in a row before the panel shows a kata's first hint
SOLUTIONS_README = """# Solutions

pytest-ninja writes a kata's reference solution here once you pass it, so you can compare
your backward pass with ours. Until then there is nothing to see: it is earned, not given.
"""
WORKSPACE_README = """# My backprop dojo

Made by `pytest-ninja init`. Write each kata in `katas/`, then run

    pytest katas/            # grade everything, see the panel and the next kata
    pytest-ninja hint        # a hint for the kata you are on (run again for the next level)
    pytest-ninja status      # the panel, without running anything
    pytest-ninja reset 07    # put a kata's stub back (your file is kept as a backup)

Solutions appear in `solutions/` as you pass katas. The dojo follows Andrej Karpathy's lecture
"Building makemore Part 4: Becoming a Backprop Ninja": https://www.youtube.com/watch?v=q8SA3rM6ckI
"""
PYTEST_INI = """[pytest]
testpaths = katas
"""


def bundled(kind: str) -> Path:
    """The folder of stubs (`katas`) or solutions (`solutions`) that ships with the dojo."""
    packaged = resources.files("pytest_ninja").joinpath("dojo", kind)
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / kind
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"the dojo's {kind} are not installed with the package")


def keeps_progress(folder: Path) -> bool:
    return folder.name == WORKSPACE_FOLDER


def is_workspace(root: Path) -> bool:
    return (root / MARKER).is_file()


def init(
    root: Path,
    katas: tuple[Kata, ...] = KATAS,
    extra: dict[str, str] | None = None,
) -> list[str]:
    """Make (or top up) a learner workspace; never overwrites a file that is there."""
    root.mkdir(parents=True, exist_ok=True)
    made = []
    files = {
        MARKER: "pytest-ninja workspace\n",
        "README.md": WORKSPACE_README,
        "pytest.ini": PYTEST_INI,
        "solutions/README.md": SOLUTIONS_README,
    }
    for kata in katas:
        files[f"katas/{kata.filename}"] = (bundled("katas") / kata.filename).read_text("utf-8")
    files.update(extra or {})
    for name, text in files.items():
        path = root / name
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if text.startswith("#!"):
            path.chmod(0o755)
        made.append(name)
    return made


def reset(root: Path, katas: list[Kata]) -> list[str]:
    """Put the stubs back; each learner's file is kept as `katas/NN_name.py.bak-<time>`."""
    kept = []
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for kata in katas:
        path = root / WORKSPACE_FOLDER / kata.filename
        if path.exists():
            backup = path.with_name(f"{kata.filename}.bak-{stamp}")
            shutil.copy2(path, backup)
            kept.append(str(backup.relative_to(root)))
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(bundled("katas") / kata.filename, path)
    return kept


def reveal(folder: Path, kata: Kata, progress: Progress | None) -> Path | None:
    """Write a passed kata's solution into the workspace's `solutions/`; the path when it is
    new, None when it was there already or is not earned."""
    root = folder.parent
    if progress is None or not is_workspace(root):
        return None
    stored = progress.katas.get(kata.id)
    if stored is None or stored.first_passed is None:
        return None
    target = root / "solutions" / kata.filename
    if target.exists():
        return None
    target.parent.mkdir(exist_ok=True)
    shutil.copy(bundled("solutions") / kata.filename, target)
    return target


def reveal_lines(folder: Path, katas: list[Kata]) -> list[str]:
    """For `--ninja-reveal`: each passed kata's function as the learner wrote it, then ours."""
    from pytest_ninja.core.loading import function_source

    lines = []
    for kata in katas:
        lines += ["", f"  {kata.id}: yours ({folder.name}/{kata.filename})"]
        lines += ["    " + ln for ln in function_source(folder / kata.filename, kata.name)]
        lines += [f"  {kata.id}: the reference solution"]
        lines += [
            "    " + ln for ln in function_source(bundled("solutions") / kata.filename, kata.name)
        ]
    return lines


def load_progress(folder: Path) -> Progress | None:
    """The folder's progress as stored; None where no progress is kept."""
    return progress_file.load(folder) if keeps_progress(folder) else None


def record_run(folder: Path, results: dict[str, KataResult]) -> Progress | None:
    """Fold this run into the folder's progress file; None where no progress is kept."""
    if not keeps_progress(folder):
        return None
    progress = progress_file.load(folder)
    for result in results.values():
        progress.record(result)
    try:
        progress_file.save(folder, progress)
    except OSError as exc:
        progress.warning = f"progress could not be saved ({exc.strerror or exc})"
    return progress


def auto_hint(progress: Progress | None) -> str:
    """The first hint of the kata the learner is on, once it failed AUTO_HINT_AFTER runs in a
    row."""
    if progress is None:
        return ""
    upcoming = progress.current()
    if upcoming is None:
        return ""
    stored = progress.katas.get(upcoming.id)
    if stored is None or stored.failed_in_a_row < AUTO_HINT_AFTER:
        return ""
    return "hint: " + level_of(upcoming).hints.hint(upcoming.id, 1)
