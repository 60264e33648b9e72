"""Grading a student's folder by the teacher's rules alone: the one way a class is graded.

Only the assigned kata files are read from the student's folder (regular files, not links),
copied into a fresh folder outside it, and graded there by a pytest of our own making: our
ini file, no conftest, no cache, no plugin but ours (`PYTEST_DISABLE_PLUGIN_AUTOLOAD`, `-p`),
`python -I` (neither the student's folder nor `PYTHON*` variables on the path), none of the
`PYTEST_*` variables, and the seed, time limit and katas this module hands it. So nothing the
student commits (conftest.py, pytest.ini, pyproject.toml, setup.cfg, tox.ini, a progress file,
.pytest_cache, a `pytest_ninja/`, `pytest.py` or `torch.py` of their own) changes what is
graded, how, or with which seed; and points never reach that run at all: they are applied
here, to its verdicts.

The run writes each check's verdict, as it comes, to a file of ours (`--ninja-verdicts`). A
run that dies (a kata that kills its process, runs out of memory, or outlasts the time limit)
leaves the verdicts it had; the kata it was on scores nothing with the reason, and the katas
after it are graded in a new run. What comes back is scored here (`scoring`), from this run's
verdicts alone.
"""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from pytest_ninja.classroom.scoring import Graded, Scheme, not_graded, score_katas
from pytest_ninja.core.level import Kata
from pytest_ninja.core.result import KataResult, Status, every_check, part_from_data
from pytest_ninja.levels import BY_ID

FOLDER = "katas"  # where kata files sit in a student's repository (or at its top, on Gradescope)
BIGGEST_FILE = 1_000_000  # bytes: a kata file is a page of Python
STARTUP = 30.0  # seconds a new run may take to start (python, pytest, torch) beyond its katas


@dataclass(frozen=True)
class Request:
    """What the teacher asked for: whose folder, which katas and points, and the limits."""

    folder: Path  # the student's checkout (or Gradescope's submission folder)
    scheme: Scheme
    kata_time_limit: float = 10.0  # seconds per kata and phase, as `--ninja-timeout`
    time_limit: float = 600.0  # seconds for the whole grading
    seed: int | None = None  # the stress phase's seed; None: drawn now, recorded in the result


class Shadowed(Exception):
    """The grader itself was loaded from the student's folder; the message says how not to."""


def check_not_shadowed(folder: Path) -> None:
    """Refuse to grade with a `pytest_ninja` imported from inside the student's folder."""
    import pytest_ninja

    here = Path(pytest_ninja.__file__).resolve()
    if here.is_relative_to(folder.resolve()):
        raise Shadowed(
            f"the grader was loaded from the student's folder ({here})\n"
            "  run it as `python -I -m pytest_ninja.cli grade ...`, or from outside the folder."
        )


# -- the student's files -------------------------------------------------------------------


def find_file(folder: Path, kata: Kata) -> Path | None:
    """Where the student's file of a kata is: `katas/NN_name.py`, or at the top (an upload)."""
    for path in (folder / FOLDER / kata.filename, folder / kata.filename):
        if path.exists() or path.is_symlink():
            return path
    return None


def read_kata_file(path: Path) -> bytes:
    """A kata file's bytes; ValueError with the student's reason when it cannot be graded."""
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        raise ValueError(f"{path.name} is a symbolic link: commit the file itself")
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{path.name} is not a file")
    if info.st_size > BIGGEST_FILE:
        raise ValueError(f"{path.name} is {info.st_size:,} bytes: a kata file is much smaller")
    return path.read_bytes()


