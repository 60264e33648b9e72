"""The commands outside pytest: `hint`, `status`, `reset`, `watch`, `notebook`, and
`stubs` for maintainers.

Each command is a pair: a function that adds its arguments to an argparse sub-parser, and a
function that runs it and returns the exit code; `cli.main` wires them in (and adds `--dir`, the
workspace, to every command that works in one). A usage error (a kata that does not exist,
missing arguments, a folder that is not a workspace) is raised as `Usage`: `cli.main` prints it
to stderr, its first line first, and exits 2. `--katas` always means a list of kata ids.

None of them imports torch but `watch`, which grades: the others read and write files only.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pytest_ninja.core import atomic
from pytest_ninja.core.level import Kata
from pytest_ninja.levels import KATAS, LEVELS, find, of_level_list
from pytest_ninja.loop import progress as progress_file
from pytest_ninja.loop import workspace
from pytest_ninja.loop.panel import panel_lines


class Usage(Exception):
    """The command was asked for something it cannot do; the message is for the learner:
    one line first, the detail on the lines after."""


def kata_named(value: str) -> Kata:
    """The kata a learner names (07, backward_tanh, 07_backward_tanh); Usage otherwise."""
    kata = find(value)
    if kata is None:
        ids = ", ".join(k.id for k in KATAS)
        raise Usage(f"no kata {value!r}: the katas are {ids}")
    return kata


def katas_named(values: list[str] | str) -> list[Kata]:
    """Katas from ids given one by one or comma-separated (`07,09`), in the order given."""
    if isinstance(values, str):
        values = [values]
    keys = [k.strip() for v in values for k in v.split(",") if k.strip()]
    return list(dict.fromkeys(kata_named(k) for k in keys))


def add_level(parser: argparse.ArgumentParser, what: str) -> None:
    """`--level N[,N]`, the levels a command takes (`init`'s workspace, a notebook); `what`
    ends its help."""
    parser.add_argument(
        "--level",
        default="",
        metavar="N[,N]",
        help="the katas of these levels (default 1; "
        + "; ".join(f"{level.number}: {level.title}" for level in LEVELS)
        + f"); {what}",
    )


def levels_named(text: str) -> tuple[Kata, ...]:
    """The katas of the levels `--level` lists (`2`, `1,2`); Usage otherwise."""
    try:
        return of_level_list(text)
    except ValueError as exc:
        raise Usage(f"--level: {exc}") from None


def add_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir",
        default=None,
        metavar="WORKSPACE",
        help="the workspace: the folder holding katas/ (default: here)",
    )


def workspace_root(args) -> Path:
    return Path(getattr(args, "dir", None) or ".")


def katas_folder(args) -> Path:
    """The workspace's `katas/` folder; Usage when there is none."""
    folder = workspace_root(args) / workspace.WORKSPACE_FOLDER
    if not folder.is_dir():
        raise Usage(
            f"no katas/ folder in {folder.parent.resolve()}\n"
            "  make a workspace with `pytest-ninja init DIR`, or run this inside one (--dir)."
        )
    return folder


# -- status --------------------------------------------------------------------------------


def status(args) -> int:
    space = workspace.find(katas_folder(args))
    progress = progress_file.load(space.folder)
    if progress.warning:
        print(f"warning: {progress.warning}")
    print("\n".join(panel_lines(space, "katas", {}, progress)))
    return 0


# -- hint ----------------------------------------------------------------------------------


def hint_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "kata",
        nargs="?",
        help="the kata (09, backward_bn_stats or 09_backward_bn_stats); "
        "default: the one you are on",
    )
    parser.add_argument(
        "--level", type=int, choices=(1, 2, 3), help="show this level instead of the next one"
    )


def hint(args) -> int:
    from pytest_ninja.loop.coach import show_hint

    kata = kata_named(args.kata) if args.kata else None
    # a named kata's hint can be read anywhere; "the one you are on" needs the workspace
    folder = (
        katas_folder(args) if kata is None else workspace_root(args) / workspace.WORKSPACE_FOLDER
    )
    print("\n".join(show_hint(workspace.find(folder), kata, args.level)))
    return 0


# -- reset ---------------------------------------------------------------------------------


def reset_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("katas", nargs="*", metavar="KATA", help="the katas to put back")
    parser.add_argument("--all", action="store_true", help="put every kata of the workspace back")


def reset(args) -> int:
    folder = katas_folder(args)
    katas = list(workspace.find(folder).katas) if args.all else katas_named(args.katas)
    if not katas:
        raise Usage("name the katas to put back (reset 07 09), or --all")
    kept = workspace.reset(workspace_root(args), katas)
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
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="seconds a kata's function may run (default 10; 0: no limit)",
    )
    parser.add_argument(
        "--poll",
        type=float,
        default=0.05,
        metavar="SECONDS",
        help="seconds between two looks at the files (default 0.05)",
    )
    parser.add_argument(
        "--no-events",
        action="store_true",
        help="do not listen to file events; poll modification times only",
    )


