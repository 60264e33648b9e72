"""Level 2 for real: train the GPT on names.txt with a hand-written `backward_gpt` (kata 23).

Pure functions, no printing. `train` runs the loop with any function shaped like kata 23's and
no autograd anywhere in it: each step the GPT's forward pass (`model.forward`, the one the
katas are cut from) under `torch.no_grad`, the learner's `backward_gpt` on what it kept
(`model.kept`), then the dojo's AdamW (`adamw`). `compare` runs the same steps from the same
init and batches with that function and with autograd's `loss.backward()` on the same forward
pass and the same AdamW, side by side. `split_loss` and `sample` are what comes after.

The settings (`TrainConfig`): nanoGPT's init (`init_params`: normal with std 0.02 for the
weights and embeddings, the residual projections' scaled by 1/sqrt(2 n_layer), biases 0,
LayerNorms 1 and 0), makemore's transformer's AdamW (betas 0.9 / 0.99, eps 1e-8, weight decay
0.01) and batch 32, but a higher learning rate with a warm-up and a cosine decay, so that 2,000
steps on a CPU reach a good loss: lr 5e-3 after 100 steps of warm-up, down to 5e-4 at the
end. makemore's split: a validation set of min(1000, 10%) of the words, the rest to train on.
The loop itself (the batches, the timing, Ctrl-C, a diverging run) is `core.training`'s.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from pytest_ninja.core.training import (
    Arm,
    BackwardError,
    Comparison,
    Progress,
    TrainResult,
    check_gradient,
    divergence,
    run_arms,
    threads,
)
from pytest_ninja.levels.gpt import model
from pytest_ninja.levels.gpt.adamw import AdamW

AUTOGRAD = "autograd"  # train with autograd's loss.backward() instead of a function
NAME = "backward_gpt"
DEFAULT_STEPS = 2000
DEFAULT_SEED = 3407  # makemore's
DEVICES = ("cpu",)  # the forward pass is the graded one, written for the CPU
SPLIT_SEED = 3407  # the words' shuffle before the split: the same validation set for any --seed
SAMPLE_SEED_OFFSET = 10  # the samples' generator: the run's seed + 10, as level 1's
BLOCK = 100  # steps each arm of a comparison takes in turn (about a second)
EVAL_ROWS = 250  # sequences a forward pass of the evaluation takes at once (fits the caches)
GPT = model.Config()  # the level's sizes: block 16, 2 layers, 4 heads, 48 channels

BackwardFn = Callable[..., dict]  # kata 23's backward_gpt(idx, targets, params, cache, n_head)
Params = dict[str, torch.Tensor]


@dataclass(frozen=True)
class Splits:
    """makemore's split of the words: sequences X, Y (N, block) int64 to train on and to
    validate with (targets padded with -1 past a word's end)."""

    Xtr: torch.Tensor
    Ytr: torch.Tensor
    Xval: torch.Tensor
    Yval: torch.Tensor

    @classmethod
    def from_words(cls, words: list[str], block_size: int = model.BLOCK_SIZE) -> Splits:
        """Shuffled with a fixed seed; min(1000, 10%) of the words to validate, the rest to
        train on."""
        order = torch.randperm(len(words), generator=torch.Generator().manual_seed(SPLIT_SEED))
        val_size = min(1000, len(words) // 10)
        shuffled = [words[i] for i in order.tolist()]
        train, val = shuffled[: len(words) - val_size], shuffled[len(words) - val_size :]
        return cls(*model.sequences(train, block_size), *model.sequences(val, block_size))

    @property
    def empty(self) -> bool:
        """Whether either split has no word at all."""
        return len(self.Xtr) == 0 or len(self.Xval) == 0

    def summary(self) -> str:
        return f"{len(self.Xtr):,} / {len(self.Xval):,} words (train / val)"


@dataclass(frozen=True)
class TrainConfig:
    """The run's settings (see the module's docstring for where each comes from)."""

    steps: int = DEFAULT_STEPS
    batch_size: int = 32
    lr: float = 5e-3  # the peak, after the warm-up
    min_lr: float = 5e-4  # at the last step
    warmup: int = 100  # steps (a tenth of the run when it is shorter than 1,000)
    betas: tuple[float, float] = (0.9, 0.99)
    eps: float = 1e-8
    weight_decay: float = 0.01  # on the 2-D parameters only
    seed: int = DEFAULT_SEED
    device: str = "cpu"
    gpt: model.Config = GPT

    @property
    def warmup_steps(self) -> int:
        return min(self.warmup, self.steps // 10)

    def lr_at(self, step: int) -> float:
        """Linear warm-up from lr / warmup, then a cosine from lr down to min_lr."""
        warm = self.warmup_steps
        if step < warm:
            return self.lr * (step + 1) / warm
        done = (step - warm) / max(1, self.steps - 1 - warm)  # 0 .. 1
        return self.min_lr + (self.lr - self.min_lr) * 0.5 * (1 + math.cos(math.pi * done))

    @property
    def parameter_count(self) -> int:
        return sum(math.prod(s) for s in model.parameter_shapes(self.gpt).values())

    is_lecture_run = False  # no lecture's numbers to draw beside this level's curve

    def summary(self) -> str:
        gpt = self.gpt
        return (
            f"{self.steps:,} steps of {self.batch_size} names, {gpt.n_layer} layers, "
            f"{gpt.n_head} heads, {gpt.n_embd} channels ({self.parameter_count:,} parameters); "
            f"AdamW lr {self.lr:g} after {self.warmup_steps:,} steps of warm-up, cosine down to "
            f"{self.min_lr:g}, betas {self.betas[0]:g} / {self.betas[1]:g}, weight decay "
            f"{self.weight_decay:g}, on the {self.device}"
        )


def init_params(g: torch.Generator, config: model.Config = GPT) -> Params:
    """nanoGPT's init, to train from (`model.init_params` is grading's, not a training one):
    weights and embeddings ~ N(0, 0.02), the residual projections' (`c_proj`) 0.02 /
    sqrt(2 n_layer), biases 0, LayerNorms' gains 1."""
    params = {}
    for name, shape in model.parameter_shapes(config).items():
        if len(shape) == 2:
            std = 0.02 / math.sqrt(2 * config.n_layer) if name.endswith("c_proj.weight") else 0.02
            params[name] = torch.randn(shape, generator=g) * std
        elif name.endswith(".weight"):  # a LayerNorm's gain
            params[name] = torch.ones(shape)
        else:
            params[name] = torch.zeros(shape)
    return params


# -- one training step, two ways ---------------------------------------------------------------


def optimizer(params: Params, config: TrainConfig) -> AdamW:
    return AdamW(list(params.values()), config.betas, config.eps, config.weight_decay)


def hand_step(backward: BackwardFn, params: Params, config: TrainConfig) -> Callable:
    """A step with the hand-written backward: forward, backward_gpt, AdamW; call under no_grad."""
    gpt, names, adamw = config.gpt, list(params), optimizer(params, config)
    checked = False

    def step(X: torch.Tensor, Y: torch.Tensor, lr: float) -> float:
        nonlocal checked
        graph = model.forward(params, gpt, X, Y)
        grads = backward(
            idx=X, targets=Y, params=params, cache=model.kept(graph, gpt), n_head=gpt.n_head
        )
        if not checked:  # once: what comes back must fit the parameters it updates
            check_gradients(grads, params)
            checked = True
        adamw.step([grads[name] for name in names], lr)
        return graph.tensors["loss"].item()

    return step


def autograd_step(params: Params, config: TrainConfig) -> Callable:
    """The same step with autograd: the same forward pass, loss.backward(), the same AdamW."""
    gpt, tensors, adamw = config.gpt, list(params.values()), optimizer(params, config)
    for t in tensors:
        t.requires_grad_(True)

    def step(X: torch.Tensor, Y: torch.Tensor, lr: float) -> float:
        with torch.enable_grad():
            loss = model.forward(params, gpt, X, Y).tensors["loss"]
            for t in tensors:
                t.grad = None
            loss.backward()
        adamw.step([t.grad for t in tensors], lr)
        return loss.item()

    return step


def check_gradients(grads, params: Params) -> None:
    """The gradients are a dict with the parameters' keys, each a finite tensor of its shape."""
    if not isinstance(grads, dict):
        raise BackwardError(
            f"{NAME} returned a {type(grads).__name__}, not a dict of gradients keyed as params",
            0,
        )
    missing = [k for k in params if k not in grads]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise BackwardError(
            f"{NAME} returned no gradient for {missing[0]}{more} yet, and training needs "
            "every parameter's",
            0,
        )
    unknown = [k for k in grads if k not in params]
    if unknown:
        near = difflib.get_close_matches(str(unknown[0]), list(params), n=1)
        hint = f" (did you mean {near[0]}?)" if near else ""
        raise BackwardError(
            f"{NAME} returned an unknown key {unknown[0]!r}{hint}: its keys are params' keys", 0
        )
    for name, param in params.items():
        check_gradient(grads[name], param, f"{NAME}'s grads[{name!r}]", f"params[{name!r}]")


# -- the loop ----------------------------------------------------------------------------------


def init_run(config: TrainConfig) -> tuple[Params, torch.Generator]:
    """nanoGPT's init; the same generator then draws the batches."""
    g = torch.Generator().manual_seed(config.seed)
    device = torch.device(config.device)
    return {k: t.to(device) for k, t in init_params(g, config.gpt).items()}, g


def clone_params(params: Params) -> Params:
    return {k: t.detach().clone() for k, t in params.items()}


def _arm(backward: BackwardFn | str, params: Params, config: TrainConfig) -> Arm:
    if backward == AUTOGRAD:
        return Arm(autograd_step(params, config), params, learner=False)
    return Arm(hand_step(backward, params, config), params, learner=True)


def step_threads(config: TrainConfig) -> int:
    """One thread on the CPU: at batch 32 (and the evaluation's 250 rows) the ops are small,
    and a second thread costs more in waiting for the first than it saves; on a busy two-core
    machine, far more (an evaluation took 3x as long on two)."""
    return 1 if config.device == "cpu" else torch.get_num_threads()


def _loop(arms: list[Arm], splits: Splits, config: TrainConfig, g, progress):
    with threads(step_threads(config)):
        return run_arms(arms, splits.Xtr, splits.Ytr, config, g, progress, NAME, BLOCK)


def _finish(arm: Arm, config, splits: Splits, steps_done: int, stopped, wall) -> TrainResult:
    """Move the parameters to the CPU and measure the losses on both splits."""
    params = {k: t.detach().cpu() for k, t in arm.params.items()}
    if not all(torch.isfinite(t).all() for t in params.values()):
        stopped = "diverged"
    result = TrainResult(config, params, arm.losses, steps_done, arm.seconds, wall, stopped)
    if stopped != "diverged":
        with threads(step_threads(config)):
            result.train_loss = split_loss(params, config.gpt, splits.Xtr, splits.Ytr)
            result.val_loss = split_loss(params, config.gpt, splits.Xval, splits.Yval)
    return result


def train(
    backward: BackwardFn | str,
    splits: Splits,
    config: TrainConfig = TrainConfig(),
    progress: Progress | None = None,
) -> TrainResult:
    """Train with `backward` (kata 23's signature, or AUTOGRAD), then measure both splits.

    Ctrl-C stops the loop cleanly: the result holds the steps taken so far, measured like a
    finished run, with `stopped == "interrupted"`. A failing backward function raises
    `BackwardError`.
    """
    params, g = init_run(config)
    arm = _arm(backward, params, config)
    steps_done, stopped, wall = _loop([arm], splits, config, g, progress)
    return _finish(arm, config, splits, steps_done, stopped, wall)


def compare(
    backward: BackwardFn,
    splits: Splits,
    config: TrainConfig = TrainConfig(),
    progress: Progress | None = None,
) -> Comparison:
    """The same steps from the same init and batches, with `backward` and with autograd.

    The two runs take turns, 100 steps at a time on the same batches, so each is timed under
    the same conditions. Float32 rounding differs between the two, and Adam's normalised
    steps carry a difference on: a view of how close the runs stay, not a graded check.
    """
    params, g = init_run(config)
    yours = _arm(backward, params, config)
    theirs = _arm(AUTOGRAD, clone_params(params), config)
    steps_done, stopped, wall = _loop([yours, theirs], splits, config, g, progress)
    a = _finish(yours, config, splits, steps_done, stopped, wall)
    b = _finish(theirs, config, splits, steps_done, stopped, wall)
    return Comparison(a, b, divergence(a.params, b.params))


# -- after training: the losses, the samples ---------------------------------------------------


def split_loss(params: Params, gpt: model.Config, X: torch.Tensor, Y: torch.Tensor) -> float:
    """The mean loss over every target of a split (the -1s aside), EVAL_ROWS rows at a time."""
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, X.shape[0], EVAL_ROWS):
            Xb, Yb = X[i : i + EVAL_ROWS], Y[i : i + EVAL_ROWS]
            logits = model.forward(params, gpt, Xb, Yb).tensors["logits"]
            flat = Yb.reshape(-1)
            loss = F.cross_entropy(logits.view(flat.shape[0], -1), flat, ignore_index=model.IGNORE)
            n = int((flat != model.IGNORE).sum())
            if n:
                total, count = total + loss.item() * n, count + n
    return total / count if count else math.nan


def sample(
    params: Params,
    count: int = 20,
    seed: int = DEFAULT_SEED + SAMPLE_SEED_OFFSET,
    gpt: model.Config = GPT,
) -> list[str]:
    """Names drawn from the model, all at once: each starts at token 0 (`.`), gets a character
    at a time at temperature 1 up to the block size, and ends at its first 0."""
    g = torch.Generator().manual_seed(seed)
    idx = torch.zeros((count, 1), dtype=torch.int64)
    with torch.no_grad(), threads(1):
        while idx.shape[1] <= gpt.block_size:
            graph = model.forward(params, gpt, idx, torch.full_like(idx, model.IGNORE))
            probs = F.softmax(graph.tensors["logits"][:, -1, :], dim=-1)  # (count, V)
            idx = torch.cat([idx, torch.multinomial(probs, 1, generator=g)], dim=1)
            if bool((idx[:, 1:] == 0).any(dim=1).all()):
                break  # every name has ended
    names = []
    for row in idx[:, 1:].tolist():
        end = row.index(0) if 0 in row else len(row)
        names.append("".join(model.VOCAB[i] for i in row[:end]))
    return names


# -- what `pytest-ninja train --level 2` says of a run -----------------------------------------

SPLIT_RULE = "into the words to train on and min(1000, 10%) to validate with"
MEASURED = ""  # a finished run's losses are measured as they are
AFTER_TRAINING = "then the loss over every name of each split:"
PLOT_TITLE = "the GPT with a hand-written backward pass"


def loss_lines(result: TrainResult) -> list[str]:
    """What the run learnt: the mean loss over every target of each split."""
    return [f"  train {result.train_loss:.4f}", f"  val   {result.val_loss:.4f}"]


def sample_run(result: TrainResult, count: int, seed: int) -> list[str]:
    return sample(result.params, count, seed, result.config.gpt)


def slower_lines(speedup: float, name: str, source: str, file_name: str) -> list[str]:
    """When the learner's steps are slower than autograd's: by how much, and where to look."""
    if not speedup < 1:  # also nan: nothing to say
        return []
    return [
        f"{name} runs at {speedup:.2f}x autograd's speed",
        "  likely cause: a Python loop over the sequences, positions or heads, or a tensor "
        "rebuilt at every step: one op over the whole batch does the same work at once",
    ]


def divergence_note(name: str) -> str:
    """Why a parameter drifts between the two runs beyond rounding, when it does."""
    if name.endswith("attn.c_attn.bias"):
        return (
            "the keys' third of c_attn.bias has no gradient at all in exact arithmetic (the "
            "softmax ignores a shift shared by every key), so in both runs it moves by float32 "
            "noise alone, which AdamW's normalised steps make as large as a real gradient's"
        )
    return ""
