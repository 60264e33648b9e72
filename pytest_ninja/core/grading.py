"""The grading core: run a kata's function in both phases and judge each gradient it returns.

Works without pytest (plain data in, plain data out), so the plugin, a watch loop and a
notebook helper all share it. One call grades a whole kata: the function runs once per phase
on fresh copies of that phase's tensors; every output is compared in every phase (the first
phase it fails in is its verdict); then each wrong value is diagnosed with the whole kata in
view (which outputs failed, what else it returned: `diagnosis`), and for a fused kata the
first mistake is placed in its backward pass (`backward.localise`). Each output becomes a
`CheckResult`, its likely mistake as data beside its lines. Decisions are taken on those typed
values (a verdict's kind and strength), never on the words.
"""

from __future__ import annotations

import difflib
import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from pytest_ninja.core import integrity
from pytest_ninja.core.backward import Region, localise
from pytest_ninja.core.compare import compare
from pytest_ninja.core.diagnosis import (
    Strength,
    Suspect,
    Verdict,
    diagnose,
    misshapen,
    wrong_map,
)
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


class Described(Exception):
    """What a learner's function did, told already in the learner's words by the process that
    ran it (the class grader's worker): `line` is the exception as `exception_line` says it,
    or, when `raised` is False, the whole verdict."""

    def __init__(self, line: str, raised: bool = True) -> None:
        super().__init__(line)
        self.line, self.raised = line, raised


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
    except Described as exc:
        line = f"{kata.name} raised {exc.line}" if exc.raised else exc.line
        raise _Abort(Status.ERROR, line) from None
    except (Exception, SystemExit) as exc:
        if isinstance(exc, RuntimeError) and "does not require grad" in str(exc):
            raise _Abort(Status.ERROR, f"{kata.name}: {AUTOGRAD_OFF}") from None
        raise _Abort(Status.ERROR, f"{kata.name} raised {_describe(exc, path)}") from None
    finally:
        tampered = integrity.restored()
    if tampered:
        line = f"{kata.name} was refused: while it ran, {integrity.changed_words(tampered)}"
        raise _Abort(Status.ERROR, line)
    changed = [
        name
        for name, value in inputs.items()
        for name, value, given in _tensors(name, value, problem.inputs[name])
        if not (isinstance(value, torch.Tensor) and _same(value, given))
    ]
    if changed:
        raise _Abort(
            Status.ERROR,
            f"{kata.name} changed its input `{changed[0]}` in place: a backward "
            "pass must not overwrite the forward pass's tensors (work on a .clone())",
        )
    return by_output(answer, kata)


def _describe(exc: BaseException, path: Path | None) -> str:
    return exception_line(exc, path) if path else f"{type(exc).__name__}: {exc}"


def _tensors(name: str, value, given) -> list[tuple[str, object, torch.Tensor]]:
    """The tensors an input held as given (a dict input's by `name[key]`), beside what the
    kata left in their place."""
    if isinstance(given, torch.Tensor):
        return [(name, value, given)]
    if isinstance(given, dict):
        now = value if isinstance(value, dict) else {}
        return [(f"{name}[{k!r}]", now.get(k), t) for k, t in given.items()]
    return []


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and torch.equal(a, b)


def by_output(answer, kata: Kata) -> dict:
    """What a kata's function returned, by output (`dx`, `dlayer.weight`): a tensor, a dict of
    its outputs, grads or `(dx, grads)`; a missing output is absent (todo). A return of the
    wrong form stops the grading with one line for the learner."""
    if kata.grads:
        return _with_grads(answer, kata)
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
            raise _Abort(
                Status.ERROR,
                f"{kata.name} returned an unknown key `{key}`{_nearest(key, kata.outputs)}: "
                f"the keys are {', '.join(kata.outputs)}",
            )
    return answer


def _nearest(key, keys: tuple[str, ...]) -> str:
    """` (did you mean `key`?)` for the nearest of the keys, or ''."""
    close = difflib.get_close_matches(str(key), keys, n=1)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _with_grads(answer, kata: Kata) -> dict:
    """A kata's answers by output, from `grads` or `(dx, ..., grads)`: a missing key is todo."""
    shape = f"({', '.join((*kata.leading, 'grads'))})" if kata.leading else "grads, a dict"
    if answer is None:
        return {}
    if kata.leading:
        if not isinstance(answer, tuple | list) or len(answer) != len(kata.leading) + 1:
            got = f"a {type(answer).__name__}"
            if isinstance(answer, tuple | list):
                got += f" of {len(answer)}"
            raise _Abort(Status.ERROR, f"{kata.name} must return {shape}; it returned {got}")
        *first, grads = answer
        found = dict(zip(kata.leading, first))
    else:
        grads, found = answer, {}
    if not isinstance(grads, dict):
        raise _Abort(
            Status.ERROR,
            f"{kata.name} must return {shape}, grads a dict keyed by the parameters' names "
            f"({kata.grads[0]}, ...); its grads is a {type(grads).__name__}",
        )
    for key, value in grads.items():
        if key not in kata.grads:
            raise _Abort(
                Status.ERROR,
                f"{kata.name}'s grads has an unknown key `{key}`{_nearest(key, kata.grads)}: "
                "its keys are the "
                f"parameters' names, as in params",
            )
        found[f"d{key}"] = value
    return found


