"""The student's side of a class: the files `pytest-ninja init DIR` adds to a class template.

- `student_readme`: the students' README: the katas assigned and their points, how they are
  graded, and how to run the same check on their own machine;
- `github_classroom_files` (legacy GitHub Classroom): `.github/workflows/classroom.yml`, one
  grading run (`pytest-ninja grade --for github`) with partial credit, a fallback that hands
  the reporter a valid error document if grading dies, then Classroom's reporter; and
  `.github/classroom/autograding.json` for the older generation, one all-or-nothing entry per
  kata.

No grading flag is written here: every command line comes from `Assignment.grade_command`.
Nothing here holds a solution or the dojo's wheel (it holds the solutions): the workflow
installs the dojo from the teacher's `--install` requirement. The teacher's own files
(Classroom 50's autograder, Gradescope's) are `bundle`'s.
"""

from __future__ import annotations

import json
import math
import shlex
from dataclasses import replace

from pytest_ninja.classroom.assignment import CPU_TORCH_INDEX, PYTHON, Assignment
from pytest_ninja.classroom.documents import classroom_output, github_document
from pytest_ninja.classroom.scoring import error_scores
from pytest_ninja.core.level import Kata

WORKFLOW = ".github/workflows/classroom.yml"
AUTOGRADING = ".github/classroom/autograding.json"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
DIED = (
    "grading did not finish (the install failed, or it ran out of memory or time): "
    "see the job's log"
)
SCORE_LINE = "pytest-ninja score: X / Y"  # what `grade` prints last: the score Classroom records
# the job summary's last line (inside double quotes in the shell: no backquote, no dollar)
REPORTER_TABLE = (
    "GitHub Classroom records the score above (the reporter's notice *Points X/Y*); the "
    "reporter's own table in its log counts passing katas and ignores their points and "
    "partial credit, so it may show another number."
)


# -- how the dojo gets onto a grading machine ----------------------------------------------


def torch_install() -> str:
    """CPU-only torch (a plain `pip install torch` pulls the multi-GB CUDA build)."""
    return f"python -m pip install torch --index-url {CPU_TORCH_INDEX}"


def dojo_install(a: Assignment) -> str:
    """`pip install "<the teacher's requirement>"` (a wheel's URL, a repository and tag)."""
    plain = not any(c in a.install for c in '"$`\\')
    return "python -m pip install " + (f'"{a.install}"' if plain else shlex.quote(a.install))


# -- GitHub Classroom's workflow -----------------------------------------------------------


def fallback_document(a: Assignment) -> dict:
    """The reporter's document for a grading that never wrote one: every kata an error."""
    return github_document(error_scores(a.scheme, DIED))


def grading_minutes(a: Assignment) -> int:
    """How long a grading may take on the platform, in minutes: the grading's own limit, and
    a few minutes to install and start (a workflow step's limit, an entry's timeout)."""
    return math.ceil(a.time_limit / 60) + 5


def classroom_workflow(a: Assignment) -> str:
    grading = grading_minutes(a)
    return f"""# GitHub Classroom autograding for pytest-ninja katas (made by `pytest-ninja init`).
# One run of `pytest-ninja grade` grades every kata by the teacher's rules, with partial
# credit, and hands the reporter its document; the reporter sends the score to Classroom.
# The score Classroom records is the sum of the katas' scores: the grading step's log ends
# with it ("{SCORE_LINE}") and the reporter's notice says it ("Points X/Y"). The
# reporter's own table in its log ignores the katas' points (its issue #10), and so may show
# another number: it is not the grade.
# Classroom keys on the names below (the workflow, the job, the reporter): keep them.
name: Autograding Tests
on:
  - push
  - repository_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    timeout-minutes: {grading + 20}
    steps:
      - name: Checkout code
        uses: actions/checkout@v5
      - name: Set up Python
        uses: actions/setup-python@v6
        with:
          python-version: "{PYTHON}"
      - name: Install CPU-only torch and the dojo
        run: |
          {torch_install()}
          {dojo_install(a)}
      - name: Grade the katas
        id: katas
        timeout-minutes: {grading}
        run: |
          {a.grade_command("github")}
          echo "{REPORTER_TABLE}" >> "$GITHUB_STEP_SUMMARY"
      - name: Hand the reporter an error document if grading died
        id: fallback
        if: always() && steps.katas.outputs.result == ''
        run: echo "{classroom_output(fallback_document(a))}" >> "$GITHUB_OUTPUT"
      - name: Autograding Reporter
        if: always()
        uses: {REPORTER}
        env:
          KATAS_RESULTS: "${{{{ steps.katas.outputs.result || steps.fallback.outputs.result }}}}"
        with:
          runners: katas
"""


# -- the older generation: autograding.json ------------------------------------------------


def kata_alone(a: Assignment, kata: Kata) -> Assignment:
    """The assignment cut down to one kata: what one autograding.json entry grades (its
    points are the entry's; the exit code says only whether every check passes)."""
    return replace(a, katas=(kata,), points={}, all_or_nothing=False)


