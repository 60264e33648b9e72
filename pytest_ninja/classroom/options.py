"""The pytest options of class grading: what a teacher's workflow asks for (flags only).

A student owns the repository's configuration files, so nothing here is an ini key except
the two switches of GitHub Actions' extras (job summary, annotations), which decide no score.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClassGrading:
    """What a teacher's workflow asked for; all flags (the student owns the ini files)."""

    classroom: str | None = None  # file for the Classroom document ("" : $GITHUB_OUTPUT only)
    gradescope: str | None = None  # path of results.json
    katas: tuple[str, ...] = ()  # kata ids that count; () : all
    points: str = ""  # "09=3,14=5"
    all_or_nothing: bool = False
    hidden_seed: bool = False
    step_summary: bool = True
    annotations: bool = True

    @property
    def for_a_class(self) -> bool:
        return self.classroom is not None or self.gradescope is not None or self.hidden_seed


def add_class_options(parser) -> None:
    group = parser.getgroup("ninja")
    group.addoption(
        "--ninja-classroom",
        nargs="?",
        const="",
        default=None,
        metavar="FILE",
        help="write GitHub Classroom's reporter document (base64 `result=` to "
        "$GITHUB_OUTPUT, and to FILE if given) and exit 0 so the reporter runs",
    )
    group.addoption(
        "--ninja-gradescope",
        nargs="?",
        const="/autograder/results/results.json",
        default=None,
        metavar="PATH",
        help="write Gradescope's results.json (default "
        "/autograder/results/results.json), even after a crash",
    )
    group.addoption(
        "--ninja-kata",
        default="",
        metavar="ID[,ID]",
        help="grade only these katas (01, backward_tanh or 07_backward_tanh); "
        "the exit code is 0 exactly when they pass",
    )
    group.addoption(
        "--ninja-points",
        default="",
        metavar="KATA=POINTS[,...]",
        help="points of katas for graders (default 1 each), e.g. 09=3,14=5",
    )
    group.addoption(
        "--ninja-all-or-nothing",
        action="store_true",
        default=False,
        help="a kata scores its points only when all its checks pass",
    )
    group.addoption(
        "--ninja-hidden-seed",
        action="store_true",
        default=False,
        help="draw the stress phase's seed at run time (on with the classroom and "
        "gradescope modes); it is recorded in the results",
    )
    summary_help = "append the dojo as a Markdown table to $GITHUB_STEP_SUMMARY (default on)"
    group.addoption(
        "--ninja-no-step-summary",
        action="store_true",
        default=False,
        help=summary_help.replace("(default on)", ": switch it off"),
    )
    parser.addini("ninja_step_summary", summary_help, type="bool", default=True)
    annotations_help = "print ::error annotations for failing katas on GitHub Actions (on)"
    group.addoption(
        "--ninja-no-annotations",
        action="store_true",
        default=False,
        help=annotations_help.replace("(on)", ": switch them off"),
    )
    parser.addini("ninja_annotations", annotations_help, type="bool", default=True)


def resolve_class(config) -> ClassGrading:
    from pytest_ninja.levels import find

    katas = []
    for key in filter(None, (k.strip() for k in config.getoption("ninja_kata").split(","))):
        kata = find(key)
        if kata is None:
            raise ValueError(f"--ninja-kata: no kata {key!r}")
        katas.append(kata.id)
    return ClassGrading(
        classroom=config.getoption("ninja_classroom"),
        gradescope=config.getoption("ninja_gradescope"),
        katas=tuple(katas),
        points=config.getoption("ninja_points"),
        all_or_nothing=config.getoption("ninja_all_or_nothing"),
        hidden_seed=config.getoption("ninja_hidden_seed"),
        step_summary=not config.getoption("ninja_no_step_summary")
        and config.getini("ninja_step_summary"),
        annotations=not config.getoption("ninja_no_annotations")
        and config.getini("ninja_annotations"),
    )
