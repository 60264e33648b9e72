"""The learner's commands outside pytest: `init`, `hint`, `status` and `reset`.

Each command is a pair: a function that adds its arguments to an argparse sub-parser, and a
function that runs it and returns the exit code. `cli.py` wires them in. None imports torch:
they read and write the workspace's files only.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from . import progress as progress_file
from . import workspace
from .catalogue import KATAS, Kata, find
from .panel import panel_lines


def _kata_arg(value: str) -> Kata:
    kata = find(value)
    if kata is None:
        ids = ", ".join(k.id for k in KATAS)
        raise argparse.ArgumentTypeError(f"no kata {value!r}: the katas are {ids}")
    return kata


def _katas_dir(args) -> Path:
    return Path(args.dir) / workspace.WORKSPACE_FOLDER


def _no_katas(folder: Path) -> int:
    print(f"pytest-ninja: no katas/ folder in {folder.parent.resolve()}")
    print("  make a workspace with `pytest-ninja init DIR`, or run this inside one (--dir).")
    return 2


def add_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", default=".", help="the workspace (default: here)")


# -- init ----------------------------------------------------------------------------------


def init_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", help="where to make the workspace (made if missing)")
    parser.add_argument(
        "--classroom",
        action="store_true",
        help="also the grading files of a teacher's template repository: "
        "GitHub Classroom's workflow, autograding.json and Gradescope's scripts",
    )
    parser.add_argument(
        "--katas",
        default="",
        metavar="ID[,ID]",
        help="only these katas in the workspace and the grading (default: all)",
    )
    parser.add_argument(
        "--points",
        default="",
        metavar="KATA=POINTS[,...]",
        help="points of katas for the grading files (default 1 each)",
    )
    parser.add_argument(
        "--install",
        default=None,
        metavar="REQUIREMENT",
        help="where graders install the dojo from: a pip requirement such as "
        "'pytest-ninja @ git+https://github.com/ORG/pytest-ninja@v0.1.0' or a "
        "wheel's URL (default: the project's repository at this version's tag)",
    )


def init(args) -> int:
    from .scoring import parse_points

    root = Path(args.directory)
    try:
        katas = tuple(_kata_arg(k) for k in args.katas.split(",") if k.strip()) or KATAS
        points = parse_points(args.points)
    except (argparse.ArgumentTypeError, ValueError) as exc:
        print(f"pytest-ninja init: {exc}")
        return 2
    extra = {}
    if args.classroom:
        from .templates import DEFAULT_SOURCE, Assignment, classroom_files

        extra = classroom_files(Assignment(katas, points, args.install or DEFAULT_SOURCE))
    made = workspace.init(root, katas, extra)
    if not made:
        print(f"{root} is up to date: every kata of this version is there; nothing changed.")
        return 0
    new_katas = [m for m in made if m.startswith("katas/")]
    print(
        f"pytest-ninja: made {len(made)} files in {root}"
        + (f" ({len(new_katas)} katas)" if new_katas else "")
    )
    for name in made:
        print(f"  {name}")
    print(f"\nnext: cd {root} && pytest katas/")
    if args.classroom and args.install is None:
        print(
            "graders install the dojo from the project's repository at this version's tag; "
            "pass --install to use your fork, tag or wheel"
        )
    return 0


# -- status --------------------------------------------------------------------------------


def status(args) -> int:
    folder = _katas_dir(args)
    if not folder.is_dir():
        return _no_katas(folder)
    progress = progress_file.load(folder)
    if progress.warning:
        print(f"warning: {progress.warning}")
    print("\n".join(panel_lines(folder, "katas", {}, progress)))
    return 0


# -- hint ----------------------------------------------------------------------------------


def hint_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "kata",
        nargs="?",
        type=_kata_arg,
        help="the kata (09, backward_bn_stats or 09_backward_bn_stats); "
        "default: the one you are on",
    )
    parser.add_argument(
        "--level", type=int, choices=(1, 2, 3), help="show this level instead of the next one"
    )


def hint(args) -> int:
    from . import hints

    folder = _katas_dir(args)
    progress = progress_file.load(folder) if folder.is_dir() else progress_file.Progress()
    kata = args.kata
    if kata is None:
        kata = progress.current()
        if kata is None:
            print("every kata passed: nothing left to hint at. Name a kata to see its hints.")
            return 0
    stored = progress.get(kata.id)
    level = args.level or min(stored.hint_level + 1, hints.LEVELS)
    stored.hint_level = max(stored.hint_level, level)
    number, name = kata.id.split("_", 1)
    print(f"hint {level}/{hints.LEVELS} for {number} {name}")
    print(hints.hint(kata.id, level))
    print(f"\nin the lecture: {hints.chapter(kata.id)}  {hints.chapter_url(kata.id)}")
    if level < hints.LEVELS:
        print(f"more: pytest-ninja hint {number}")
    if folder.is_dir():
        progress_file.save(folder, progress)
    return 0


# -- reset ---------------------------------------------------------------------------------


def reset_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("katas", nargs="*", type=_kata_arg, help="the katas to put back")
    parser.add_argument("--all", action="store_true", help="put every kata's stub back")


def reset(args) -> int:
    folder = _katas_dir(args)
    if not folder.is_dir():
        return _no_katas(folder)
    katas = list(KATAS) if args.all else args.katas
    if not katas:
        print("pytest-ninja reset: name the katas to put back (reset 07 09), or --all")
        return 2
    kept = workspace.reset(Path(args.dir), katas)
    progress = progress_file.load(folder)
    for kata in katas:
        progress.reset(kata)
    progress_file.save(folder, progress)
    print(f"pytest-ninja: {len(katas)} kata(s) back to their stubs")
    for backup in kept:
        print(f"  your file is kept as {backup}")
    return 0


# -- watch ---------------------------------------------------------------------------------


def watch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds a kata's function may run (default 10)"
    )
    parser.add_argument(
        "--poll",
        type=float,
        default=0.05,
        help="seconds between two looks at the files (default 0.05)",
    )
    parser.add_argument(
        "--no-events",
        action="store_true",
        help="do not listen to file events; poll modification times only",
    )


def watch(args) -> int:
    from .settings import Settings
    from .watch import run

    folder = _katas_dir(args)
    if not folder.is_dir():
        return _no_katas(folder)
    return run(
        folder.resolve(), Settings(time_limit=args.timeout or None), args.poll, not args.no_events
    )


COMMANDS = {
    "init": (
        "make a learner's workspace (katas, an empty solutions folder, config)",
        init_arguments,
        init,
    ),
    "hint": ("the next hint for the kata you are on (or the one you name)", hint_arguments, hint),
    "status": ("the dojo panel, without running anything", None, status),
    "reset": ("put katas back to their stubs, keeping a backup of yours", reset_arguments, reset),
    "watch": ("re-grade a kata the moment its file is saved", watch_arguments, watch),
}
NEEDS_DIR = ("hint", "status", "reset", "watch")  # commands that work in a workspace: --dir