@dataclass(frozen=True)
class _Finding:
    """How one output fared: passed, todo, or the first phase it failed in and its figures."""

    out: str
    status: Status
    problem: Problem | None = None
    comparison: Comparison | None = None
    got: object = None
    answers: dict | None = None  # everything the kata returned in that phase
    passed_before: bool = False

    @property
    def wrong_values(self) -> bool:
        return self.comparison is not None and self.comparison.reason == "values"


def _find(out: str, answers: list[tuple[Problem, dict]]) -> _Finding:
    if answers[0][1].get(out) is None:
        return _Finding(out, Status.TODO)
    for index, (problem, given) in enumerate(answers):
        got = given.get(out)
        c = compare(out, got, problem.expected[out], problem.scale[out])
        if not c.ok:
            return _Finding(out, Status.FAILED, problem, c, got, given, index > 0)
    return _Finding(out, Status.PASSED)


def _diagnosed(kata: Kata, findings: dict[str, _Finding]) -> dict[str, Verdict]:
    failed = frozenset(o for o, f in findings.items() if f.status is Status.FAILED)
    memo: dict = {}
    verdicts = {}
    for out, f in findings.items():
        if f.wrong_values:
            got = f.got.detach().double()  # a tensor: compare said its values are wrong
            suspect = Suspect(
                kata, out, got, f.problem, f.comparison, f.answers, f.passed_before, failed, memo
            )
            verdicts[out] = diagnose(suspect)
        elif f.comparison is not None and f.comparison.reason == "shape":
            found = misshapen(kata, out, tuple(f.got.shape), f.problem)
            if found is not None:
                verdicts[out] = found
    return verdicts


def _region(kata: Kata, findings: dict[str, _Finding], verdicts: dict[str, Verdict]):
    """Where a fused kata's first mistake lies, when there is something to say about it."""
    if not kata.internal:
        return None
    right = {o for o, f in findings.items() if f.status is Status.PASSED}
    wrong = {o for o, f in findings.items() if f.wrong_values}
    known = [v.mistake.between for v in verdicts.values() if v.strength is Strength.EXACT]
    between = next((b for b in known if b is not None), None)
    if len(kata.outputs) == 1 and between is None:
        return None  # one output: nothing to place it against
    return localise(kata, right, wrong, between)


def _failure(kata: Kata, f: _Finding, found: Verdict | None, region: Region | None) -> CheckResult:
    c, problem, out = f.comparison, f.problem, f.out
    lines = [f"{out} | {c.lecture_line()}" if c.reason == "values" else c.detail]
    mistake = None
    if found is not None:
        lines.append(f"likely: {found.words}")
        mistake = found.mistake
        if region is not None:
            lines.append(f"where: {region.words()}")
            if region.end is not None:
                mistake = replace(mistake, between=(region.start, region.end))
    if c.worst_line():
        lines.append(c.worst_line())
    lines.append(f"failed in {level_of(kata).phase(problem.phase).words}")
    if c.reason == "values":
        lines.extend(wrong_map(f.got, problem.expected[out], c.tol))
    return CheckResult(out, Status.FAILED, tuple(lines), problem.phase, c, mistake)


def grade_function(
    func: Callable, kata: Kata, path: Path | None = None, settings: Settings = DEFAULTS
) -> KataResult:
    """Grade a function in both phases, under the settings' time limit and stress seed."""
    with one_thread():
        return _grade(func, kata, path, settings)


def answers_by_output(answer, kata: Kata) -> dict:
    """`by_output`, for a front end showing an answer already graded: {} for an answer of the
    wrong form, whose grading has said so."""
    try:
        return by_output(answer, kata)
    except _Abort:
        return {}


def graded_problem(kata: Kata, phase: str, settings: Settings = DEFAULTS) -> Problem:
    """The problem a kata is graded on in one phase under these settings: its inputs and
    autograd's answers (a front end shows a wrong answer beside them). The first phase is the
    lecture's own; the others take the run's stress seed."""
    level = level_of(kata)
    seed = None if phase == level.first_phase else settings.stress_seed
    return level.problem(kata, phase, seed)


def _grade(func: Callable, kata: Kata, path: Path | None, settings: Settings) -> KataResult:
    level = level_of(kata)
    answers, started = [], time.perf_counter()
    try:
        for phase in level.phases:
            current = phase
            problem = graded_problem(kata, phase.name, settings)
            answers.append((problem, _call(func, kata, problem, path, settings)))
    except _Abort as abort:
        line = abort.line
        if answers and current.after:  # it ran in an earlier phase, and broke in this one
            line += f" {current.after}"
        return every_check(kata, abort.status, line, time.perf_counter() - started)
    findings = {out: _find(out, answers) for out in kata.outputs}
    verdicts = _diagnosed(kata, findings)
    region = _region(kata, findings, verdicts)
    checks: dict[str, CheckResult] = {}
    for out, f in findings.items():
        if f.status is Status.TODO:
            checks[out] = CheckResult(out, Status.TODO, (f"todo: {out} is not returned yet",))
        elif f.status is Status.PASSED:
            line = f"{out} matches autograd in both phases"
            checks[out] = CheckResult(out, Status.PASSED, (line,))
        else:
            checks[out] = _failure(kata, f, verdicts.get(out), region)
    return KataResult(kata, checks, time.perf_counter() - started)


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
