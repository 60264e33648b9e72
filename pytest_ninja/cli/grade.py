"""`pytest-ninja grade`: a student's folder graded for a class, by the teacher's rules alone.

Every template and bundle calls this one command (`classroom.grade` grades, `classroom.platforms`
says what each grading system reads), so how a class is graded lives in the package. Its
arguments are the whole of the teacher's rules: nothing in the student's folder but the kata
files is read. Outside its platform (Classroom 50's variables missing, no `$GITHUB_OUTPUT`) it
writes nothing and exits 2, naming what is missing; `--dry-run` grades anyway, with stand-ins,
and prints the score table and the document instead of writing them, so a teacher can try it
on a student's folder on their own machine.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pytest_ninja.cli.commands import Usage

HELP = "grade a student's folder for a class: Classroom 50, GitHub Classroom, Gradescope, JUnit"


def grade_arguments(parser) -> None:
    from pytest_ninja.classroom.platforms import PLATFORMS

    parser.add_argument(
        "folder", nargs="?", default=".", help="the student's checkout (default: here)"
    )
    parser.add_argument(
        "--for",
        dest="platform",
        required=True,
        choices=list(PLATFORMS),
        help="the grading system: " + "; ".join(f"{p.name}: {p.help}" for p in PLATFORMS.values()),
    )
    parser.add_argument(
        "--katas",
        default="",
        metavar="ID[,ID]",
        help="the katas that count, of any level (default: level 1's)",
    )
    parser.add_argument(
        "--points",
        default="",
        metavar="KATA=POINTS[,...]",
        help="whole points of katas (default 1 each); a kata with k of its n checks passing "
        "scores ⌊points·k/n⌋",
    )
    parser.add_argument(
        "--all-or-nothing",
        action="store_true",
        help="a kata scores its points only when all its checks pass",
    )
    parser.add_argument(
        "--kata-time-limit",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long a kata's function may run in each phase (default 10)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="how long the whole grading may take (default 600); katas not reached by then "
        "score nothing, with the reason",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help="the stress phase's seed (default: drawn at run time, and recorded)",
    )
    parser.add_argument(
        "--out", default=None, metavar="PATH", help="where the document goes (see --for)"
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="grade, then print the score table and the document instead of writing them",
    )


def grade(args) -> int:
    from pytest_ninja.classroom import grade as grading
    from pytest_ninja.classroom.platforms import PLATFORMS, write
    from pytest_ninja.classroom.scoring import Graded, error_scores

    platform = PLATFORMS[args.platform]
    folder = Path(args.folder).resolve()
    if not folder.is_dir():
        raise Usage(f"{args.folder} is not a folder: name the student's checkout")
    scheme = _scheme(args)
    for name, value in (
        ("--kata-time-limit", args.kata_time_limit),
        ("--time-limit", args.time_limit),
    ):
        if not value > 0:
            raise Usage(f"{name} is {value:g}: give a number of seconds above 0")
    env = dict(os.environ)
    if args.dry_run:
        env = {**(platform.dry_env or {}), **{k: v for k, v in env.items() if v}}
    out = platform.out_path(args.out)
    out = out.resolve() if out else None
    if not args.dry_run and (needs := platform.needs(env, out)):
        raise Usage("\n".join(needs))
    try:
        grading.check_not_shadowed(folder)
    except grading.Shadowed as exc:
        raise Usage(str(exc)) from None
    request = grading.Request(folder, scheme, args.kata_time_limit, args.time_limit, args.seed)
    print(f"pytest-ninja grade: {len(scheme.katas)} katas in {folder}", flush=True)
    try:
        graded = grading.grade(request, echo=_echo)
    except Exception as exc:  # every path leaves a document: a bug of ours costs no push
        graded = Graded(error_scores(scheme, f"the grader crashed: {type(exc).__name__}: {exc}"))
    outputs = platform.render(graded, env, out)
    _report(graded, env, args.platform)
    if args.dry_run:
        for output in outputs:
            print(f"\n--- {output.name} (dry run: not written) ---\n{output.text.rstrip()}")
        return platform.exit_code(graded.scores)
    try:
        write(outputs)
    except OSError as exc:
        print(
            f"pytest-ninja grade: could not write {exc.filename}: {exc.strerror}", file=sys.stderr
        )
        return 1
    print("written: " + ", ".join(o.name for o in outputs) if outputs else "")
    return platform.exit_code(graded.scores)


def _scheme(args):
    from pytest_ninja.classroom.scoring import Scheme, parse_katas, parse_points

    try:
        katas = parse_katas(args.katas)
        points = parse_points(args.points)
    except ValueError as exc:
        raise Usage(str(exc)) from None
    left_out = [k for k in points if k not in {kata.id for kata in katas}]
    if left_out:
        raise Usage(f"--points gives points to {', '.join(left_out)}, which --katas leaves out")
    return Scheme(katas, points, args.all_or_nothing)


def _echo(line: str) -> None:
    print(line, flush=True)


def _report(graded, env, platform: str) -> None:
    from pytest_ninja.classroom.documents import annotations, markdown_table

    print()
    print(markdown_table(graded.scores, graded.note).rstrip())
    print(
        f"\npytest-ninja score: {graded.score} / {graded.most}"
        + (
            f" ({graded.note}: `pytest katas/ {graded.rerun}` grades the same way)"
            if graded.seed is not None
            else ""
        )
    )
    if platform == "github" and env.get("GITHUB_ACTIONS") == "true":
        for line in annotations(graded.scores):
            print(line)
