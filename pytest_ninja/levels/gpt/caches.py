"""Level 2's grading caches: one GPT forward pass per phase, and each kata cut out of it.

Each phase runs the whole GPT once (`model.forward`, float64 from float32 parameters, every
tensor attached to its graph) and takes the loss's gradient of every tensor. A kata is then
cut out of that graph at one op (its *site*: kata 16 at a block's `ln_2`, kata 17 at
`mlp.c_fc`, whose 4C outputs tell a transposed weight from a right one, ...): its `Cache`
names the op's tensors by the kata's own parameters (`x`, `weight`, `mean`, `rstd`, `out`),
so the core's `problems.build_problem` gives the kata exactly its inputs and autograd's
float64 gradients through the real model as references. A site may differ per phase (the
near-constant rows of `stress-eps` are in the first LayerNorm's input).

The phases (`phases` says what each catches) are built so that their properties hold for
every seed: the stress batches take their sizes from `phases`, end in a sequence whose
targets are all -1, and never hold the letter `z`; the fragile ones adjust the parameters
after a first look at the forward pass (`nearly_constant_rows`, `large_logits`,
`gelu_tail`). Forward passes are built once per process (per seed), problems once per kata,
both on one thread.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from pytest_ninja.core.grading import one_thread
from pytest_ninja.core.level import Kata
from pytest_ninja.core.problems import Cache, Problem, build_problem
from pytest_ninja.levels.gpt import model
from pytest_ninja.levels.gpt.phases import (
    EPS,
    EPS_ROWS,
    EPS_SIZES,
    EPS_VARIANCES,
    LECTURE,
    LECTURE_BATCH,
    LECTURE_SEED,
    SATURATED,
    SATURATED_SIZES,
    SATURATED_TOP,
    STRESS,
    STRESS_SEED,
    STRESS_SIZES,
    TAIL,
    TAIL_MEAN,
    TAIL_SIZES,
    TAIL_STD,
)

ABSENT_TOKEN = model.VOCAB_SIZE - 1  # 'z' never appears in a stress batch
EPS_MEAN = 0.01  # the nearly constant rows' mean: small, so float32 keeps their deviations
TAIL_BLOCK = "h.0."  # the block whose GELU inputs are moved into the tail

# Where each kata is cut out of the GPT, unless its phase says otherwise (a kata not listed:
# the first op with its tensors, `site`).
SITES: dict[int, str] = {
    15: "encoder",
    16: "h.1.ln_2",
    17: "h.0.mlp.c_fc",
    18: "h.1.mlp.gelu",
    19: "h.1.attn.softmax",
    20: "h.0.attn",
    21: "loss",
    22: "h.1",  # a whole block, the second
    23: "gpt",  # the whole model
}
FIRST_BLOCK = {22: "h.0"}  # the stress batches' block: the encoder's output is its input


@dataclass(frozen=True)
class Forward:
    """One phase's forward pass: the graph, the loss's gradient of every tensor, the sizes."""

    phase: str
    seed: int
    config: model.Config
    graph: model.Graph
    loss_grads: dict[str, torch.Tensor]

    @property
    def valid(self) -> int:
        """The number of targets the loss averages over (those that are not -1)."""
        return int((self.graph.tensors["targets"] != model.IGNORE).sum())


@dataclass(frozen=True)
class Regime:
    """How one phase's forward pass is built: its sizes, data, adjustment and sites."""

    batch: int
    time: int
    channels: int
    heads: int
    data: Callable[[torch.Generator, int, int], tuple[torch.Tensor, torch.Tensor]]
    adjust: Callable | None = None
    sites: dict[int, str] = field(default_factory=dict)


def lecture_batch(g: torch.Generator, B: int, T: int) -> tuple[torch.Tensor, torch.Tensor]:
    """B names drawn from the word list, padded to the block size, as makemore reads them."""
    X, Y = model.sequences(model.shipped_words())
    ix = torch.randint(0, X.shape[0], (B,), generator=g)
    return X[ix, :T], Y[ix, :T]


