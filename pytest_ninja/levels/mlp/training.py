"""Exercise 4 for real: train the lecture's model with a hand-written backward pass.

Pure functions, no printing: `train` runs the lecture's loop (n_hidden 200, 200,000 steps of
batch 32, lr 0.1 then 0.01) with any function shaped like kata 14's `backward_mlp` and no
autograd anywhere in the loop; `compare` runs the same steps from the same init and batches
with that function and with autograd, side by side; `calibrate`, `split_loss` and `sample` are
what the lecture does once training is over. The model itself (init, forward pass, dataset)
is `model`'s; the loop that drives the steps, shared with level 2, is `core.training`'s.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from pytest_ninja.core import training as core_training
from pytest_ninja.core.training import (
    Arm,
    BackwardError,
    Comparison,
    Progress,
    check_gradient,
    divergence,
    run_arms,
    threads,
)
from pytest_ninja.levels.mlp import model as lecture
from pytest_ninja.levels.mlp.model import Params

AUTOGRAD = "autograd"  # train with autograd's loss.backward() instead of a function
DEFAULT_STEPS = 200_000  # the lecture's
DEFAULT_SEED = lecture.SEED  # the lecture's, for the init, the batches and the samples
DEVICES = ("cpu", "cuda")
GRADIENT_NAMES = tuple(f"d{name}" for name in lecture.PARAMETER_NAMES)  # dC, dW1, ... dbnbias
LECTURE_TRAIN_LOSS = 2.07  # exercise 4's result after calibration (2.0705 in the lecture)
LECTURE_VAL_LOSS = 2.11  # (2.1099)
SAMPLE_SEED_OFFSET = 10  # the lecture samples with a generator seeded 2147483647 + 10
MAX_NAME = 40  # characters; a sample that never says '.' stops here
BATCHES_AT_ONCE = 1000  # steps whose batch indices are drawn and gathered in one go
GRAIN = 32_768  # elements: ATen splits an elementwise op across threads only above this size

BackwardFn = Callable[..., dict]  # kata 14's backward_mlp(Xb, Yb, C, W1, ..., logits, n)


@dataclass(frozen=True)
class Splits:
    """The lecture's three datasets: contexts X (N, 3) int64 and next characters Y (N,)."""

    Xtr: torch.Tensor
    Ytr: torch.Tensor
    Xdev: torch.Tensor
    Ydev: torch.Tensor
    Xte: torch.Tensor
    Yte: torch.Tensor

    @classmethod
    def from_words(cls, words: list[str]) -> Splits:
        """The lecture's encoding and split: random.seed(42) shuffle, then 80% / 10% / 10%."""
        train, dev, test = lecture.split_words(words)
        return cls(
            *lecture.build_dataset(train), *lecture.build_dataset(dev), *lecture.build_dataset(test)
        )

    @property
    def empty(self) -> bool:
        """Whether the training or the validation set has no example at all."""
        return len(self.Ytr) == 0 or len(self.Ydev) == 0

    def summary(self) -> str:
        return (
            f"{len(self.Ytr):,} / {len(self.Ydev):,} / {len(self.Yte):,} examples "
            "(train / val / test)"
        )


@dataclass(frozen=True)
class TrainConfig:
    """Exercise 4's settings; the learning rate drops tenfold halfway (step 100,000 of 200,000)."""

    steps: int = 200_000
    batch_size: int = lecture.BATCH_SIZE
    n_hidden: int = 200
    lr: float = 0.1
    lr_after: float = 0.01
    seed: int = lecture.SEED
    device: str = "cpu"

    @property
    def decay_step(self) -> int:
        return self.steps // 2

    def lr_at(self, step: int) -> float:
        return self.lr if step < self.decay_step else self.lr_after

    @property
    def parameter_count(self) -> int:
        """12,297 for the lecture's n_hidden 200."""
        h, fan_in = self.n_hidden, lecture.N_EMBD * lecture.BLOCK_SIZE
        return (
            lecture.VOCAB_SIZE * lecture.N_EMBD
            + fan_in * h
            + h
            + h * lecture.VOCAB_SIZE
            + lecture.VOCAB_SIZE
            + 2 * h
        )

    @property
    def is_lecture_run(self) -> bool:
        """Whether the lecture's numbers (2.07 / 2.11) are the ones to expect."""
        return (self.steps, self.batch_size, self.n_hidden) == (200_000, 32, 200)

    def summary(self) -> str:
        return (
            f"{self.steps:,} steps of {self.batch_size}, n_hidden {self.n_hidden} "
            f"({self.parameter_count:,} parameters), lr {self.lr} then {self.lr_after} from "
            f"step {self.decay_step:,}, on the {self.device}"
        )


