"""The teacher's grading bundles: what Classroom 50 and Gradescope run, and the dojo's wheel.

- `dojo_wheel`: the dojo as one wheel file, repacked from the package as it is installed right
  now (an editable checkout or a wheel install alike), with its katas and solutions;
- `write_classroom50`: `autograder.py` (standalone: the runner installs nothing before it),
  the wheel and a README, for the org's `classroom50` config repository;
- `write_gradescope`: `setup.sh`, `run_autograder`, the wheel and a README, whose contents are
  Gradescope's autograder zip.

Every bundle grades with the one command line `Assignment.grade_arguments` writes, and leaves a
valid document on every path, a failed install or a grading that dies included. The wheel holds
every reference solution: a bundle never goes into a student's repository.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import json
import re
import shlex
import zipfile
from dataclasses import replace
from importlib import resources
from pathlib import Path

import pytest_ninja
from pytest_ninja.classroom import classroom50, contract
from pytest_ninja.classroom.assignment import CPU_TORCH_INDEX, PYTHON, Assignment
from pytest_ninja.classroom.documents import gradescope_document
from pytest_ninja.classroom.scoring import error_scores
from pytest_ninja.levels import KATAS

DISTRIBUTION = "pytest-ninja"
PACKAGE = "pytest_ninja"
TAG = "py3-none-any"
# as pyproject.toml declares them ([project.scripts], [project.entry-points.pytest11])
ENTRY_POINTS = """[console_scripts]
pytest-ninja = pytest_ninja.cli.main:main

[pytest11]
ninja = pytest_ninja.plugin
"""
JUNK = (".pyc", ".pyo", "~", ".swp", ".orig", ".rej")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed: the same package makes the same wheel, byte for byte

# what one push took, measured on the dojo's own machine (2 busy cores), for the README: four
# katas, from a Python with torch and pytest (installing the wheel, then grading; the second
# has a kata that kills its process, so it is graded in two runs), and from a bare Python
# (torch installed from a local copy of its CPU wheel: the download could not be measured)
MEASURED = {"with_torch": "7 to 18", "bare": "74", "torch": "51"}  # seconds
GRADESCOPE_GRADING = 480.0  # seconds: the grading fits Gradescope's default 10-minute timeout


class BundleError(Exception):
    """The installed dojo cannot make a bundle; the message says why, in one line."""


# -- the dojo's wheel ----------------------------------------------------------------------


def wheel_name(version: str) -> str:
    return f"{PACKAGE}-{version}-{TAG}.whl"


def installed() -> importlib.metadata.Distribution:
    try:
        return importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise BundleError(
            "pytest-ninja is not installed, so its wheel cannot be made: "
            "`pip install -e .` in the checkout, or `pip install pytest-ninja`"
        ) from None


def bundled(kind: str) -> Path:
    """The dojo's stubs (`katas`) or solutions (`solutions`): in the package when it was built
    from a wheel, else the checkout's own folders (as `loop.workspace.bundled` finds them)."""
    packaged = resources.files(PACKAGE).joinpath("dojo", kind)
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(pytest_ninja.__file__).resolve().parents[1] / kind
    if checkout.is_dir():
        return checkout
    raise BundleError(f"the dojo's {kind} are not installed with the package")


def _is_junk(path: Path) -> bool:
    return (
        "__pycache__" in path.parts
        or any(part.startswith(".") for part in path.parts)
        or path.name.endswith(JUNK)
        or ".bak" in path.name
    )


def package_files() -> dict[str, Path]:
    """Every file of the wheel's package, by its name in the wheel: the package's own files
    (no `__pycache__`), then the stubs and solutions under `pytest_ninja/dojo/`."""
    root = Path(pytest_ninja.__file__).resolve().parent
    files = {}
    for path in sorted(root.rglob("*")):
        inside = path.relative_to(root)
        if path.is_file() and inside.parts[0] != "dojo" and not _is_junk(inside):
            files[f"{PACKAGE}/{inside.as_posix()}"] = path
    for kind in ("katas", "solutions"):
        folder = bundled(kind)
        have = {p.name: p for p in sorted(folder.glob("[0-9][0-9]_*.py"))}
        lacking = [k.filename for k in KATAS if k.filename not in have]
        if lacking:
            raise BundleError(f"the dojo's {kind} lack {', '.join(lacking)} (in {folder})")
        files.update({f"{PACKAGE}/dojo/{kind}/{name}": path for name, path in have.items()})
    return files