def stress_batch(g: torch.Generator, B: int, T: int) -> tuple[torch.Tensor, torch.Tensor]:
    """B - 1 names without a `z`, cut to T positions, then a sequence of random tokens whose
    targets are all ignored (-1): it must contribute nothing, and N counts valid targets."""
    words = [w for w in model.shipped_words() if model.VOCAB[ABSENT_TOKEN] not in w]
    X, Y = model.sequences(words)
    ix = torch.randint(0, X.shape[0], (B - 1,), generator=g)
    idx, targets = X[ix, :T], Y[ix, :T]
    ignored = torch.randint(0, ABSENT_TOKEN, (1, T), generator=g)
    return torch.cat([idx, ignored]), torch.cat([targets, torch.full((1, T), model.IGNORE)])


def _look(params: dict, config: model.Config, idx, targets) -> model.Graph:
    """A float64 forward pass without gradients, to measure what an adjustment changes."""
    with torch.no_grad():
        return model.forward({k: v.double() for k, v in params.items()}, config, idx, targets)


def nearly_constant_rows(params: dict, config: model.Config, idx, targets) -> dict:
    """Rows `EPS_ROWS` of the encoder output `x` (the first LayerNorm's input) get variances
    `EPS_VARIANCES` over the channels, around a mean of `EPS_MEAN`, through `wpe`."""
    wte, wpe = params["wte"], params["wpe"]
    for (b, t), variance in zip(EPS_ROWS, EPS_VARIANCES):
        token = int(idx[b, t])
        row = wte[token].double() + wpe[t].double()
        deviation = row - row.mean()
        wanted = EPS_MEAN + deviation * (variance / deviation.pow(2).mean()) ** 0.5
        wpe[t] = (wanted - wte[token].double()).float()
    return params


def large_logits(params: dict, config: model.Config, idx, targets) -> dict:
    """ln_f's weight and bias scaled so that the largest logit, and the largest distance of a
    row's max from its mean, are both at least `SATURATED_TOP`: an exp of the logits
    overflows float32, and so does an exp of the logits shifted by their row's mean."""
    logits = _look(params, config, idx, targets).tensors["logits"]
    top = logits.max().item()
    widest = (logits.max(-1).values - logits.mean(-1)).max().item()
    for name in ("ln_f.weight", "ln_f.bias"):
        params[name] *= SATURATED_TOP / min(top, widest)
    return params


def gelu_tail(params: dict, config: model.Config, idx, targets) -> dict:
    """The first block's c_fc scaled and shifted, channel by channel, so that every GELU input
    has mean `TAIL_MEAN` and standard deviation `TAIL_STD` over the batch."""
    fc = _look(params, config, idx, targets).tensors[TAIL_BLOCK + "mlp.c_fc.out"]
    fc = fc.reshape(-1, fc.shape[-1])  # (B*T, 4C)
    weight, bias = params[TAIL_BLOCK + "mlp.c_fc.weight"], params[TAIL_BLOCK + "mlp.c_fc.bias"]
    scale = TAIL_STD / fc.std(0)
    bias.copy_((TAIL_MEAN - scale * (fc.mean(0) - bias.double())).float())
    weight *= scale[:, None].float()
    return params


REGIMES: dict[str, Regime] = {
    LECTURE: Regime(LECTURE_BATCH, model.BLOCK_SIZE, model.N_EMBD, model.N_HEAD, lecture_batch),
    STRESS: Regime(
        *STRESS_SIZES,
        stress_batch,
        sites={16: "h.0.ln_2", 17: "h.1.mlp.c_fc", 18: "h.0.mlp.gelu"} | FIRST_BLOCK,
    ),
    EPS: Regime(
        *EPS_SIZES, stress_batch, nearly_constant_rows, sites={16: "h.0.ln_1"} | FIRST_BLOCK
    ),
    SATURATED: Regime(
        *SATURATED_SIZES, stress_batch, large_logits, sites={16: "ln_f"} | FIRST_BLOCK
    ),
    TAIL: Regime(
        *TAIL_SIZES, stress_batch, gelu_tail, sites={18: TAIL_BLOCK + "mlp.gelu"} | FIRST_BLOCK
    ),
}