def autograding_json(a: Assignment) -> str:
    setup = f"{torch_install()} && {dojo_install(a)}"
    tests = [
        {
            "name": kata.id,
            "setup": setup if i == 0 else "",
            "run": kata_alone(a, kata).grade_command("exit-code"),
            "input": "",
            "output": "",
            "comparison": "included",
            "timeout": grading_minutes(a),
            "points": a.scheme.points_of(kata),
        }
        for i, kata in enumerate(a.katas)
    ]
    return json.dumps({"tests": tests}, indent=2) + "\n"


def github_classroom_files(a: Assignment) -> dict[str, str]:
    """The legacy GitHub Classroom files of the student template, by path."""
    return {WORKFLOW: classroom_workflow(a), AUTOGRADING: autograding_json(a)}


# -- the students' README ------------------------------------------------------------------


def _points(n: int) -> str:
    return f"{n} point" if n == 1 else f"{n} points"


def kata_table(a: Assignment) -> list[str]:
    scheme = a.scheme
    lines = ["| kata | what you write | checks | points |", "|---|---|---|---|"]
    for kata in a.katas:
        lines.append(
            f"| `katas/{kata.filename}` | {kata.title} | {len(kata.outputs)} | "
            f"{scheme.points_of(kata)} |"
        )
    lines += ["", f"In all: {_points(scheme.most)}."]
    return lines


def policy(a: Assignment) -> list[str]:
    if a.all_or_nothing:
        return [
            "A kata scores its points only when **all** its checks pass; otherwise it scores 0."
        ]
    return [
        "A kata of P points with n checks, k of them passing, scores ⌊P·k/n⌋ whole points "
        "(all P when every check passes).",
    ]


PLATFORM_TEXT = {
    "classroom50": [
        "**Classroom 50**: each push (or `submit/...` tag) is graded by your class's "
        "autograder; your score and a table of the katas are in the Release it makes in your "
        "repository."
    ],
    "gradescope": [
        "**Gradescope**: submit your repository (or your kata files); the autograder grades "
        "them the same way and shows a table of the katas."
    ],
    "github": [
        "**GitHub Classroom**: each push runs the workflow *Autograding Tests* (the Actions "
        "tab). The score Classroom records is the one the grading step's log ends with, "
        f"`{SCORE_LINE}`, which the run's summary shows too. The reporter's own table in "
        "its log ignores the katas' points and partial credit, so it may show another "
        "number: it is not your grade.",
        "",
        "If your class uses GitHub Classroom's older autograding "
        "(`.github/classroom/autograding.json`), each kata is one test there, **all or "
        "nothing**: it scores its points only when all its checks pass.",
    ],
}


def grading(a: Assignment, platforms: list[str]) -> list[str]:
    lines = ["## How it is graded", "", *policy(a), ""]
    lines += [
        f"Each kata's function has {a.kata_time_limit:g} seconds per phase, and the whole "
        f"grading {a.time_limit:g} seconds.",
        "",
        "Every grading draws a fresh, hidden stress seed (random inputs your backward pass "
        "must survive); the result records it, so the same grading can be run again with "
        "`pytest katas/ --ninja-stress-seed N`.",
        "",
        "Only your kata files count: the grader copies the assigned `katas/NN_name.py` files "
        "and grades them with its own settings. Configuration files, `conftest.py`, "
        "`pytest.ini` and anything else in your repository are ignored, and so is a kata "
        "file that is a symbolic link.",
        "",
    ]
    for platform in platforms:
        lines += [*PLATFORM_TEXT.get(platform, []), ""]
    return lines


def locally(a: Assignment) -> list[str]:
    return [
        "## Check it on your own machine",
        "",
        "Install the dojo (`pytest-ninja`) as your teacher says: it is not on PyPI. Then, "
        "in this folder:",
        "",
        "    pytest katas/            # grade your katas: the panel, and the next kata",
        "    pytest-ninja hint        # a hint for the kata you are on (again: the next level)",
        "    pytest-ninja status      # the panel, without running anything",
        "",
        "And the grading itself, by the class's rules (it prints the score table and "
        "`pytest-ninja score: X / Y`, and writes nothing):",
        "",
        f"    {a.grade_command('exit-code')}",
        "",
        "A kata's reference solution appears in `solutions/` once you pass it.",
    ]


def student_readme(a: Assignment, platforms: list[str]) -> str:
    """The README of a class template: what is assigned, how it is graded, how to check."""
    lines = [
        "# Backprop katas: the assignment",
        "",
        "Write the backward pass of each kata below by hand, in its file in `katas/`. "
        "The dojo follows Andrej Karpathy's lecture \"Building makemore Part 4: Becoming a "
        'Backprop Ninja": https://www.youtube.com/watch?v=q8SA3rM6ckI',
        "",
        "## The katas",
        "",
        *kata_table(a),
        "",
        *grading(a, platforms),
        *locally(a),
    ]
    return "\n".join(lines).rstrip() + "\n"