@dataclass(frozen=True)
class BatchNorm:
    """BatchNorm's statistics calibrated over the whole training set, after training."""

    bnmean: torch.Tensor  # (1, n_hidden)
    bnvar: torch.Tensor  # (1, n_hidden)


@dataclass
class TrainResult(core_training.TrainResult):
    """One training run and what it learnt, with BatchNorm calibrated once it is over."""

    bn: BatchNorm | None = None


# -- one training step, two ways ---------------------------------------------------------------


def hand_step(backward: BackwardFn, p: Params) -> Callable:
    """A step with the hand-written backward: forward, backward, SGD; call under no_grad."""
    params = list(p.as_dict().values())
    checked = False

    def step(Xb: torch.Tensor, Yb: torch.Tensor, lr: float) -> float:
        nonlocal checked
        out = lecture.forward_fused(p, Xb, Yb)
        grads = backward(
            Xb=Xb,
            Yb=Yb,
            C=p.C,
            W1=p.W1,
            b1=p.b1,
            W2=p.W2,
            b2=p.b2,
            bngain=p.bngain,
            bnbias=p.bnbias,
            emb=out["emb"],
            embcat=out["embcat"],
            hprebn=out["hprebn"],
            bnvar_inv=out["bnvar_inv"],
            bnraw=out["bnraw"],
            h=out["h"],
            logits=out["logits"],
            n=Xb.shape[0],
        )
        if not checked:  # once: what comes back must fit the parameters it updates
            check_gradients(grads, p)
            checked = True
        # SGD: p += -lr * grad, all seven in one call (torch.optim.SGD's foreach form)
        torch._foreach_add_(params, [grads[name] for name in GRADIENT_NAMES], alpha=-lr)
        return out["loss"].item()

    return step


def autograd_step(p: Params) -> Callable:
    """The same step with autograd: the same forward pass, then loss.backward(), then SGD."""
    params = list(p.as_dict().values())
    for t in params:
        t.requires_grad_(True)

    def step(Xb: torch.Tensor, Yb: torch.Tensor, lr: float) -> float:
        with torch.enable_grad():
            loss = lecture.forward_fused(p, Xb, Yb)["loss"]
            for t in params:
                t.grad = None
            loss.backward()
        torch._foreach_add_(params, [t.grad for t in params], alpha=-lr)
        return loss.item()

    return step


def check_gradients(grads, p: Params) -> None:
    """Every parameter's gradient is there, a tensor of the parameter's shape, and finite."""
    if not isinstance(grads, dict):
        raise BackwardError(
            f"backward_mlp returned a {type(grads).__name__}, not a dict of "
            f"gradients ({', '.join(GRADIENT_NAMES)})",
            0,
        )
    for name, param in p.as_dict().items():
        grad = grads.get(f"d{name}")
        if grad is None:
            raise BackwardError(
                f"backward_mlp returned no d{name} yet, and training needs every gradient", 0
            )
        check_gradient(grad, param, f"backward_mlp's d{name}", name)


# -- the loop ----------------------------------------------------------------------------------


def _loop(
    arms: list[Arm],
    splits: Splits,
    config: TrainConfig,
    g: torch.Generator,
    progress: Progress | None,
) -> tuple[int, str | None, float]:
    """Run the steps: every arm gets the same batch; (steps done, why it stopped, seconds)."""
    with threads(step_threads(config)):
        return run_arms(
            arms, splits.Xtr, splits.Ytr, config, g, progress, "backward_mlp", BATCHES_AT_ONCE
        )


