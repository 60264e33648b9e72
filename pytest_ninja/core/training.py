"""What every level's training loop shares: runs ("arms") that take the same batches in turn.

A level's `training` module builds each arm's step (its forward pass, its gradients, its
update) and its results; this module drives the steps: the batches drawn with the run's
generator, a block of them at a time, each arm timed on its own; a loss that stops being
finite ends the run as "diverged", Ctrl-C as "interrupted" with every arm at the same step;
what the learner's function raises becomes a `BackwardError` naming the step. Also: torch's
threads for a while (`threads`), a run's result (`TrainResult`), the largest divergence
between two runs' parameters (`divergence`), and the speed of one arm against the other
(`Comparison`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch

PROGRESS_EVERY = 100  # steps between two calls of the progress callback

Progress = Callable[[int, int, float, float], None]  # (step, steps, recent loss, seconds)
Step = Callable[[torch.Tensor, torch.Tensor, float], float]  # (X, Y, lr) -> the batch loss


class BackwardError(Exception):
    """The backward function failed or returned something unusable, at `step`.

    `error` is the exception it raised (None when what it returned was wrong);
    `stub` is True when it is still the kata's stub (NotImplementedError).
    """

    def __init__(self, message: str, step: int, error: BaseException | None = None):
        super().__init__(message)
        self.step = step
        self.error = error

    @property
    def stub(self) -> bool:
        return isinstance(self.error, NotImplementedError)


def failed(name: str, exc: BaseException, step: int) -> str:
    """`<name> failed at step 6: ZeroDivisionError: division by zero`."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return f"{name} failed at step {step:,}: {text}"


def check_gradient(grad, param: torch.Tensor, what: str, param_what: str) -> None:
    """A gradient the learner returned is a tensor of its parameter's shape, and finite; else a
    `BackwardError` at the first step, naming it as `what` (the function's name and the
    gradient's key) and its parameter as `param_what`."""
    if not isinstance(grad, torch.Tensor):
        raise BackwardError(f"{what} is a {type(grad).__name__}, not a tensor", 0)
    if grad.shape != param.shape:
        raise BackwardError(
            f"{what} has shape {tuple(grad.shape)}, but {param_what} is {tuple(param.shape)}", 0
        )
    if not torch.isfinite(grad).all():
        raise BackwardError(f"{what} is not finite (nan or inf) on the first batch", 0)


class Schedule(Protocol):
    """What the loop reads of a level's settings."""

    steps: int
    batch_size: int
    device: str

    def lr_at(self, step: int) -> float: ...


@dataclass
class Arm:
    """One of the runs the loop drives (one to train, two to compare)."""

    step: Step
    params: Any  # the level's parameters, updated in place by `step`
    learner: bool  # its failures are the learner's
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0  # time spent in its steps alone


