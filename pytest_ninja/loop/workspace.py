"""The learner's workspace, as data: what it holds, what kind it is, where things live.

One `Workspace` answers, for every front end (the plugin's panel and progress, `next:`,
`hint`, `status`, watch mode, the notebook), which katas and levels it holds, what kind it is,
and where its progress and solutions live:

- **learner** and **class**: made by `pytest-ninja init` (level 1's katas, `--level 2` adds
  the next level's; with `--classroom50`: a teacher's template, which may hold a few katas
  only); a `.ninja-workspace` marker says so and lists its katas. Progress is kept in
  `katas/.ninja-progress.json`; `solutions/` fills up as katas pass.
- **repository**: this project's checkout, whose `solutions/` holds every answer already:
  progress is kept, nothing is revealed.
- **notebook**: the notebook's working folder: progress in `katas/` beside it, solutions shown
  folded in the notebook itself; its katas are the levels the notebook holds.
- **plain**: any other folder named `katas`: progress kept, nothing revealed.
- **folder**: any other folder of kata files (`solutions/`, `attempts/`): graded and shown,
  nothing written.

An unmarked workspace holds the levels whose kata files are in it (`levels.present_in`): a
folder of the lecture's katas never shows the next level's as todo. A folder of no kata files
(a notebook's, where only the progress file is) holds the levels its progress has graded, so
`pytest-ninja status` beside a level-2 notebook shows level 2.

Stubs and solutions come from `levels.bundled`: the package's `pytest_ninja/dojo/` (built into
the wheel from the repository's `katas/` and `solutions/`), or, in a checkout, those folders.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from pytest_ninja.core.level import Kata, level_of
from pytest_ninja.core.result import KataResult
from pytest_ninja.levels import BY_ID, FIRST, KATAS, bundled, of_levels, present_in
from pytest_ninja.loop import progress as progress_file
from pytest_ninja.loop.progress import Progress

WORKSPACE_FOLDER = "katas"
MARKER = ".ninja-workspace"
MARKER_FORMAT = "pytest-ninja/workspace/1"
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


class Kind(str, Enum):
    """What a workspace is (see the module's docstring)."""

    LEARNER = "learner"
    CLASS = "class"
    REPOSITORY = "repository"
    NOTEBOOK = "notebook"
    PLAIN = "plain"
    FOLDER = "folder"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Workspace:
    """A folder of katas and what goes with it."""

    folder: Path  # the kata files (and the progress file)
    kind: Kind
    katas: tuple[Kata, ...] = FIRST  # the katas it holds, in the catalogue's order

    @property
    def root(self) -> Path:
        return self.folder.parent

    @property
    def levels(self) -> tuple[int, ...]:
        return tuple(sorted({k.level for k in self.katas}))

    @property
    def keeps_progress(self) -> bool:
        return self.kind is not Kind.FOLDER

    @property
    def reveals(self) -> bool:
        """Whether passing a kata writes its solution into `solutions/`."""
        return self.kind in (Kind.LEARNER, Kind.CLASS)

    @property
    def solutions(self) -> Path:
        return self.root / "solutions"

    def load_progress(self) -> Progress | None:
        """The progress as stored; None where no progress is kept."""
        return progress_file.load(self.folder) if self.keeps_progress else None

    def record(self, results: dict[str, KataResult]) -> Progress | None:
        """Fold a run's results into the progress file; None where no progress is kept."""
        if not self.keeps_progress:
            return None
        progress = progress_file.load(self.folder)
        for result in results.values():
            progress.record(result)
        try:
            progress_file.save(self.folder, progress)
        except OSError as exc:
            progress.warning = f"progress could not be saved ({exc.strerror or exc})"
        return progress

    def current(self, progress: Progress | None) -> Kata | None:
        """The kata the learner is on, among this workspace's (see `Progress.current`)."""
        return (progress or Progress()).current(self.katas)

    def reveal(self, kata: Kata, progress: Progress | None) -> Path | None:
        """Write a passed kata's solution into `solutions/`; the path when it is new, None when
        it was there already, is not earned, or this kind of workspace reveals nothing."""
        if progress is None or not self.reveals:
            return None
        stored = progress.katas.get(kata.id)
        if stored is None or stored.first_passed is None:
            return None
        target = self.solutions / kata.filename
        if target.exists():
            return None
        target.parent.mkdir(exist_ok=True)
        shutil.copy(bundled("solutions") / kata.filename, target)
        return target

    def auto_hint(self, progress: Progress | None) -> str:
        """The first hint of the kata the learner is on, once it failed AUTO_HINT_AFTER runs in
        a row."""
        if progress is None:
            return ""
        upcoming = self.current(progress)
        stored = progress.katas.get(upcoming.id) if upcoming else None
        if stored is None or stored.failed_in_a_row < AUTO_HINT_AFTER:
            return ""
        return "hint: " + level_of(upcoming).hints.hint(upcoming.id, 1)


def _marker(root: Path) -> tuple[Kind, tuple[Kata, ...]] | None:
    """The kind and katas a workspace's marker records (a version-1 marker was plain text:
    a learner's workspace of every kata)."""
    try:
        text = (root / MARKER).read_text("utf-8")
    except OSError:
        return None
    try:
        data = json.loads(text)
        kind = Kind(data["kind"])
        katas = tuple(BY_ID[k] for k in data.get("katas", []) if k in BY_ID) or FIRST
    except (ValueError, KeyError, TypeError):  # version 1 was made when level 1 was all
        return Kind.LEARNER, FIRST
    return kind, tuple(k for k in KATAS if k in katas)


def _graded_levels(folder: Path) -> set[int]:
    """The levels of the katas a folder's progress file has graded, read without mending it."""
    try:
        data = json.loads(progress_file.path_for(folder).read_text("utf-8"))
        graded, _ = progress_file.parse(data)
    except (OSError, ValueError):
        return set()
    return {BY_ID[k].level for k in graded if k in BY_ID}


def _held(folder: Path) -> tuple[Kata, ...]:
    """An unmarked folder's katas: the levels whose files it holds, or, holding none (a
    notebook's folder), the levels its progress has graded; level 1's when there are none."""
    if any((folder / k.filename).is_file() for k in KATAS):
        return present_in(folder)
    return of_levels(_graded_levels(folder)) or FIRST


def find(folder: Path) -> Workspace:
    """The workspace a folder of kata files belongs to."""
    folder = Path(folder)
    marked = _marker(folder.parent)
    if marked is not None and folder.name == WORKSPACE_FOLDER:
        return Workspace(folder, *marked)
    katas = _held(folder)  # unmarked
    if folder.name != WORKSPACE_FOLDER:
        return Workspace(folder, Kind.FOLDER, katas)
    root = folder.parent
    if (root / "pytest_ninja" / "levels").is_dir() and (root / "solutions").is_dir():
        return Workspace(folder, Kind.REPOSITORY, katas)
    return Workspace(folder, Kind.PLAIN, katas)


def at(root: Path) -> Workspace:
    """The workspace whose root folder (the one holding `katas/`) is `root`."""
    return find(Path(root) / WORKSPACE_FOLDER)


def notebook(root: Path, katas: tuple[Kata, ...] = FIRST) -> Workspace:
    """The workspace of a notebook working in `root` and holding `katas`: its progress in
    `root/katas/`."""
    return Workspace(Path(root) / WORKSPACE_FOLDER, Kind.NOTEBOOK, katas)


def marker_text(kind: Kind, katas: tuple[Kata, ...]) -> str:
    data = {"format": MARKER_FORMAT, "kind": str(kind), "katas": [k.id for k in katas]}
    return json.dumps(data, indent=1) + "\n"


def init(
    root: Path,
    katas: tuple[Kata, ...] = FIRST,
    extra: dict[str, str] | None = None,
    kind: Kind = Kind.LEARNER,
) -> list[str]:
    """Make (or top up) a learner's workspace (or a class template); never overwrites a file
    that is there."""
    root.mkdir(parents=True, exist_ok=True)
    made = []
    marked = _marker(root)
    if marked is not None and marked[0] is kind and set(katas) - set(marked[1]):
        # a level added to a workspace: its marker lists the katas it held and the new ones
        katas = tuple(k for k in KATAS if k in set(katas) | set(marked[1]))
        (root / MARKER).write_text(marker_text(kind, katas), encoding="utf-8")
        made.append(MARKER)
    files = {
        MARKER: marker_text(kind, katas),
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
