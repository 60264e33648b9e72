"""Grading a student's folder by the teacher's rules alone, where the student's code cannot
write the grade: the one way a class is graded.

Only the assigned kata files are read from the student's folder (regular files, not links),
copied into a fresh folder outside it, and graded from there. No pytest runs: nothing the
student commits (conftest.py, pytest.ini, pyproject.toml, setup.cfg, tox.ini, a progress
file, .pytest_cache, a `pytest_ninja/`, `pytest.py` or `torch.py` of their own) takes part, and
points never reach the learner's side at all: they are applied here, to the verdicts.

This process computes every reference and judges every answer (the grading core, as the
learner's loop uses it); the learner's functions run in a worker process
(`classroom.isolation`), which is sent the inputs only, never the seed or a reference, and
whose answers come back as plain data, checked before they are judged. All of the grader's
own code is imported before any learner code runs. A kata whose code kills its process,
exhausts its memory or outlasts its time limit scores nothing, with the reason; the worker is
started again for the next kata, and every verdict already reached is kept. Before the
verdicts leave, every process the learner's code started is killed (`isolation.sweep`).
"""

from __future__ import annotations

import importlib
import pkgutil
import random
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest_ninja
from pytest_ninja.classroom.scoring import Graded, Scheme, not_graded, score_katas
from pytest_ninja.core.level import Kata
from pytest_ninja.core.result import KataResult, Status, every_check
from pytest_ninja.core.settings import Settings

FOLDER = "katas"  # where kata files sit in a student's repository (or at its top, on Gradescope)
BIGGEST_FILE = 1_000_000  # bytes: a kata file is a page of Python
NOT_OURS = ("pytest_ninja.cli", "pytest_ninja.loop", "pytest_ninja.plugin")


@dataclass(frozen=True)
class Request:
    """What the teacher asked for: whose folder, which katas and points, and the limits."""

    folder: Path  # the student's checkout (or Gradescope's submission folder)
    scheme: Scheme
    kata_time_limit: float = 10.0  # seconds per kata and phase
    time_limit: float = 600.0  # seconds for the whole grading
    seed: int | None = None  # the stress phase's seed; None: drawn now, recorded in the result


class Shadowed(Exception):
    """The grader itself was loaded from the student's folder; the message says how not to."""


def check_not_shadowed(folder: Path) -> None:
    """Refuse to grade with a `pytest_ninja` imported from inside the student's folder."""
    here = Path(pytest_ninja.__file__).resolve()
    if here.is_relative_to(folder.resolve()):
        raise Shadowed(
            f"the grader was loaded from the student's folder ({here})\n"
            "  run it as `python -I -m pytest_ninja.cli grade ...`, or from outside the folder."
        )


def import_the_grader() -> None:
    """Every module the grading can use, imported now: once learner code runs, nothing of
    the grader is read from disk again (a learner could have rewritten it)."""
    import json  # noqa: F401  (the documents')
    import xml.etree.ElementTree  # noqa: F401

    for info in pkgutil.walk_packages(pytest_ninja.__path__, "pytest_ninja."):
        if not info.name.startswith(NOT_OURS) and info.name != "pytest_ninja.classroom.autograder":
            importlib.import_module(info.name)


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
    """Copy the assigned katas' files into `into/katas/` (readable by the worker's user); the
    katas staged, and a result for each kata that cannot be (missing, a link, too big)."""
    folder = into / FOLDER
    folder.mkdir(parents=True)
    for path in (into, folder):
        path.chmod(0o755)
    staged, refused = [], {}
    for kata in request.scheme.katas:
        path = find_file(request.folder, kata)
        if path is None:
            why = f"could not run: {FOLDER}/{kata.filename} is missing"
            refused[kata.id] = not_graded(kata, why)
            continue
        try:
            data = read_kata_file(path)
        except (OSError, ValueError) as exc:
            refused[kata.id] = not_graded(kata, f"could not run: {exc}")
            continue
        target = folder / kata.filename
        target.write_bytes(data)
        target.chmod(0o644)
        staged.append(kata)
    return staged, refused


# -- the whole grading ---------------------------------------------------------------------


def draw_seed() -> int:
    return random.SystemRandom().randrange(1, 2**31)


def grade(request: Request, echo: Callable[[str], None] = print) -> Graded:
    """Grade the student's folder: every assigned kata gets a score, whatever happens."""
    from pytest_ninja.classroom import isolation

    seed = request.seed if request.seed is not None else draw_seed()
    settings = Settings(request.kata_time_limit, seed, "--kata-time-limit")
    deadline = time.monotonic() + request.time_limit
    isolation.become_subreaper()
    results: dict[str, KataResult] = {}
    scratch = Path(tempfile.mkdtemp(prefix="pytest-ninja-grade-"))
    worker = isolation.Worker(scratch / FOLDER, echo)
    try:
        staged, refused = stage(request, scratch)
        results.update(refused)
        worker.begin()  # its imports beside ours: no learner code runs until a kata loads
        import_the_grader()
        for kata in staged:
            if time.monotonic() >= deadline:
                why = f"not graded: grading ran out of its {request.time_limit:g} s"
                results[kata.id] = not_graded(kata, why)
                continue
            result = grade_one(worker, kata, scratch / FOLDER / kata.filename, settings)
            results[kata.id] = result
            echo(f"{kata.id}: {result.status} ({result.passed}/{len(kata.outputs)} checks)")
    finally:
        worker.stop()
        isolation.sweep()
        shutil.rmtree(scratch, ignore_errors=True)
    return Graded(score_katas(request.scheme, results), seed)


def grade_one(worker, kata: Kata, path: Path, settings: Settings) -> KataResult:
    """One kata: its file loaded in the worker, its function judged here."""
    from pytest_ninja.classroom.isolation import RemoteFunction, WorkerGone
    from pytest_ninja.core.grading import grade_function
    from pytest_ninja.core.loading import function_line

    where = {"path": f"{FOLDER}/{kata.filename}", "line": function_line(path, kata.name)}
    try:
        problem = worker.load(kata, path, settings.time_limit)
        if problem is not None:
            return replace(every_check(kata, Status.ERROR, problem), **where)
        result = grade_function(RemoteFunction(worker, kata), kata, path, settings)
    except WorkerGone as gone:
        worker.stop()
        return replace(every_check(kata, Status.ERROR, f"could not run: {gone.why}"), **where)
    return replace(result, **where)