def stage(request: Request, into: Path) -> tuple[list[Kata], dict[str, KataResult]]:
    """Copy the assigned katas' files into `into/katas/`; the katas staged, and a result for
    each kata that cannot be (its file missing, a link, too big)."""
    (into / FOLDER).mkdir(parents=True)
    (into / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    staged, refused = [], {}
    for kata in request.scheme.katas:
        path = find_file(request.folder, kata)
        where = f"{FOLDER}/{kata.filename}"
        if path is None:
            refused[kata.id] = not_graded(kata, f"could not run: {where} is missing")
            continue
        try:
            data = read_kata_file(path)
        except (OSError, ValueError) as exc:
            refused[kata.id] = not_graded(kata, f"could not run: {exc}")
            continue
        (into / FOLDER / kata.filename).write_bytes(data)
        staged.append(kata)
    return staged, refused


# -- one run of pytest ---------------------------------------------------------------------


def child_environment() -> dict[str, str]:
    """This process's environment without what could steer pytest or Python, or reach the
    platform's own files (GitHub's output and summary)."""
    steer = ("PYTEST_", "PYTHON", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV")
    env = {k: v for k, v in os.environ.items() if not k.startswith(steer)}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONUTF8"] = "1"
    return env


def boot_code(student: Path) -> str:
    """`python -I -c` code that starts pytest with this process's path, minus the student's."""
    paths = [p for p in sys.path if p and not Path(p).resolve().is_relative_to(student)]
    return (
        f"import sys; sys.path[:] = {paths!r}; import pytest; sys.exit(pytest.main(sys.argv[1:]))"
    )


def pytest_arguments(request: Request, katas: list[Kata], seed: int) -> list[str]:
    files = [f"{FOLDER}/{k.filename}" for k in katas]
    plugins = ["-p", "pytest_ninja.plugin"]
    try:
        import pytest_timeout  # noqa: F401  (our backstop for code that never returns)

        plugins += ["-p", "pytest_timeout"]
    except ImportError:
        pass
    return [
        *files,
        "-c",
        "pytest.ini",
        "--rootdir",
        ".",
        "--noconftest",
        "-p",
        "no:cacheprovider",
        *plugins,
        "--ninja-verdicts",
        "verdicts.jsonl",
        "--ninja-stress-seed",
        str(seed),
        "--ninja-timeout",
        f"{request.kata_time_limit:g}",
        "-q",
        "--no-header",
        "-rN",
        "--tb=no",
    ]


NOT_STARTED = (2, 3, 4, 5)  # pytest's interrupted, internal error, usage error, no tests


@dataclass(frozen=True)
class Ended:
    """How one run of pytest ended: its exit code (negative: the signal), or out of time."""

    code: int | None
    out_of_time: bool = False


def run_pytest(
    request: Request, where: Path, katas: list[Kata], seed: int, seconds: float, echo
) -> Ended:
    """One pytest run over these katas' files in `where`, its output echoed line by line."""
    args = [sys.executable, "-I", "-c", boot_code(request.folder.resolve())]
    child = subprocess.Popen(
        [*args, *pytest_arguments(request, katas, seed)],
        cwd=where,
        env=child_environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    reader = threading.Thread(target=_echo, args=(child.stdout, echo), daemon=True)
    reader.start()
    try:
        code = child.wait(timeout=max(seconds, 1.0))
        ended = Ended(code)
    except subprocess.TimeoutExpired:
        ended = Ended(None, out_of_time=True)
    finally:
        _kill_group(child)
        reader.join(timeout=5)
    return ended


def _kill_group(child: subprocess.Popen) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    child.wait()


def _echo(stream, echo: Callable[[str], None]) -> None:
    """The run's output for the log, each line indented: nothing the student's code prints
    can start a line with a workflow command (`::notice ...`)."""
    for raw in iter(stream.readline, b""):
        echo("  | " + raw.decode("utf-8", "replace").rstrip("\r\n"))
    stream.close()


def read_verdicts(path: Path, folder: Path, katas: list[Kata]) -> dict[str, KataResult]:
    """The checks a run recorded, by kata; a line cut short by a dying run is ignored."""
    wanted = {k.id for k in katas}
    results: dict[str, KataResult] = {}
    try:
        lines = path.read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return results
    for line in lines:
        try:
            where, part = part_from_data(json.loads(line), BY_ID.__getitem__)
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        if where.resolve() != folder.resolve() or part.kata.id not in wanted:
            continue
        old = results.get(part.kata.id)
        results[part.kata.id] = (
            part
            if old is None
            else replace(
                old, checks={**old.checks, **part.checks}, duration=old.duration + part.duration
            )
        )
    return results


def _complete(result: KataResult | None) -> bool:
    return result is not None and all(o in result.checks for o in result.kata.outputs)


# -- the whole grading ---------------------------------------------------------------------


def draw_seed() -> int:
    return random.SystemRandom().randrange(1, 2**31)


def grade(request: Request, echo: Callable[[str], None] = print) -> Graded:
    """Grade the student's folder: every assigned kata gets a score, whatever happens."""
    seed = request.seed if request.seed is not None else draw_seed()
    deadline = time.monotonic() + request.time_limit
    results: dict[str, KataResult] = {}
    with tempfile.TemporaryDirectory(prefix="pytest-ninja-grade-") as scratch:
        where = Path(scratch)
        left, refused = stage(request, where)
        results.update(refused)
        run = 0
        while left:
            run += 1
            verdicts = where / "verdicts.jsonl"
            verdicts.unlink(missing_ok=True)
            ended = run_pytest(request, where, left, seed, deadline - time.monotonic(), echo)
            got = read_verdicts(verdicts, where / FOLDER, left)
            for kata_id, result in got.items():
                results[kata_id] = _as_students(result)
            unfinished = [k for k in left if not _complete(results.get(k.id))]
            if not unfinished:
                break
            if not got and ended.code in NOT_STARTED:  # pytest itself could not start
                why = f"could not run: the grader did not start (pytest's exit code {ended.code})"
                results.update({k.id: not_graded(k, why + ": see the log") for k in unfinished})
                break
            stuck, left = unfinished[0], unfinished[1:]  # a run only stops early on a kata
            results[stuck.id] = _stopped(stuck, results.get(stuck.id), ended, request)
            if ended.out_of_time or time.monotonic() >= deadline:
                why = f"not graded: grading ran out of its {request.time_limit:g} s"
                results.update({k.id: not_graded(k, why) for k in left})
                break
    return Graded(score_katas(request.scheme, results), seed)


def _as_students(result: KataResult) -> KataResult:
    """A verdict on our copy, told in the student's repository's terms."""
    return replace(result, path=f"{FOLDER}/{result.kata.filename}")


def _stopped(kata: Kata, partial: KataResult | None, ended: Ended, request: Request) -> KataResult:
    """The kata a run was on when it died: what it had, and the reason for the rest."""
    if ended.out_of_time:
        why = (
            f"could not run: grading was stopped after {request.time_limit:g} s "
            "while on this kata (a loop that never returns?)"
        )
    elif ended.code is not None and ended.code < 0:
        name = signal.Signals(-ended.code).name if -ended.code in signal.valid_signals() else ""
        hint = " (out of memory?)" if name == "SIGKILL" else ""
        why = f"could not run: the grading process was killed by {name or -ended.code}{hint}"
    else:
        why = f"could not run: the grading process ended (exit code {ended.code}) inside it"
    stopped = every_check(kata, Status.ERROR, why)
    checks = {**stopped.checks, **(partial.checks if partial else {})}
    return replace(stopped, checks=checks, path=f"{FOLDER}/{kata.filename}")
