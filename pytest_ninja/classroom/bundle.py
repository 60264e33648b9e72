"""The teacher's grading bundles: what Classroom 50 and Gradescope run, with the dojo's wheel.

- `write_classroom50`: `autograder.py` (the package's standalone `classroom.autograder`, the
  assignment written into its settings' placeholder), the wheel and a README, for the org's
  `classroom50` config repository;
- `write_gradescope`: `setup.sh`, `run_autograder`, the wheel and a README, whose contents are
  Gradescope's autograder zip.

The wheel is `classroom.wheel`'s. Every bundle grades with the one command line
`Assignment.grade_arguments` writes, and leaves a valid document on every path, a failed
install or a grading that dies included. The wheel is a grading build without the reference
solutions; still, a bundle never goes into a student's repository.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import replace
from importlib import resources
from pathlib import Path

from pytest_ninja.classroom import classroom50, contract
from pytest_ninja.classroom.assignment import CPU_TORCH_INDEX, PYTHON, Assignment
from pytest_ninja.classroom.documents import gradescope_document
from pytest_ninja.classroom.scoring import error_scores
from pytest_ninja.classroom.wheel import PACKAGE, BundleError, dojo_wheel, installed

# what one push took, measured on the dojo's own machine (2 busy cores), for the README: four
# katas, from a Python with torch and pytest (installing the wheel, then grading; the second
# has a kata that kills its process, so it is graded in two runs), and from a bare Python
# (torch installed from a local copy of its CPU wheel: the download could not be measured)
MEASURED = {"with_torch": "7 to 18", "bare": "74", "torch": "51"}  # seconds
GRADESCOPE_GRADING = 480.0  # seconds: the grading fits Gradescope's default 10-minute timeout


# -- both bundles --------------------------------------------------------------------------


def _fresh_wheel(folder: Path) -> Path:
    """The wheel written into a bundle folder, any other version's wheel there removed."""
    folder.mkdir(parents=True, exist_ok=True)
    wheel = dojo_wheel(folder)
    for old in folder.glob(f"{PACKAGE}-*.whl"):
        if old != wheel:
            old.unlink()
    return wheel


def _write(folder: Path, name: str, text: str, executable: bool = False) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8", newline="\n")
    path.chmod(0o755 if executable else 0o644)
    return name


def requirements() -> list[list[str]]:
    """The dojo's own requirements (no extras) as [distribution, module, least version]."""
    found = []
    for req in installed().requires or []:
        if ";" in req:
            continue
        match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(?:>=\s*([0-9][0-9.]*))?\s*", req)
        if match is None:
            raise BundleError(f"cannot read the dojo's requirement {req!r}")
        name, least = match.groups()
        found.append([name, name.replace("-", "_").lower(), least or ""])
    return found


def _kata_table(a: Assignment) -> str:
    """The assigned katas, their points and checks, and how a kata scores."""
    rows = [f"| {k.id} | {a.scheme.points_of(k)} | {len(k.outputs)} |" for k in a.katas]
    policy = (
        "A kata scores its points only when all its checks pass."
        if a.all_or_nothing
        else "A kata with k of its n checks passing scores ⌊points·k/n⌋."
    )
    return "\n".join(["| kata | points | checks |", "|---|---|---|", *rows, "", policy])


# -- Classroom 50 --------------------------------------------------------------------------

CHECKOUT, RESULT, MESSAGE = "@CHECKOUT@", "@RESULT@", "@MESSAGE@"  # autograder.py's own
# autograder.py's placeholder: the lines in between are the assignment's, written here
SETTINGS_START = "# -- the assignment and the dojo (written by pytest-ninja init) --\n"
SETTINGS_END = "# -- end of the assignment and the dojo --\n"
FALLBACK_NOTE = "this push could not be graded"


def autograder_settings(a: Assignment, wheel: str) -> dict[str, object]:
    """What `autograder.py` knows of the assignment and the dojo, as Python literals."""
    failed = error_scores(a.scheme, MESSAGE)
    grade = a.grade_arguments("classroom50", CHECKOUT, "--out", RESULT)
    if "--time-limit" not in grade:
        raise BundleError("the grading command has no --time-limit to fit into the job")
    return {
        "VERSION": installed().version,
        "WHEEL": wheel,
        "ENV": list(classroom50.ENV),
        "GRADE": grade,
        "REQUIRES": requirements(),
        "TORCH_INDEX": CPU_TORCH_INDEX,
        "SCHEMA": contract.SCHEMA,
        "FIELDS": [[key, name] for key, name in contract.FROM_ENV.items()],
        "ALLOWED": [*contract.OURS, *contract.TOTALS, "tests", *contract.STAMPED],
        "FALLBACK_ROWS": [classroom50.row(s) for s in failed],
        "FALLBACK_BODY": classroom50.release_body(failed, FALLBACK_NOTE).splitlines(),
    }


