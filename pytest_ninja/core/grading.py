"""The grading core: run a kata's function in both phases and judge each gradient it returns.

Works without pytest (plain data in, plain data out), so the plugin, a watch loop and a
notebook helper all share it. One call grades a whole kata: the function runs once per phase
on fresh copies of that phase's tensors, and each output becomes a `CheckResult`.
"""

from __future__ import annotations

import difflib
import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import torch

from pytest_ninja.core.compare import compare
from pytest_ninja.core.diagnosis import likely_mistake, wrong_map
from pytest_ninja.core.level import Kata, level_of
from pytest_ninja.core.limits import KataTimeout, time_limit, watch_interrupts
from pytest_ninja.core.loading import KataLoadError, exception_line, function_line, load_function
from pytest_ninja.core.problems import Problem
from pytest_ninja.core.result import CheckResult, Comparison, KataResult, Status, every_check
from pytest_ninja.core.settings import DEFAULTS, Settings


@contextmanager
def one_thread() -> Iterator[None]:
    """Grade on one thread, then give the caller back its own thread count.

    The katas' tensors are tiny: spreading an op over threads only costs a wake-up, and on a
    busy machine a wait of milliseconds for a descheduled thread (a softmax of 32x27 took 8 ms
    on two loaded cores, 0.01 ms on one).
    """
    before = torch.get_num_threads()
    if before != 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if before != 1:
            torch.set_num_threads(before)


class _Abort(Exception):
    """A verdict that applies to every check of the kata."""

    def __init__(self, status: str, line: str):
        super().__init__(line)
        self.status, self.line = status, line


AUTOGRAD_OFF = "autograd is switched off in the dojo: write the gradient by hand"


def _call(
    func: Callable, kata: Kata, problem: Problem, path: Path | None, settings: Settings
) -> dict:
    """Run the learner's function on fresh inputs; its answers keyed by output name."""
    inputs = problem.fresh_inputs()
    try:
        with watch_interrupts() as interrupts, torch.no_grad(), time_limit(settings.time_limit):
            answer = func(**inputs)
    except KataTimeout:
        raise _Abort(
            Status.ERROR,
            f"{kata.name} ran for more than {settings.time_limit:g} s and was "
            f"stopped: an endless loop? (the limit is set by {settings.timeout_flag})",
        ) from None
    except NotImplementedError:
        where = f" in {path.name}" if path else ""
        raise _Abort(Status.TODO, f"todo: implement {kata.name}{where}") from None
    except KeyboardInterrupt as exc:
        if interrupts.from_user:
            raise
        raise _Abort(Status.ERROR, f"{kata.name} raised {_describe(exc, path)}") from None
    except (Exception, SystemExit) as exc:
        if isinstance(exc, RuntimeError) and "does not require grad" in str(exc):
            raise _Abort(Status.ERROR, f"{kata.name}: {AUTOGRAD_OFF}") from None
        raise _Abort(Status.ERROR, f"{kata.name} raised {_describe(exc, path)}") from None
    changed = [
        name
        for name, value in inputs.items()
        if isinstance(value, torch.Tensor) and not _same(value, problem.inputs[name])
    ]
    if changed:
        raise _Abort(
            Status.ERROR,
            f"{kata.name} changed its input `{changed[0]}` in place: a backward "
            "pass must not overwrite the forward pass's tensors (work on a .clone())",
        )
    return _as_dict(answer, kata)


def _describe(exc: BaseException, path: Path | None) -> str:
    return exception_line(exc, path) if path else f"{type(exc).__name__}: {exc}"


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and torch.equal(a, b)


