#!/usr/bin/env python3
"""Classroom 50's autograder for a pytest-ninja assignment: the script of the teacher's bundle.

`pytest-ninja init --classroom50` copies this file into the teacher's bundle as
`autograder.py`, the assignment and the dojo (its katas, points and limits, the dojo's version
and wheel) written in between the two marker comments below: to change them, make the bundle
again, never edit the copy by hand. The dojo never imports it; it is a module of the package
only so that it is linted and its functions can be tested. Classroom 50's runner runs the copy
on every push as `python autograder.py`, in the student's checkout, within the job's 15
minutes:

1. outside the runner (its variables missing) it says which are missing and exits 2, writing
   nothing;
2. it installs what this Python lacks, in a folder outside the checkout: CPU-only torch from
   PyTorch's own index, the dojo's other requirements from the package index, the dojo itself
   from its wheel beside this file;
3. it runs the one grading command (`pytest-ninja grade --for classroom50`), which grades the
   assigned kata files only, their functions in a worker process, and writes ./result.json and
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
# none in the package's own copy: `main` refuses to run without them
VERSION = ""  # pytest-ninja's
WHEEL = ""  # the dojo's wheel, beside this file
ENV: list[str] = []  # Classroom 50's variables, all set inside its runner
GRADE: list[str] = []  # `pytest-ninja grade`'s arguments, CHECKOUT and RESULT in them
REQUIRES: list[list[str]] = []  # the dojo's requirements: [distribution, module, least version]
TORCH_INDEX = ""  # where CPU-only torch comes from
SCHEMA = ""  # result.json's, as Classroom 50 reads it
FIELDS: list[list[str]] = []  # result.json's fields copied from the runner's variables
ALLOWED: list[str] = []  # result.json's top-level keys
FALLBACK_ROWS: list[dict] = []  # result.json's rows when the grading cannot run, MESSAGE in them
FALLBACK_BODY: list[str] = []  # release-body.md's lines then
# -- end of the assignment and the dojo --

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
    if not VERSION:
        print(
            "autograder.py: this is the package's own copy, with no assignment in it: "
            "`pytest-ninja init --classroom50` writes the one Classroom 50 runs",
            file=sys.stderr,
        )
        return 2
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