def watch(args) -> int:
    from pytest_ninja.core.settings import Settings
    from pytest_ninja.loop.watch import run

    if not 0 <= args.timeout < float("inf"):
        raise Usage(f"--timeout is {args.timeout:g}: give a number of seconds >= 0 (0: no limit)")
    if not 0 < args.poll <= 60:
        raise Usage(f"--poll is {args.poll:g}: give a number of seconds above 0, at most 60")
    folder = katas_folder(args)
    settings = Settings(time_limit=args.timeout or None, timeout_flag="--timeout")
    return run(folder.resolve(), settings, args.poll, not args.no_events)


HINT_HELP = "the next hint for the kata you are on (or the one you name)"
STATUS_HELP = "the dojo panel, without running anything"
RESET_HELP = "put katas back to their stubs, keeping a backup of yours"
WATCH_HELP = "re-grade a kata the moment its file is saved"


NOTEBOOK_HELP = (
    "write a level's dojo notebook (--level; default 1, dojo.ipynb): every kata in a cell of "
    "its own, graded in place (Jupyter, Colab)"
)


# -- notebook ------------------------------------------------------------------------------


def _notebook_names() -> str:
    """Each level's default notebook, as the help says it: `dojo.ipynb; --level 2: ...`."""
    from pytest_ninja.loop.notebook.build import default_path

    names = [default_path(LEVELS[0].katas)]
    names += [f"--level {lv.number}: {default_path(lv.katas)}" for lv in LEVELS[1:]]
    both = ",".join(str(lv.number) for lv in LEVELS)
    names.append(f"--level {both}: {default_path(tuple(k for lv in LEVELS for k in lv.katas))}")
    return "; ".join(names)


def notebook_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path", nargs="?", default=None, help=f"where to write it (default {_notebook_names()})"
    )
    add_level(parser, "several make one notebook, a section per level")
    parser.add_argument(
        "--install",
        default=None,
        metavar="SOURCE",
        help="what its first cell installs the dojo from where it is missing: a pip "
        "requirement, a wheel or a git URL (default: the wheel uploaded next to the notebook, "
        "built with `pip wheel --no-deps .`)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite a file that is there")


def notebook(args: argparse.Namespace) -> int:
    """Write the notebook; a file already there is kept unless --force (a usage error)."""
    from pytest_ninja.levels import FIRST
    from pytest_ninja.loop.notebook.build import WHEEL, default_path, write_notebook

    katas = levels_named(args.level) if args.level else FIRST
    path = Path(args.path or default_path(katas))
    if path.suffix != ".ipynb":
        raise Usage(f"{path} is not a notebook's name: end it with .ipynb")
    if path.is_dir():
        raise Usage(f"{path} is a folder: name the notebook, e.g. {path / default_path(katas)}")
    if path.exists() and not args.force:
        raise Usage(f"{path} is already there: kept as it is\n  --force overwrites it")
    try:
        write_notebook(path, args.install, katas)
    except OSError as exc:
        raise Usage(f"cannot write {path}: {exc.strerror or exc}") from None
    print(f"pytest-ninja: wrote {path}: {len(katas)} katas, each graded in its own cell")
    print(f"next: jupyter lab {path}, or upload it to Colab")
    source = args.install or f"{WHEEL}: upload it beside the notebook (`pip wheel --no-deps .`)"
    print(f"  where the dojo is missing, its first cell installs it from {source}")
    held = {k.level for k in katas}
    for level in LEVELS:
        if level.number not in held:
            print(
                f"level {level.number} ({level.title}) has a notebook too: "
                f"pytest-ninja notebook --level {level.number}"
            )
    return 0


# -- stubs (for maintainers) ----------------------------------------------------------------

STUBS_HELP = (
    "for maintainers: write every kata's stub in a checkout's katas/ from its catalogue entry "
    "(--check: only say which differ)"
)


def stubs_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a stub differs"
    )


def stubs(args) -> int:
    """Generate the stubs from the catalogue; a stub is never written by hand."""
    from pytest_ninja.core.level import level_of
    from pytest_ninja.core.stubs import render

    folder = katas_folder(args)
    differ = []
    for kata in KATAS:
        level = level_of(kata)
        text = render(kata, level.shape_of, level.sizes)
        path = folder / kata.filename
        if path.is_file() and path.read_text("utf-8") == text:
            continue
        differ.append(path)
        if not args.check:
            atomic.write_text(path, text)
    verb = "differ from their catalogue entries" if args.check else "written"
    if not differ:
        print(f"pytest-ninja stubs: all {len(KATAS)} stubs match their catalogue entries")
        return 0
    print(f"pytest-ninja stubs: {len(differ)} {verb}")
    for path in differ:
        print(f"  {path}")
    return 1 if args.check else 0