def metadata_text(dist: importlib.metadata.Distribution) -> str:
    meta = dist.metadata
    lines = ["Metadata-Version: 2.1", f"Name: {meta['Name']}", f"Version: {meta['Version']}"]
    for key in ("Summary", "License", "Requires-Python"):
        if meta.get(key):
            lines.append(f"{key}: {meta[key]}")
    lines += [f"Provides-Extra: {extra}" for extra in meta.get_all("Provides-Extra") or []]
    lines += [f"Requires-Dist: {req}" for req in dist.requires or []]
    return "\n".join(lines) + "\n"


def wheel_text() -> str:
    return (
        f"Wheel-Version: 1.0\nGenerator: pytest-ninja bundle\nRoot-Is-Purelib: true\nTag: {TAG}\n"
    )


def licenses(dist: importlib.metadata.Distribution) -> dict[str, bytes]:
    """The distribution's license files, by their name under the dist-info's `licenses/`."""
    found = {}
    for name in dist.metadata.get_all("License-File") or []:
        text = dist.read_text(f"licenses/{name}") or dist.read_text(name)
        if text:
            found[name] = text.encode("utf-8")
    return found


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, ZIP_TIME)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def dojo_wheel(into: Path) -> Path:
    """The dojo's own wheel in `into`, repacked from the installed package: its files, the
    bundled katas and solutions, and a dist-info from the installed distribution's metadata."""
    dist = installed()
    version = dist.version
    info = f"{PACKAGE}-{version}.dist-info"
    contents = {name: path.read_bytes() for name, path in package_files().items()}
    contents[f"{info}/METADATA"] = metadata_text(dist).encode("utf-8")
    contents[f"{info}/WHEEL"] = wheel_text().encode("utf-8")
    contents[f"{info}/entry_points.txt"] = ENTRY_POINTS.encode("utf-8")
    contents[f"{info}/top_level.txt"] = f"{PACKAGE}\n".encode()
    for name, data in licenses(dist).items():
        contents[f"{info}/licenses/{name}"] = data
    record = [record_line(name, data) for name, data in contents.items()]
    contents[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    into = Path(into)
    into.mkdir(parents=True, exist_ok=True)
    target = into / wheel_name(version)
    partial = target.with_name(target.name + ".part")
    with zipfile.ZipFile(partial, "w") as archive:
        for name, data in contents.items():
            _add(archive, name, data)
    partial.replace(target)
    return target


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

CHECKOUT, RESULT, MESSAGE = "@CHECKOUT@", "@RESULT@", "@MESSAGE@"
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


def autograder_source(a: Assignment, wheel: str) -> str:
    settings = autograder_settings(a, wheel)
    lines = [f"{name} = {literal(value, 0, len(name) + 3)}" for name, value in settings.items()]
    head = AUTOGRADER_HEAD.format(
        katas=len(a.katas), points=a.scheme.most, version=settings["VERSION"]
    )
    return head + "\n".join(lines) + "\n" + AUTOGRADER_BODY


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


# -- the files' texts ----------------------------------------------------------------------

AUTOGRADER_HEAD = '''#!/usr/bin/env python3
"""Classroom 50's autograder for a pytest-ninja assignment: {katas} katas, {points} points.

Made by `pytest-ninja init --classroom50` (pytest-ninja {version}): change the assignment
there and make this file again, never by hand. Classroom 50's runner runs it on every push as
`python autograder.py`, in the student's checkout, within the job's 15 minutes:

1. outside the runner (its variables missing) it says which are missing and exits 2, writing
   nothing;
2. it installs what this Python lacks, in a folder outside the checkout: CPU-only torch from
   PyTorch's own index, the dojo's other requirements from the package index, the dojo itself
   from its wheel beside this file;
3. it runs the one grading command (`pytest-ninja grade --for classroom50`), which grades the
   assigned kata files only, in a pytest of its own, and writes ./result.json and
   ./release-body.md;
4. whatever fails (an install, the network, the grading itself) it still writes a valid
   result.json, every kata at 0 with the reason, and exits 0: a push is never lost.

The standard library only: nothing is installed before it runs.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# -- the assignment and the dojo (written by pytest-ninja init) --
'''

AUTOGRADER_BODY = r'''
CHECKOUT, RESULT, MESSAGE = "@CHECKOUT@", "@RESULT@", "@MESSAGE@"
DOJO = "pytest-ninja"
BODY = "release-body.md"
BUDGET = 750.0  # seconds of the job's 15 minutes for this script (the runner needs the rest)
STARTUP = 45.0  # seconds the grading command needs beyond its --time-limit (python, torch)
MARGIN = 30.0  # seconds kept to write result.json when something fails
LEAST = 60.0  # seconds of grading: with less left after installing, it is not started
STARTED = time.monotonic()

PROBE = """
import importlib, importlib.metadata, json, sys
paths, requires, version = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
sys.path[:0] = paths


def number(text):
    parts = []
    for piece in text.split("."):
        digits = ""
        for c in piece:
            if not c.isdigit():
                break
            digits += c
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


lacking = []
for dist, module, least in requires:
    try:
        importlib.import_module(module)
        have = importlib.metadata.version(dist)
    except Exception:
        lacking.append(dist)
        continue
    if least and number(have) < number(least):
        lacking.append(dist)
try:
    if version:
        import pytest_ninja
        import pytest_ninja.cli.main

        if pytest_ninja.__version__ != version:
            raise ImportError(pytest_ninja.__version__)
except Exception:
    lacking.append("pytest-ninja")
print(json.dumps(lacking))
"""


class Failure(Exception):
    """What went wrong, in one line for the student's result and the teacher's log."""


def say(line: str) -> None:
    print(f"autograder.py: {line}", flush=True)


def left() -> float:
    """Seconds left of this script's share of the job."""
    return BUDGET - (time.monotonic() - STARTED)


def safe(text: str) -> list[str]:
    """A child's output as log lines: none can be read as a workflow command (`::`, `##[`)."""
    lines = text.splitlines() or [""]
    return ["| " + ln if ln.lstrip().startswith(("::", "##[")) else ln for ln in lines]


def echo(stream) -> None:
    for raw in iter(stream.readline, b""):
        for line in safe(raw.decode("utf-8", "replace").rstrip("\r\n")):
            print(line, flush=True)
    stream.close()


def run(command: list[str], cwd: Path, seconds: float) -> int | None:
    """Run a command, its output echoed; its exit code (negative: the signal that killed it),
    or None when it outlasted `seconds` (then it and whatever it started are killed)."""
    try:
        child = subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as exc:
        raise Failure(f"could not start {Path(command[0]).name}: {exc.strerror or exc}") from None
    reader = threading.Thread(target=echo, args=(child.stdout,), daemon=True)
    reader.start()
    try:
        code = child.wait(timeout=max(seconds, 1.0))
    except subprocess.TimeoutExpired:
        code = None
    finally:
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        child.wait()
        reader.join(timeout=5)
    return code


# -- making the dojo importable, only where it is missing --


def scratch(checkout: Path) -> Path:
    """Where installs go: outside the checkout (the grader keeps the student's folder off the
    path, and never runs a grader from inside it)."""
    for base in (os.environ.get("RUNNER_TEMP"), tempfile.gettempdir()):
        if base and not Path(base).resolve().is_relative_to(checkout.resolve()):
            return Path(base).resolve() / "pytest-ninja-autograder"
    raise Failure("found no folder outside the checkout to install the grader in")


def lacking(paths: list[str], cwd: Path, wanted: list[str]) -> list[str]:
    """Which of the `wanted` distributions this Python cannot import (with `paths` first on its
    path), in `wanted`'s order."""
    requires = [r for r in REQUIRES if r[0] in wanted]
    version = VERSION if DOJO in wanted else ""
    command = [sys.executable, "-I", "-c", PROBE, json.dumps(paths), json.dumps(requires)]
    why = "could not check which packages this Python has: see the job's log"
    try:
        done = subprocess.run(
            [*command, version], cwd=cwd, capture_output=True, text=True, timeout=120
        )
    except (subprocess.TimeoutExpired, OSError):
        raise Failure(why) from None
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        for line in safe(done.stderr):
            print(line, flush=True)
        raise Failure(why) from None


def install(target: Path, what: str, *args: str) -> None:
    """pip-install `args` into the folder `target` (replacing what an older run put there)."""
    seconds = left() - STARTUP - MARGIN - LEAST
    if seconds < 10:
        raise Failure(f"the grader had no time left to install {what}")
    pip = [sys.executable, "-I", "-m", "pip", "install", "--disable-pip-version-check"]
    pip += ["--no-input", "--no-warn-script-location", "--progress-bar", "off", "--upgrade"]
    say(f"installing {what} into {target}")
    began = time.monotonic()
    code = run([*pip, "--target", str(target), *args], target.parent, seconds)
    if code is None:
        raise Failure(f"the grader could not install {what} in {seconds:.0f} s: see the job's log")
    if code != 0:
        raise Failure(f"the grader could not install {what}: see the job's log")
    say(f"installed {what} in {time.monotonic() - began:.0f} s")


def requirement(dist: str) -> str:
    least = next(least for name, _, least in REQUIRES if name == dist)
    return f"{dist}>={least}" if least else dist


def make_importable(checkout: Path) -> list[str]:
    """The folders to put first on the grading's path, once torch, the dojo's requirements and
    the dojo import from them (each installed only when this Python lacks it)."""
    base = scratch(checkout)
    base.mkdir(parents=True, exist_ok=True)
    dojo, deps, torch = base / f"dojo-{VERSION}", base / "requirements", base / "torch"
    paths = [str(dojo), str(deps), str(torch)]
    missing = lacking(paths, base, [*(r[0] for r in REQUIRES), DOJO])
    if not missing:
        say(f"torch, the dojo's requirements and pytest-ninja {VERSION} are there already")
        return paths
    if "torch" in missing:
        install(torch, "torch (CPU)", "--index-url", TORCH_INDEX, requirement("torch"))
    others = [d for d in missing if d not in ("torch", DOJO)]
    if others:
        install(deps, ", ".join(others), *(requirement(d) for d in others))
    if DOJO in missing:
        wheel = Path(__file__).resolve().parent / WHEEL
        if not wheel.is_file():
            raise Failure(
                f"the dojo's wheel ({WHEEL}) is not beside autograder.py: the teacher must "
                "copy the whole folder pytest-ninja init made"
            )
        install(dojo, f"pytest-ninja {VERSION}", "--no-deps", "--no-index", str(wheel))
    still = lacking(paths, base, missing)  # what was installed imports now
    if still:
        raise Failure(f"{', '.join(still)} would not import after installing: see the job's log")
    return paths


# -- grading --


def grade_arguments(checkout: Path, seconds: float) -> list[str]:
    """`pytest-ninja grade`'s arguments for this checkout, its time limit fit into the job."""
    names = {CHECKOUT: str(checkout), RESULT: str(checkout / "result.json")}
    args = [names.get(a, a) for a in GRADE]
    at = args.index("--time-limit") + 1
    args[at] = f"{min(float(args[at]), seconds):.0f}"
    return args


def is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def problem(document: object) -> str:
    """The first reason Classroom 50 (or this assignment) would refuse a result.json; ''."""
    if not isinstance(document, dict):
        return "it is not a JSON object"
    if document.get("schema") != SCHEMA or set(document) - set(ALLOWED):
        return "its top-level keys are not Classroom 50's"
    for key, name in FIELDS:
        if document.get(key) != os.environ.get(name):
            return f'its "{key}" is not ${name}'
    rows = document.get("tests")
    expected = [(r["test-name"], r["max-score"]) for r in FALLBACK_ROWS]
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        return '"tests" is not a list of rows'
    if [(r.get("test-name"), r.get("max-score")) for r in rows] != expected:
        return "its rows are not this assignment's katas and points"
    for row in rows:
        if not (is_count(row.get("score")) and isinstance(row.get("passed"), bool)):
            return f"the row of {row['test-name']} has no whole score or passed"
        if row["score"] > row["max-score"]:
            return f"the row of {row['test-name']} scores more than its points"
    for key in ("score", "max-score"):
        if not is_count(document.get(key)) or document[key] != sum(r[key] for r in rows):
            return f'its "{key}" is not the rows\' sum'
    return ""


def ended(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"ended with exit code {code}"


def grade(checkout: Path, paths: list[str]) -> dict:
    """Run the grading command; the valid result.json it wrote."""
    seconds = left() - STARTUP - MARGIN
    if seconds < LEAST:
        raise Failure("the grader had no time left to grade after installing: see the job's log")
    args = grade_arguments(checkout, seconds)
    boot = (
        f"import sys; sys.path[:0] = {paths!r}; "
        "from pytest_ninja.cli.main import main; sys.exit(main(sys.argv[1:]))"
    )
    code = run([sys.executable, "-I", "-c", boot, *args], checkout, seconds + STARTUP)
    if code is None:
        raise Failure(f"the grading was stopped after {seconds + STARTUP:.0f} s: see the job's log")
    try:
        document = json.loads((checkout / "result.json").read_text("utf-8"))
    except FileNotFoundError:
        raise Failure(
            f"the grading {ended(code)} and wrote no result.json: see the job's log"
        ) from None
    except (OSError, ValueError):
        raise Failure(f"the grading {ended(code)} and its result.json is not JSON") from None
    wrong = problem(document)
    if wrong:
        raise Failure(f"the grading {ended(code)} with a result.json that is wrong: {wrong}")
    return document


# -- writing --


def write(path: Path, text: str) -> None:
    """`path` replaced by `text` whole (a temporary file beside it, then renamed)."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def one_line(text: str) -> str:
    return " ".join(text.split())


def fallback(checkout: Path, message: str) -> None:
    """A valid result.json that scores every kata 0 with `message`, and its Release notes."""
    rows = [{**row, "message": one_line(message)} for row in FALLBACK_ROWS]
    document = {
        "schema": SCHEMA,
        **{key: os.environ.get(name, "") for key, name in FIELDS},
        "score": 0,
        "max-score": sum(row["max-score"] for row in rows),
        "tests": rows,
    }
    write(checkout / "result.json", json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    cell = one_line(message)[:500].replace("\\", "\\\\").replace("|", "\\|")
    write(checkout / BODY, "\n".join(FALLBACK_BODY).replace(MESSAGE, cell) + "\n")


def main() -> int:
    missing = [name for name in ENV if not os.environ.get(name)]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        print(
            f"autograder.py: not inside Classroom 50's runner: {', '.join(missing)} {verb} not "
            "set\n  nothing was written. To grade a student's folder on your own machine: "
            "pytest-ninja grade FOLDER --for classroom50 --dry-run",
            file=sys.stderr,
        )
        return 2
    checkout = Path.cwd()
    try:
        for name in ("result.json", BODY):
            remove(checkout / name)
        document = grade(checkout, make_importable(checkout))
    except Exception as exc:  # every path leaves a result.json: a failure costs no push
        message = str(exc)
        if not isinstance(exc, Failure):
            message = f"the autograder failed ({type(exc).__name__}: {exc}): see the job's log"
        say(f"could not grade: {message}")
        try:
            fallback(checkout, message)
        except OSError as error:
            say(f"could not write result.json either: {error}")
            return 1
        say("wrote a result.json that says so (every kata 0), and release-body.md")
        return 0
    if not (checkout / BODY).is_file():
        write(checkout / BODY, f"**Score: {document['score']} / {document['max-score']}**\n")
    spent = time.monotonic() - STARTED
    say(f"graded in {spent:.0f} s: {document['score']} / {document['max-score']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''

CLASSROOM50_README = """# Classroom 50 autograder: pytest-ninja, {katas} katas, {points} points

Made by `pytest-ninja init --classroom50`. These files are the teacher's: never put them in the
students' template repository (the wheel holds every reference solution).

## Where it goes

Copy both files, side by side and not renamed, into your organization's `classroom50` config
repository at `<classroom>/autograders/<slug>/` (your classroom's folder, the assignment's
slug):

    autograder.py
    {wheel}

In the assignment's settings pin its Python (CPU builds of torch exist for it everywhere):

    runtime: {{"python": "{python}"}}

Classroom 50 serves grading files publicly through the org's Pages: students cannot change
them, but they can read them (the solutions are in the dojo's public repository anyway).

## What it does on each push

Classroom 50's runner runs `python autograder.py` in the student's checkout. It installs what
that Python lacks, in a folder outside the checkout: CPU-only torch from PyTorch's own index
({index}), the dojo's other requirements (pytest, numpy, pytest-timeout,
platformdirs) from the package index, the dojo itself from the wheel beside it. Then it runs
`pytest-ninja grade --for classroom50`, which copies only the assigned kata files out of the
checkout and grades them in a pytest of its own (nothing else the student commits changes how
they are graded), and writes `result.json` and `release-body.md` (the Release notes: a table
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

To try the grading on a student's folder on your own machine:

    pytest-ninja grade FOLDER --for classroom50 --dry-run
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
students (the wheel holds every reference solution).

## Uploading it

Zip this folder's contents, not the folder (`setup.sh` and `run_autograder` must be at the
top of the zip, and keep their executable bit):

    cd gradescope && zip ../autograder.zip setup.sh run_autograder {wheel}

In the assignment's autograder settings choose a base image of Ubuntu with Python 3.12 (such
as Ubuntu 24.04, whose `python3` is 3.12) and at least 2 GB of memory: importing torch needs
more than the default 768 MB. `setup.sh` installs Python's venv, CPU-only torch from PyTorch's
own index and the dojo from the wheel.

## What it does for each submission

Students upload their kata files (`07_backward_tanh.py`, ... or a `katas/` folder).
`run_autograder` runs `pytest-ninja grade --for gradescope` on them: only the assigned kata
files are read and graded, in a pytest of its own, and `/autograder/results/results.json` gets
one test per kata. The grading stops itself after {time_limit} s, inside Gradescope's default
10-minute timeout; if it dies anyway, `run_autograder` writes a valid results.json that says
so, every kata at 0.

{table}

To try it on a submission on your own machine, in a scratch folder that holds `venv/` (with
the wheel installed) and `submission/`: `AUTOGRADER_ROOT=$PWD bash PATH/TO/run_autograder`.
"""