def _as_dict(answer, kata: Kata) -> dict:
    if len(kata.outputs) == 1 and not isinstance(answer, dict):
        return {kata.outputs[0]: answer}
    if not isinstance(answer, dict):
        if answer is None:
            return {}
        keys = ", ".join(kata.outputs)
        raise _Abort(
            Status.ERROR,
            f"{kata.name} must return a dict keyed by {keys}; "
            f"it returned a {type(answer).__name__}",
        )
    for key in answer:
        if key not in kata.outputs:
            close = difflib.get_close_matches(str(key), kata.outputs, n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            raise _Abort(
                Status.ERROR,
                f"{kata.name} returned an unknown key `{key}`{hint}: "
                f"the keys are {', '.join(kata.outputs)}",
            )
    return answer


def _failure(
    kata: Kata,
    out: str,
    got,
    problem: Problem,
    c: Comparison,
    lecture_passed: bool,
    earlier_wrong: str | None = None,
) -> CheckResult:
    lines = [f"{out} | {c.lecture_line()}" if c.reason == "values" else c.detail]
    if c.reason == "values":
        likely = likely_mistake(kata, out, got, c, problem, lecture_passed)
        if earlier_wrong and likely.startswith(("close", "no single")):
            likely = (
                f"{earlier_wrong} is wrong too and comes before {out} in the backward "
                f"pass: fix {earlier_wrong} first, {out} may follow"
            )
        lines.append(f"likely: {likely}")
    if c.worst_line():
        lines.append(c.worst_line())
    lines.append(f"failed in {level_of(kata).phase(problem.phase).words}")
    if c.reason == "values":
        lines.extend(wrong_map(got, problem.expected[out], c.tol))
    return CheckResult(out, Status.FAILED, tuple(lines), problem.phase, c)


def grade_function(
    func: Callable, kata: Kata, path: Path | None = None, settings: Settings = DEFAULTS
) -> KataResult:
    """Grade a function in both phases, under the settings' time limit and stress seed."""
    with one_thread():
        return _grade(func, kata, path, settings)


def graded_problem(kata: Kata, phase: str, settings: Settings = DEFAULTS) -> Problem:
    """The problem a kata is graded on in one phase under these settings: its inputs and
    autograd's answers (a front end shows a wrong answer beside them). The first phase is the
    lecture's own; the others take the run's stress seed."""
    level = level_of(kata)
    seed = None if phase == level.first_phase else settings.stress_seed
    return level.problem(kata, phase, seed)


def _grade(func: Callable, kata: Kata, path: Path | None, settings: Settings) -> KataResult:
    level = level_of(kata)
    answers, started = {}, time.perf_counter()
    try:
        for phase in level.phases:
            current = phase
            problem = graded_problem(kata, phase.name, settings)
            answers[phase.name] = (problem, _call(func, kata, problem, path, settings))
    except _Abort as abort:
        line = abort.line
        if answers and current.after:  # it ran in an earlier phase, and broke in this one
            line += f" {current.after}"
        return every_check(kata, abort.status, line, time.perf_counter() - started)
    checks: dict[str, CheckResult] = {}
    for out in kata.outputs:
        first_failed = next((o for o, c in checks.items() if c.status is Status.FAILED), None)
        checks[out] = _judge(kata, out, answers, first_failed)
    return KataResult(kata, checks, time.perf_counter() - started)


def _judge(kata: Kata, out: str, answers: dict, earlier_wrong: str | None = None) -> CheckResult:
    first_answer = next(iter(answers.values()))[1].get(out)
    if first_answer is None:
        return CheckResult(out, Status.TODO, (f"todo: {out} is not returned yet",))
    lecture_passed = False
    for problem, given in answers.values():
        got = given.get(out)
        c = compare(out, got, problem.expected[out], problem.scale[out])
        if not c.ok:
            return _failure(kata, out, got, problem, c, lecture_passed, earlier_wrong)
        lecture_passed = True
    return CheckResult(out, Status.PASSED, (f"{out} matches autograd in both phases",))


def digest_of(path: Path) -> str:
    """A short fingerprint of a file's bytes ("" when it cannot be read)."""
    try:
        return hashlib.sha1(Path(path).read_bytes()).hexdigest()[:16]
    except OSError:
        return ""


def grade_file(
    path: Path, kata: Kata, settings: Settings = DEFAULTS, shown: str | None = None
) -> KataResult:
    """Import the kata's file and grade its function; a file that cannot load errors clearly.

    `shown` is the file's path as the learner names it (default: as given).
    """
    where = {
        "path": shown if shown is not None else str(path),
        "line": function_line(path, kata.name),
        "digest": digest_of(path),
    }
    try:
        func = load_function(path, kata)
    except KataLoadError as exc:
        return replace(every_check(kata, Status.ERROR, str(exc)), **where)
    return replace(grade_function(func, kata, path, settings), **where)
