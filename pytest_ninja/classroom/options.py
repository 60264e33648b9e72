"""The pytest options of GitHub Actions' extras: a job summary and annotations for any run
there. They decide no score, so they may also be ini keys. A class is never graded by a pytest
run: its katas, points and seed are the grading command's (`cli.grade`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Extras:
    """What a run on GitHub Actions adds to its job: a summary table and `::error` lines."""

    step_summary: bool = True
    annotations: bool = True


def add_class_options(parser) -> None:
    group = parser.getgroup("ninja")
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


def resolve_extras(config) -> Extras:
    return Extras(
        step_summary=not config.getoption("ninja_no_step_summary")
        and config.getini("ninja_step_summary"),
        annotations=not config.getoption("ninja_no_annotations")
        and config.getini("ninja_annotations"),
    )