def literal(value: object, indent: int = 0, used: int = 0) -> str:
    """`value` (plain data) as Python source, laid out as ruff formats it: on one line when it
    fits after the `used` characters before it, else one item a line, `indent` deep."""
    flat = _flat(value)
    if used + len(flat) + 1 <= 100 or not isinstance(value, (list, dict)) or not value:
        return flat
    pad = " " * (indent + 4)
    if isinstance(value, dict):
        items = [(f"{_flat(k)}: ", v) for k, v in value.items()]
    else:
        items = [("", v) for v in value]
    lines = [f"{pad}{key}{literal(v, indent + 4, len(pad) + len(key))}," for key, v in items]
    ends = "{}" if isinstance(value, dict) else "[]"
    return ends[0] + "\n" + "\n".join(lines) + "\n" + " " * indent + ends[1]


def _flat(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_flat(k)}: {_flat(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flat(v) for v in value) + "]"
    return repr(value)


def autograder_template() -> str:
    """The package's `autograder.py`, its settings' placeholder still in it."""
    return resources.files("pytest_ninja.classroom").joinpath("autograder.py").read_text("utf-8")


def autograder_source(a: Assignment, wheel: str) -> str:
    """`autograder.py` for this assignment: the package's own, the settings written in between
    its two marker comments in place of the placeholder's."""
    settings = autograder_settings(a, wheel)
    head, start, rest = autograder_template().partition(SETTINGS_START)
    placeholder, end, body = rest.partition(SETTINGS_END)
    names = re.findall(r"^([A-Z_]+)(?::[^=\n]*)? = ", placeholder, re.MULTILINE)
    if not (start and end) or names != list(settings):
        wanted = ", ".join(settings)
        raise BundleError(f"the package's autograder.py lacks its placeholder of {wanted}")
    about = f"# {len(a.katas)} katas, {a.scheme.most} points; pytest-ninja {settings['VERSION']}"
    lines = [f"{name} = {literal(value, 0, len(name) + 3)}" for name, value in settings.items()]
    return head + start + "\n".join([about, *lines]) + "\n" + end + body


def classroom50_readme(a: Assignment, wheel: str) -> str:
    return CLASSROOM50_README.format(
        katas=len(a.katas),
        points=a.scheme.most,
        wheel=wheel,
        python=PYTHON,
        table=_kata_table(a),
        index=CPU_TORCH_INDEX,
        **MEASURED,
        kata_limit=f"{a.kata_time_limit:g}",
        time_limit=f"{a.time_limit:g}",
        dry_run=a.grade_command("classroom50", "FOLDER", "--dry-run"),
    )


def write_classroom50(folder: Path, a: Assignment) -> list[str]:
    """Classroom 50's bundle in `folder`: `autograder.py`, the dojo's wheel, a README for the
    teacher; the names written."""
    wheel = _fresh_wheel(folder)
    return [
        _write(folder, "autograder.py", autograder_source(a, wheel.name), executable=True),
        wheel.name,
        _write(folder, "README.md", classroom50_readme(a, wheel.name)),
    ]


# -- Gradescope ----------------------------------------------------------------------------

ROOT = "/autograder"


def rooted(command: str) -> str:
    """A shell command with Gradescope's `/autograder/` paths under `$ROOT` instead."""
    return command.replace(f"{ROOT}/", '"$ROOT"/')


def gradescope_assignment(a: Assignment) -> Assignment:
    """The assignment with its time limit fit into Gradescope's default 10 minutes."""
    return replace(a, time_limit=min(a.time_limit, GRADESCOPE_GRADING))


def requirement(name: str) -> str:
    """The dojo's pip requirement of `name` (`torch>=2.2`), or the bare name."""
    least = next((least for have, _, least in requirements() if have == name), "")
    return f"{name}>={least}" if least else name


def setup_sh(wheel: str) -> str:
    return GRADESCOPE_SETUP.format(
        torch=shlex.quote(requirement("torch")),
        index=CPU_TORCH_INDEX,
        wheel=shlex.quote(f"{ROOT}/source/{wheel}"),
    )


def run_autograder(a: Assignment) -> str:
    a = gradescope_assignment(a)
    results = f"{ROOT}/results/results.json"
    command = a.grade_command(
        "gradescope", f"{ROOT}/submission", "--out", results, python=f"{ROOT}/venv/bin/python"
    )
    message = (
        "the grader could not grade this submission (it crashed, or ran out of memory or "
        "time): see the autograder's output"
    )
    fallback = gradescope_document(error_scores(a.scheme, message))
    return GRADESCOPE_RUN.format(
        command=rooted(command),
        seconds=f"{a.time_limit + 60:.0f}",
        names=json.dumps([k.id for k in a.katas]),
        fallback=json.dumps(fallback, indent=1),
    )


def gradescope_readme(a: Assignment, wheel: str) -> str:
    return GRADESCOPE_README.format(
        katas=len(a.katas),
        points=a.scheme.most,
        wheel=wheel,
        example=a.katas[0].filename,
        table=_kata_table(a),
        time_limit=f"{gradescope_assignment(a).time_limit:g}",
    )


def write_gradescope(folder: Path, a: Assignment) -> list[str]:
    """Gradescope's autograder folder in `folder` (zip its contents): `setup.sh`,
    `run_autograder`, the dojo's wheel, a README for the teacher; the names written."""
    wheel = _fresh_wheel(folder)
    return [
        _write(folder, "setup.sh", setup_sh(wheel.name), executable=True),
        _write(folder, "run_autograder", run_autograder(a), executable=True),
        wheel.name,
        _write(folder, "README.md", gradescope_readme(a, wheel.name)),
    ]


def write_github(folder: Path, a: Assignment) -> list[str]:
    """For legacy GitHub Classroom: the grading wheel for the teacher to host (its URL is
    `--install`), and a README saying so; the names written."""
    wheel = _fresh_wheel(folder)
    text = GITHUB_README.format(wheel=wheel.name, katas=len(a.katas), points=a.scheme.most)
    return [wheel.name, _write(folder, "README.md", text)]


# -- the files' texts ----------------------------------------------------------------------

GITHUB_README = """# GitHub Classroom (legacy): the wheel to host, {katas} katas, {points} points

Made by `pytest-ninja init --classroom`. The workflow in the students' repositories installs the
dojo from the `--install` you gave; host this wheel there (a release asset of a repository of
yours, say):

    {wheel}

It is a grading build: it holds no reference solution, so a student's code, which runs beside
it during grading, cannot read one. Give `init` its URL again if it moves.
"""

CLASSROOM50_README = """# Classroom 50 autograder: pytest-ninja, {katas} katas, {points} points

Made by `pytest-ninja init --classroom50`. These files are the teacher's: never put them in the
students' template repository (they are the grader's; its wheel is a grading build, without
the reference solutions).

## Where it goes

Copy both files, side by side and not renamed, into your organization's `classroom50` config
repository at `<classroom>/autograders/<slug>/` (your classroom's folder, the assignment's
slug):

    autograder.py
    {wheel}

In the assignment's settings pin its Python (CPU builds of torch exist for it everywhere):

    runtime: {{"python": "{python}"}}

Classroom 50 serves grading files publicly through the org's Pages: students cannot change
them, but they can read them (the wheel holds no solution).

## What it does on each push

Classroom 50's runner runs `python autograder.py` in the student's checkout. It installs what
that Python lacks, in a folder outside the checkout: CPU-only torch from PyTorch's own index
({index}), the dojo's other requirements (pytest, numpy, pytest-timeout,
platformdirs) from the package index, the dojo itself from the wheel beside it. Then it runs
`pytest-ninja grade --for classroom50`, which copies only the assigned kata files out of the
checkout and grades them, their functions in a worker process that can neither see the
references nor write the grade (nothing else the student commits changes how they are graded),
and writes `result.json` and `release-body.md` (the Release notes: a table
of the katas and their likely mistakes). A kata that crashes, loops or kills the grading costs
that kata alone.

If the grading cannot run at all (no network, an install that fails, the grader itself) it
still writes a valid `result.json`, every kata at 0 with the reason (for example "the grader
could not install torch (CPU): see the job's log"), and exits 0: the student keeps the push,
and the job's log says what happened. Run outside the runner it writes nothing and exits 2.

{table} Each kata's function may run
{kata_limit} s per phase, the whole grading at most {time_limit} s (less when installing took
long: the script keeps to 12.5 of the job's 15 minutes).

## How long a push takes

Measured for four katas on a busy 2-core machine: {with_torch} s when torch and pytest are
there already (installing the wheel, then grading); {bare} s from a bare Python, {torch} s of it
installing torch from a copy of its CPU wheel already on disk. The download itself (about
190 MB from PyTorch's index) could not be measured there. Expect a push to take one to two
minutes, most of it torch.

To try the grading on a student's folder on your own machine (it prints the score table and
the document, and writes nothing):

    {dry_run}
"""

GRADESCOPE_SETUP = """#!/usr/bin/env bash
# Gradescope's setup for a pytest-ninja assignment (made by `pytest-ninja init --gradescope`):
# Python 3 and a venv at /autograder/venv, CPU-only torch from PyTorch's own index (the
# default build is a multi-GB CUDA download), then the dojo from its wheel beside this file.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv
python3 -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --upgrade pip
/autograder/venv/bin/python -m pip install {torch} --index-url {index}
/autograder/venv/bin/python -m pip install {wheel}
/autograder/venv/bin/python -I -c "import torch, pytest_ninja.cli.main"
"""

GRADESCOPE_RUN = """#!/usr/bin/env bash
# Gradescope runs this for each submission (made by `pytest-ninja init --gradescope`): the one
# grading command grades the kata files in /autograder/submission and writes
# /autograder/results/results.json. If the grading dies (out of memory, out of time, a crash)
# a valid results.json that says so is written instead: every kata 0, the reason in each.
# AUTOGRADER_ROOT (default /autograder) moves every path, to try it in a scratch folder.
set -u
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
rm -f "$RESULTS"
cd "$ROOT"
status=0
timeout -k 10 {seconds} {command} || status=$?

valid() {{
    python3 -I - "$RESULTS" <<'CHECK' 2>/dev/null
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
number = (int, float)
assert [t["name"] for t in doc["tests"]] == {names}
assert all(isinstance(t["score"], number) and isinstance(t["max_score"], number)
           for t in doc["tests"])
assert isinstance(doc.get("score", 0), number)
CHECK
}}

if ! valid; then
    echo "run_autograder: the grading ended (exit code $status) without a valid results.json:"
    echo "  writing one that says so (every kata 0)"
    cat > "$RESULTS" <<'FALLBACK'
{fallback}
FALLBACK
fi
exit 0
"""

GRADESCOPE_README = """# Gradescope autograder: pytest-ninja, {katas} katas, {points} points

Made by `pytest-ninja init --gradescope`. These files are the teacher's: never hand them to
students (they are the grader's; its wheel holds no reference solution).

## Uploading it

Zip this folder's contents, not the folder (`setup.sh` and `run_autograder` must be at the
top of the zip, and keep their executable bit):

    cd gradescope && zip ../autograder.zip setup.sh run_autograder {wheel}

In the assignment's autograder settings choose a base image of Ubuntu with Python 3.12 (such
as Ubuntu 24.04, whose `python3` is 3.12) and at least 2 GB of memory: importing torch needs
more than the default 768 MB. `setup.sh` installs Python's venv, CPU-only torch from PyTorch's
own index and the dojo from the wheel.

## What it does for each submission

Students upload their kata files (`{example}`, ... or a `katas/` folder).
`run_autograder` runs `pytest-ninja grade --for gradescope` on them: only the assigned kata
files are read and graded, their functions in a worker process that cannot write the grade
(it runs as `nobody` when this runs as root), and `/autograder/results/results.json` gets
one test per kata. The grading stops itself after {time_limit} s, inside Gradescope's default
10-minute timeout; if it dies anyway, `run_autograder` writes a valid results.json that says
so, every kata at 0.

{table}

To try it on a submission on your own machine, in a scratch folder that holds `venv/` (with
the wheel installed) and `submission/`: `AUTOGRADER_ROOT=$PWD bash PATH/TO/run_autograder`.
"""