def step_threads(config: TrainConfig) -> int:
    """Threads for a step's tensor ops: one when a batch is too small to be split.

    At batch 32 no op of the step is split across threads (32 x 200 is under ATen's grain), but
    idle OpenMP threads spin between the ~50 small ops and fight for the cores: one thread is
    faster, for hand-written and autograd steps alike, and leaves a core free.
    """
    if config.device != "cpu" or config.batch_size * config.n_hidden > GRAIN:
        return torch.get_num_threads()
    return 1


def init_run(config: TrainConfig) -> tuple[Params, torch.Generator]:
    """The lecture's init; the same generator then draws the batches."""
    g = torch.Generator().manual_seed(config.seed)
    p = lecture.init_params(g, n_hidden=config.n_hidden)
    device = torch.device(config.device)
    return Params(*(t.to(device) for t in p.as_dict().values())), g


def clone_params(p: Params) -> Params:
    return Params(*(t.detach().clone() for t in p.as_dict().values()))


def _arm(backward: BackwardFn | str, p: Params) -> Arm:
    if backward == AUTOGRAD:
        return Arm(autograd_step(p), p, learner=False)
    return Arm(hand_step(backward, p), p, learner=True)


def _finish(
    arm: Arm,
    config: TrainConfig,
    splits: Splits,
    steps_done: int,
    stopped: str | None,
    wall: float,
) -> TrainResult:
    """Move the parameters to the CPU, calibrate BatchNorm and measure the losses."""
    params = Params(*(t.detach().cpu() for t in arm.params.as_dict().values()))
    if not all(torch.isfinite(t).all() for t in params.as_dict().values()):
        stopped = "diverged"  # the batch loss may stay finite while BatchNorm hides an inf
    result = TrainResult(config, params, arm.losses, steps_done, arm.seconds, wall, stopped)
    if stopped != "diverged":
        result.bn = calibrate(params, splits.Xtr)
        result.train_loss = split_loss(params, result.bn, splits.Xtr, splits.Ytr)
        result.val_loss = split_loss(params, result.bn, splits.Xdev, splits.Ydev)
    return result


def train(
    backward: BackwardFn | str,
    splits: Splits,
    config: TrainConfig = TrainConfig(),
    progress: Progress | None = None,
) -> TrainResult:
    """Exercise 4: train with `backward` (kata 14's signature, or AUTOGRAD), then calibrate.

    Ctrl-C stops the loop cleanly: the result holds the steps taken so far, calibrated and
    measured like a finished run, with `stopped == "interrupted"`. A failing backward function
    raises `BackwardError`.
    """
    p, g = init_run(config)
    arm = _arm(backward, p)
    steps_done, stopped, wall = _loop([arm], splits, config, g, progress)
    return _finish(arm, config, splits, steps_done, stopped, wall)


def compare(
    backward: BackwardFn,
    splits: Splits,
    config: TrainConfig = TrainConfig(),
    progress: Progress | None = None,
) -> Comparison:
    """The same steps from the same init and batches, with `backward` and with autograd.

    The two runs take turns, a block of 1,000 steps at a time on the same batches, so each is
    timed under the same conditions. Float32 rounding differs between the two, so tiny
    differences grow with the steps: a view of how close the runs stay, not a graded check.
    """
    p, g = init_run(config)
    yours, theirs = _arm(backward, p), _arm(AUTOGRAD, clone_params(p))
    steps_done, stopped, wall = _loop([yours, theirs], splits, config, g, progress)
    a = _finish(yours, config, splits, steps_done, stopped, wall)
    b = _finish(theirs, config, splits, steps_done, stopped, wall)
    return Comparison(a, b, divergence(a.params.as_dict(), b.params.as_dict()))


# -- after training: calibration, losses, samples ----------------------------------------------