def _build(phase: str, seed: int) -> Forward:
    regime = REGIMES[phase]
    config = model.Config(n_head=regime.heads, n_embd=regime.channels)
    g = torch.Generator().manual_seed(seed)
    params = model.init_params(g, config)
    idx, targets = regime.data(g, regime.batch, regime.time)
    if regime.adjust is not None:
        params = regime.adjust(params, config, idx, targets)
    leaves = {k: v.double().requires_grad_() for k, v in params.items()}
    graph = model.forward(leaves, config, idx, targets)
    floats = [n for n, t in graph.tensors.items() if t.requires_grad and n != "loss"]
    loss = graph.tensors["loss"]
    grads = torch.autograd.grad(loss, [graph.tensors[n] for n in floats], retain_graph=True)
    loss_grads = dict(zip(floats, grads))
    loss_grads["loss"] = torch.ones((), dtype=torch.float64)
    return Forward(phase, seed, config, graph, loss_grads)


@functools.lru_cache(maxsize=8)
def forward(phase: str, seed: int | None = None) -> Forward:
    """The phase's forward pass, built once per process (per seed)."""
    if phase not in REGIMES:
        raise ValueError(f"unknown phase {phase!r}")
    default = LECTURE_SEED if phase == LECTURE else STRESS_SEED
    with one_thread():  # tiny tensors: threads only wait for each other on a busy machine
        return _build(phase, default if seed is None else seed)


def needs(kata: Kata) -> set[str]:
    """The tensors a kata's cache must name: its forward inputs, the tensors its upstream
    gradients and outputs are gradients of, and those it computes gradients of on the way."""
    grads = {*kata.upstream, *kata.outputs, *kata.internal}
    data = set(kata.inputs) - grads - {"n", "n_head"}
    data = {key for name in data for key in (kata.group(name) or (name,))}  # a dict's keys
    return data | {g[1:] for g in grads} | set(kata.frontier) - {"loss"}


def site(kata: Kata, phase: str, ops: dict[str, dict[str, str]]) -> str:
    """The op of the GPT a kata is cut out at in a phase: the phase's choice, the level's, or
    the first op in the forward pass that has every tensor the kata needs."""
    chosen = REGIMES[phase].sites.get(kata.number, SITES.get(kata.number))
    if chosen is not None:
        return chosen
    wanted = needs(kata)
    found = next((op for op, roles in ops.items() if wanted <= set(roles)), None)
    if found is None:
        raise LookupError(f"no op of the GPT has every tensor {kata.id} needs: {sorted(wanted)}")
    return found


def cache(kata: Kata, phase: str, seed: int | None = None) -> Cache:
    """The kata's view of the phase's forward pass: the op's tensors under the kata's names."""
    f = forward(phase, seed)
    roles = f.graph.ops[site(kata, phase, f.graph.ops)]
    tensors = {role: f.graph.tensors[name] for role, name in roles.items()}
    loss_grads = {role: f.loss_grads[name] for role, name in roles.items() if name in f.loss_grads}
    loss_grads["loss"] = f.loss_grads["loss"]
    tensors.setdefault("loss", f.graph.tensors["loss"])
    scalars = {"n_head": f.config.n_head} if "n_head" in kata.inputs else {}
    return Cache(phase, f.seed, f.valid, tensors, loss_grads, phase != LECTURE, scalars)


@functools.lru_cache(maxsize=256)
def problem(kata: Kata, phase: str, seed: int | None = None) -> Problem:
    """The kata's inputs and reference answers in one phase (cached; hand out fresh_inputs)."""
    with one_thread():
        return build_problem(kata, cache(kata, phase, seed))