def run_arms(
    arms: list[Arm],
    X: torch.Tensor,
    Y: torch.Tensor,
    config: Schedule,
    g: torch.Generator,
    progress: Progress | None = None,
    name: str = "the backward function",
    block: int = 1000,
) -> tuple[int, str | None, float]:
    """The steps, a block of batches at a time: each arm takes the whole block in turn.

    Every arm gets the same batches: rows of X and Y drawn with `g`, `batch_size` a step.
    Blocks rather than alternate steps, because two different step functions taking turns
    at every step slow each other down (each evicts the other's code and data from the
    caches), which would make a comparison of their speeds unfair. Returns (steps done, why
    it stopped: None, "diverged" or "interrupted", seconds); `name` is the learner's function
    in a `BackwardError`'s message.
    """
    device = torch.device(config.device)
    X, Y = X.to(device), Y.to(device)
    steps, n, size = config.steps, config.batch_size, X.shape[0]
    block = max(1, min(block, 65_536 // n))
    stopped, first = None, 0
    start = time.perf_counter()
    Xs = Ys = None
    with torch.no_grad():  # no autograd in the loop (the autograd arm turns it on for itself)
        try:
            while first < steps and not stopped:
                count = min(block, steps - first)
                # the block's batch indices in one draw: the same numbers as one draw a step
                ix = torch.randint(0, size, (count, n), generator=g).to(device)  # (count, n)
                Xs, Ys = X[ix], Y[ix]  # (count, n, ...), (count, n, ...)
                for k, arm in enumerate(arms):
                    report = progress if k == 0 else None
                    run = (arm, Xs, Ys, first, config, report, start, name)
                    stopped = _block(*run) or stopped
                first += count
        except KeyboardInterrupt:
            stopped = "interrupted"
            if Xs is not None:
                _catch_up(arms, Xs, Ys, first, config)
    done = min(len(arm.losses) for arm in arms)
    for arm in arms:
        del arm.losses[done:]
    seconds = time.perf_counter() - start
    if progress is not None:
        progress(done, steps, recent(arms[0].losses), seconds)
    return done, stopped, seconds


def _block(arm, Xs, Ys, first, config, progress, start, name) -> str | None:
    """One arm's steps over a block of batches; "diverged" if its loss stops being finite."""
    t0 = time.perf_counter()
    try:
        for j in range(Xs.shape[0]):
            i = first + j
            try:
                loss = arm.step(Xs[j], Ys[j], config.lr_at(i))
            except (BackwardError, KeyboardInterrupt):
                raise
            except Exception as exc:
                if not arm.learner:
                    raise
                raise BackwardError(failed(name, exc, i), i, exc) from exc
            arm.losses.append(loss)
            if not math.isfinite(loss):
                return "diverged"
            if progress is not None and (i + 1) % PROGRESS_EVERY == 0:
                progress(i + 1, config.steps, recent(arm.losses), time.perf_counter() - start)
    finally:
        arm.seconds += time.perf_counter() - t0
    return None


def _catch_up(arms: list[Arm], Xs, Ys, first: int, config: Schedule) -> None:
    """After Ctrl-C in the middle of a block, bring the arms behind to the same step."""
    lead = max(len(arm.losses) for arm in arms)
    try:
        for arm in arms:
            while len(arm.losses) < lead:
                i = len(arm.losses)
                arm.losses.append(arm.step(Xs[i - first], Ys[i - first], config.lr_at(i)))
    except (KeyboardInterrupt, Exception):  # pressed again, or failing: stop where they are
        pass


def recent(losses: list[float], window: int = 1000) -> float:
    """The mean of the last `window` losses (nan before the first)."""
    tail = losses[-window:]
    return sum(tail) / len(tail) if tail else math.nan


@contextmanager
def threads(count: int) -> Iterator[None]:
    """torch's intra-op threads set to count for a while, then put back."""
    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def divergence(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> dict[str, float]:
    """max |a - b| of each parameter of two runs, by name."""
    return {name: (x - b[name]).abs().max().item() for name, x in a.items()}


@dataclass
class TrainResult:
    """One training run and what it learnt (a level's result may add what only it has)."""

    config: Any  # the level's settings
    params: Any  # the level's parameters, on the CPU
    losses: list[float]  # the batch loss of every step taken
    steps_done: int
    seconds: float  # time spent in the training steps alone (not drawing batches)
    wall_seconds: float  # the whole loop
    stopped: str | None = None  # None, "interrupted" (Ctrl-C) or "diverged" (not finite)
    train_loss: float = math.nan
    val_loss: float = math.nan

    @property
    def steps_per_second(self) -> float:
        return self.steps_done / self.wall_seconds if self.wall_seconds > 0 else 0.0


@dataclass
class Comparison:
    """The same run twice, with your gradients and with autograd's (each a level's result,
    with `seconds` spent in its steps)."""

    yours: Any
    autograd: Any
    divergence: dict[str, float] = field(default_factory=dict)  # max |yours - autograd| per param

    @property
    def largest(self) -> tuple[str, float]:
        """The parameter that drifted furthest, and by how much."""
        return max(self.divergence.items(), key=lambda kv: kv[1], default=("", math.nan))

    @property
    def speedup(self) -> float:
        """How many times faster your steps were than autograd's (> 1: yours are faster)."""
        if self.yours.seconds <= 0:
            return math.nan
        return self.autograd.seconds / self.yours.seconds