def calibrate(p: Params, X: torch.Tensor) -> BatchNorm:
    """BatchNorm's mean and variance over the whole training set, as the lecture does once."""
    with torch.no_grad():
        emb = p.C[X]  # (N, 3, 10)
        embcat = emb.view(emb.shape[0], -1)  # (N, 30)
        hpreact = embcat @ p.W1 + p.b1  # (N, n_hidden)
        bnmean = hpreact.mean(0, keepdim=True)  # (1, n_hidden)
        bnvar = hpreact.var(0, keepdim=True, unbiased=True)  # (1, n_hidden)
    return BatchNorm(bnmean, bnvar)


def logits_calibrated(p: Params, bn: BatchNorm, X: torch.Tensor) -> torch.Tensor:
    """The forward pass at inference: BatchNorm with the calibrated statistics, not the batch's."""
    with torch.no_grad():
        emb = p.C[X]  # (N, 3, 10)
        embcat = emb.view(emb.shape[0], -1)  # (N, 30)
        hpreact = embcat @ p.W1 + p.b1  # (N, n_hidden)
        hpreact = p.bngain * (hpreact - bn.bnmean) * (bn.bnvar + lecture.BN_EPS) ** -0.5 + p.bnbias
        h = torch.tanh(hpreact)  # (N, n_hidden)
        return h @ p.W2 + p.b2  # (N, 27)


def split_loss(p: Params, bn: BatchNorm, X: torch.Tensor, Y: torch.Tensor) -> float:
    """The mean loss over a whole split, with the calibrated BatchNorm."""
    if X.shape[0] == 0:
        return math.nan
    return F.cross_entropy(logits_calibrated(p, bn, X), Y).item()


def sample(
    p: Params, bn: BatchNorm, count: int = 20, seed: int = lecture.SEED + SAMPLE_SEED_OFFSET
) -> list[str]:
    """Names drawn from the model one character at a time, as the lecture samples them."""
    g = torch.Generator().manual_seed(seed)
    names = []
    for _ in range(count):
        out, context = [], [0] * lecture.BLOCK_SIZE
        while len(out) < MAX_NAME:
            logits = logits_calibrated(p, bn, torch.tensor([context]))  # (1, 27)
            probs = F.softmax(logits, dim=1)  # (1, 27)
            ix = torch.multinomial(probs, num_samples=1, generator=g).item()
            if ix == 0:
                break
            context = context[1:] + [ix]
            out.append(lecture.itos(ix))
        names.append("".join(out))
    return names


# -- what `pytest-ninja train` says of a run (its front end's words come from the level) ---------

SPLIT_RULE = "80% / 10% / 10%"
MEASURED = " after calibration"  # how the losses of a finished run are measured
AFTER_TRAINING = "BatchNorm then calibrated over the training set"
PLOT_TITLE = "the lecture's MLP with a hand-written backward pass"


def loss_lines(result: TrainResult) -> list[str]:
    """What the run learnt, beside the lecture's numbers."""
    note = "" if result.config.is_lecture_run else "  (the lecture's are after 200,000 steps)"
    lines = [f"{'':8}{'loss':>8}{'lecture':>9}{'diff':>9}{note}"]
    for split, loss, lecture_loss in (
        ("train", result.train_loss, LECTURE_TRAIN_LOSS),
        ("val", result.val_loss, LECTURE_VAL_LOSS),
    ):
        lines.append(f"  {split:<6}{loss:>8.4f}{lecture_loss:>9.2f}{loss - lecture_loss:>+9.4f}")
    return lines


def sample_run(result: TrainResult, count: int, seed: int) -> list[str]:
    """Names from a finished run's model, with its calibrated BatchNorm."""
    return sample(result.params, result.bn, count, seed=seed)


def slower_lines(speedup: float, name: str, source: str, file_name: str) -> list[str]:
    """When the learner's steps are slower than autograd's: by how much, and the likely cause
    (a Python loop in backward_mlp, found in its source)."""
    from pytest_ninja.levels.mlp import speed

    return speed.slower_lines(speedup, name, speed.python_loops(source), file_name)


def divergence_note(name: str) -> str:
    """Why a parameter may drift between the two runs beyond rounding: never, at this level."""
    return ""
