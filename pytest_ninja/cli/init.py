"""`pytest-ninja init DIR`: a learner's workspace, or a class's student template and the
teacher's grading bundles.

- plain: the katas, an empty `solutions/`, a `pytest.ini`, the workspace marker;
- `--classroom50`: a student template (only the assignment's katas, a README saying how they
  are graded) and, in the teacher's folder (`--grader`, default `DIR-grader`),
  `classroom50/` with `autograder.py` and the dojo's wheel;
- `--gradescope`: the teacher's `gradescope/` folder (`setup.sh`, `run_autograder`, the
  wheel), whose contents are Gradescope's autograder zip;
- `--classroom` (legacy GitHub Classroom): the workflow and `autograding.json` in the student
  template, which install the dojo from `--install` (the wheel must not sit in a student's
  repository: it holds the reference solutions).

A file that is there is never overwritten in the student template; the teacher's bundles are
generated and written afresh.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pytest_ninja.cli.commands import Usage, add_level, katas_named, levels_named
from pytest_ninja.levels import FIRST, LEVELS
from pytest_ninja.loop import workspace

HELP = "make a learner's workspace, or a class's student template and grading bundles"


def init_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", help="where to make the workspace (made if missing)")
    parser.add_argument(
        "--katas",
        default="",
        metavar="ID[,ID]",
        help="only these katas, of any level, in the workspace and the grading "
        "(default: level 1's)",
    )
    add_level(parser, "run again on a workspace to add a level to it")
    group = parser.add_argument_group("for a class")
    group.add_argument(
        "--classroom50",
        action="store_true",
        help="a Classroom 50 assignment: the student template here, autograder.py and the "
        "dojo's wheel in the teacher's folder (--grader)",
    )
    group.add_argument(
        "--gradescope",
        action="store_true",
        help="Gradescope's autograder folder (setup.sh, run_autograder, the wheel) in the "
        "teacher's folder: zip its contents",
    )
    group.add_argument(
        "--classroom",
        action="store_true",
        help="legacy GitHub Classroom: its workflow and autograding.json in the student "
        "template (needs --install)",
    )
    group.add_argument(
        "--points",
        default="",
        metavar="KATA=POINTS[,...]",
        help="whole points of katas (default 1 each)",
    )
    group.add_argument(
        "--all-or-nothing",
        action="store_true",
        help="a kata scores its points only when all its checks pass",
    )
    group.add_argument(
        "--grader",
        default=None,
        metavar="FOLDER",
        help="the teacher's folder for the grading bundles (default: DIRECTORY-grader)",
    )
    group.add_argument(
        "--install",
        default=None,
        metavar="REQUIREMENT",
        help="for --classroom: the pip requirement the student-side workflow installs the "
        "dojo from, e.g. the URL of a wheel you host (never in the students' repositories)",
    )


def init(args) -> int:
    from pytest_ninja.classroom.assignment import Assignment
    from pytest_ninja.classroom.scoring import parse_points

    root = Path(args.directory)
    katas = _katas(args)
    try:
        points = parse_points(args.points)
    except ValueError as exc:
        raise Usage(f"--points: {exc}") from None
    left_out = [k for k in points if k not in {kata.id for kata in katas}]
    if left_out:
        raise Usage(f"--points gives points to {', '.join(left_out)}, which --katas leaves out")
    for_class = args.classroom50 or args.gradescope or args.classroom
    if (args.points or args.all_or_nothing or args.grader) and not for_class:
        raise Usage(
            "--points, --all-or-nothing and --grader are for a class: "
            "add --classroom50, --gradescope or --classroom"
        )
    if args.classroom and not args.install:
        raise Usage(
            "--classroom needs --install: where the workflow installs the dojo from\n"
            "  the students' repositories must not hold the dojo's wheel (it holds the "
            "solutions):\n  host it (a release of your own) and give its URL, e.g. "
            "--install https://example.org/pytest_ninja-0.1.0-py3-none-any.whl"
        )
    assignment = Assignment(katas, points, args.all_or_nothing, install=args.install or "")
    made = _student_template(root, assignment, args)
    grader = Path(args.grader) if args.grader else root.with_name(root.name + "-grader")
    bundles = _bundles(grader, assignment, args)
    _tell(root, made, grader, bundles, assignment, for_class)
    return 0


def _katas(args) -> tuple:
    """The katas asked for: by `--katas`, by `--level`, or level 1's."""
    if args.katas and args.level:
        raise Usage("--katas and --level both choose katas: give one of them")
    if args.katas:
        return tuple(katas_named(args.katas))
    return levels_named(args.level) if args.level else FIRST


def _student_template(root: Path, assignment, args) -> list[str]:
    extra: dict[str, str] = {}
    platforms = _platforms(args)
    if platforms:
        from pytest_ninja.classroom import templates

        extra["README.md"] = templates.student_readme(assignment, platforms)
        if args.classroom:
            extra.update(templates.github_classroom_files(assignment))
    kind = workspace.Kind.CLASS if platforms else workspace.Kind.LEARNER
    return workspace.init(root, assignment.katas, extra, kind)


def _platforms(args) -> list[str]:
    """The grading systems asked for, by `grade --for` names."""
    flags = (("classroom50", args.classroom50), ("gradescope", args.gradescope))
    return [name for name, on in (*flags, ("github", args.classroom)) if on]


def _bundles(grader: Path, assignment, args) -> list[str]:
    if not (args.classroom50 or args.gradescope or args.classroom):
        return []
    from pytest_ninja.classroom import bundle

    written = []
    if args.classroom50:
        written += [
            f"classroom50/{n}" for n in bundle.write_classroom50(grader / "classroom50", assignment)
        ]
    if args.classroom:
        written += [f"github/{n}" for n in bundle.write_github(grader / "github", assignment)]
    if args.gradescope:
        written += [
            f"gradescope/{n}" for n in bundle.write_gradescope(grader / "gradescope", assignment)
        ]
    return written


def _tell(
    root: Path, made: list[str], grader: Path, bundles: list[str], assignment, for_class
) -> None:
    if made:
        new_katas = [m for m in made if m.startswith("katas/")]
        print(
            f"pytest-ninja: made {len(made)} files in {root}"
            + (f" ({len(new_katas)} katas)" if new_katas else "")
        )
        for name in made:
            print(f"  {name}")
    else:
        print(f"{root} is up to date: every kata of this version is there; nothing changed.")
    if bundles:
        print(f"\nthe teacher's grading files, in {grader} (never in the students' repositories):")
        for name in bundles:
            print(f"  {name}")
    if for_class:
        for line in assignment.scheme.uneven():
            print(f"note: {line}")
    if made and not for_class:
        held = {k.level for k in workspace.at(root).katas}
        for level in LEVELS:
            if level.number not in held:
                print(
                    f"\nlevel {level.number} ({level.title}) is there too, when you are ready: "
                    f"pytest-ninja init {root} --level {level.number}"
                )
        print(f"\nnext: cd {root} && pytest katas/")
