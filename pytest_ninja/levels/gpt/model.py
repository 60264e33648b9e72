"""Level 2's model: a small character-level GPT, its data, init and forward pass in atoms.

A pre-LayerNorm GPT as GPT-2 and nanoGPT write it, on names as makemore's transformer reads
them: 27 tokens (`.` is 0, `a`-`z` 1-26), a word of length L becomes the input
`[0, w1 .. wL, 0, 0 ..]` and the target `[w1 .. wL, 0, -1, -1 ..]`, both of the block size
(the longest word + 1: 16 for the shipped list and for names.txt); a target -1 is ignored by
the loss. Per block `x = x + attn(ln_1(x))`, `x = x + mlp(ln_2(x))`; then `ln_f` and
`logits = x @ wte.T`: the token embedding is tied to the output layer.

Parameters carry nanoGPT's names (`wte`, `wpe`, `h.0.ln_1.weight`, `h.0.attn.c_attn.weight`,
..., `ln_f.bias`), linear weights stored (out, in) as `nn.Linear` stores them. The forward
pass records every tensor under a name (`x`, `h.0.ln_1.mean`, `h.0.attn.att`, `logits`, ...)
and every op under its own (`encoder`, `h.0.ln_1`, `h.0.attn`, `h.0.mlp.gelu`, `loss`, ...)
with its inputs and outputs as roles (`x`, `weight`, `mean`, `rstd`, `out`): a kata is cut
out of the graph at one op, its parameters named by the roles. Randomness only ever comes
from a seeded `torch.Generator` passed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources

import torch
import torch.nn.functional as F

from pytest_ninja.levels.gpt import layout

VOCAB = ".abcdefghijklmnopqrstuvwxyz"  # '.' is 0, a..z are 1..26
VOCAB_SIZE = len(VOCAB)  # 27
BLOCK_SIZE = 16  # the longest shipped word (15 letters) + 1, as for names.txt
N_LAYER = 2
N_HEAD = 4
N_EMBD = 48
LN_EPS = 1e-5
GELU_K = math.sqrt(2 / math.pi)  # the tanh form's constant
IGNORE = -1  # the target of a position past a word's end


@dataclass(frozen=True)
class Config:
    """The GPT's sizes."""

    block_size: int = BLOCK_SIZE
    vocab_size: int = VOCAB_SIZE
    n_layer: int = N_LAYER
    n_head: int = N_HEAD
    n_embd: int = N_EMBD

    @property
    def head_size(self) -> int:
        return self.n_embd // self.n_head


def stoi(ch: str) -> int:
    return VOCAB.index(ch)


def shipped_words() -> list[str]:
    """The level's own word list (`words.txt`), so grading needs no download."""
    text = resources.files("pytest_ninja").joinpath("levels/gpt/words.txt").read_text("utf-8")
    lines = (line.strip() for line in text.splitlines())
    return [w for w in lines if w and not w.startswith("#")]


def sequences(words: list[str], block_size: int = BLOCK_SIZE) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs X and targets Y, (N, block_size) int64 each: one row a word, targets padded -1."""
    X = torch.zeros((len(words), block_size), dtype=torch.int64)
    Y = torch.full((len(words), block_size), IGNORE, dtype=torch.int64)
    for i, w in enumerate(words):
        ix = [stoi(ch) for ch in w][: block_size - 1]
        X[i, 1 : 1 + len(ix)] = torch.tensor(ix, dtype=torch.int64)
        Y[i, : len(ix)] = torch.tensor(ix, dtype=torch.int64)
        Y[i, len(ix)] = 0  # the end of the word is predicted too
    return X, Y


def parameter_shapes(config: Config) -> dict[str, tuple[int, ...]]:
    """Every parameter's name and shape, in nanoGPT's order."""
    C = config.n_embd
    sizes = {"C": C, "3C": 3 * C, "4C": 4 * C, "V": config.vocab_size}
    sizes["block"] = config.block_size
    shapes = {}
    for name in layout.parameter_names(config.n_layer):
        dims = layout.shape(name).strip("(,)").split(", ")
        shapes[name] = tuple(sizes[d.rstrip(",")] for d in dims)
    return shapes


def kept(graph: Graph, config: Config) -> dict[str, torch.Tensor]:
    """The whole model's cache out of a forward pass: what `backward_gpt` is given."""
    return {name: graph.tensors[name] for name in layout.cache_names(config.n_layer)}


def init_params(
    g: torch.Generator, config: Config = Config(), dtype: torch.dtype = torch.float32
) -> dict[str, torch.Tensor]:
    """Seeded parameters, made to grade with: no LayerNorm weight exactly 1, no bias exactly 0
    (an answer that forgets one must show it), linear weights ~ 1/sqrt(fan_in)."""
    params = {}
    for name, shape in parameter_shapes(config).items():
        noise = torch.randn(shape, generator=g)
        if name in ("wte", "wpe"):
            value = noise * 0.2
        elif name.endswith(".weight") and len(shape) == 1:  # a LayerNorm's gain
            value = 1.0 + 0.1 * noise
        elif name.endswith(".weight"):
            value = noise / shape[1] ** 0.5
        else:
            value = 0.1 * noise
        params[name] = value.to(dtype)
    return params


def parameter_count(params: dict[str, torch.Tensor]) -> int:
    return sum(p.nelement() for p in params.values())


class Graph:
    """What a forward pass recorded: every tensor by name, every op's roles."""

    def __init__(self) -> None:
        self.tensors: dict[str, torch.Tensor] = {}
        self.ops: dict[str, dict[str, str]] = {}  # op -> role -> tensor name

    def keep(self, name: str, tensor: torch.Tensor) -> torch.Tensor:
        self.tensors[name] = tensor
        return tensor

    def op(self, name: str, **roles: str) -> None:
        self.ops[name] = roles


def layernorm(graph: Graph, name: str, x_name: str, params: dict) -> torch.Tensor:
    """LayerNorm over the channels, in atoms: biased variance, eps inside the square root."""
    x, weight, bias = graph.tensors[x_name], params[name + ".weight"], params[name + ".bias"]
    mean = graph.keep(name + ".mean", x.mean(-1, keepdim=True))  # (B, T, 1)
    var = graph.keep(name + ".var", ((x - mean) ** 2).mean(-1, keepdim=True))  # divides by C
    rstd = graph.keep(name + ".rstd", (var + LN_EPS) ** -0.5)  # (B, T, 1)
    xhat = graph.keep(name + ".xhat", (x - mean) * rstd)  # (B, T, C)
    graph.keep(name + ".out", xhat * weight + bias)
    graph.op(
        name,
        x=x_name,
        weight=name + ".weight",
        bias=name + ".bias",
        mean=name + ".mean",
        rstd=name + ".rstd",
        out=name + ".out",
    )
    return graph.tensors[name + ".out"]


def linear(graph: Graph, name: str, inp_name: str, params: dict) -> torch.Tensor:
    """`out = inp @ weight.T + bias`, weight (out, in) as nn.Linear stores it."""
    inp, weight, bias = graph.tensors[inp_name], params[name + ".weight"], params[name + ".bias"]
    graph.keep(name + ".out", inp @ weight.T + bias)
    graph.op(name, inp=inp_name, weight=name + ".weight", bias=name + ".bias", out=name + ".out")
    return graph.tensors[name + ".out"]


def gelu(graph: Graph, name: str, x_name: str) -> torch.Tensor:
    """GELU in GPT-2's tanh form."""
    x = graph.tensors[x_name]
    out = 0.5 * x * (1 + torch.tanh(GELU_K * (x + 0.044715 * x**3)))
    graph.keep(name + ".out", out)
    graph.op(name, x=x_name, out=name + ".out")
    return out


def attention(graph: Graph, name: str, qkv_name: str, n_head: int) -> torch.Tensor:
    """Causal self-attention over n_head heads, from c_attn's output qkv (B, T, 3C)."""
    qkv = graph.tensors[qkv_name]
    B, T, C = qkv.shape[0], qkv.shape[1], qkv.shape[2] // 3
    hs = C // n_head
    q, k, v = qkv.split(C, dim=2)
    q = graph.keep(name + ".q", q.view(B, T, n_head, hs).transpose(1, 2))  # (B, NH, T, hs)
    k = graph.keep(name + ".k", k.view(B, T, n_head, hs).transpose(1, 2))
    v = graph.keep(name + ".v", v.view(B, T, n_head, hs).transpose(1, 2))
    preatt = graph.keep(name + ".preatt", q @ k.transpose(-2, -1) / math.sqrt(hs))  # (B,NH,T,T)
    mask = torch.tril(torch.ones(T, T))  # position t sees positions 0..t
    att = graph.keep(
        name + ".att", F.softmax(preatt.masked_fill(mask == 0, float("-inf")), dim=-1)
    )  # (B, NH, T, T), exactly 0 above the diagonal
    y_h = graph.keep(name + ".y_h", att @ v)  # (B, NH, T, hs)
    y = graph.keep(name + ".y", y_h.transpose(1, 2).reshape(B, T, C))  # heads side by side
    roles = ("q", "k", "v", "preatt", "att", "y_h", "y")
    graph.op(name, qkv=qkv_name, **{r: f"{name}.{r}" for r in roles})
    graph.op(name + ".softmax", preatt=name + ".preatt", att=name + ".att")
    return y


def forward(
    params: dict[str, torch.Tensor], config: Config, idx: torch.Tensor, targets: torch.Tensor
) -> Graph:
    """The whole forward pass, every tensor and op recorded; `idx` and `targets` (B, T)."""
    graph = Graph()
    B, T = idx.shape
    for name, p in params.items():
        graph.keep(name, p)
    graph.keep("idx", idx)
    graph.keep("targets", targets)
    wte, wpe = params["wte"], params["wpe"]
    graph.keep("x", wte[idx] + wpe[torch.arange(T)])  # (B, T, C) token + position
    graph.op("encoder", idx="idx", wte="wte", wpe="wpe", x="x")
    resid = "x"
    for i in range(config.n_layer):
        h = f"h.{i}."
        layernorm(graph, h + "ln_1", resid, params)
        linear(graph, h + "attn.c_attn", h + "ln_1.out", params)  # (B, T, 3C)
        attention(graph, h + "attn", h + "attn.c_attn.out", config.n_head)
        linear(graph, h + "attn.c_proj", h + "attn.y", params)
        x2 = graph.tensors[resid] + graph.tensors[h + "attn.c_proj.out"]
        graph.keep(h + "x2", x2)  # the residual stream after attention
        layernorm(graph, h + "ln_2", h + "x2", params)
        linear(graph, h + "mlp.c_fc", h + "ln_2.out", params)  # (B, T, 4C)
        gelu(graph, h + "mlp.gelu", h + "mlp.c_fc.out")
        linear(graph, h + "mlp.c_proj", h + "mlp.gelu.out", params)
        graph.keep(h + "out", x2 + graph.tensors[h + "mlp.c_proj.out"])  # after the MLP
        block = {key: h + key for key in (*layout.BLOCK_PARAMETERS, *layout.BLOCK_CACHE)}
        graph.op(f"h.{i}", x=resid, **block, out=h + "out")  # the whole block, for kata 22
        resid = h + "out"
    layernorm(graph, "ln_f", resid, params)
    logits = graph.keep("logits", graph.tensors["ln_f.out"] @ wte.T)  # (B, T, V), tied wte
    V = logits.shape[-1]
    loss = F.cross_entropy(logits.view(-1, V), targets.view(-1), ignore_index=IGNORE)
    graph.keep("loss", loss)
    graph.op("loss", logits="logits", targets="targets", loss="loss")
    kept_names = layout.cache_names(config.n_layer)
    whole = {name: name for name in (*params, *kept_names, "idx", "targets", "loss")}
    graph.op("gpt", **whole)  # the whole model, for kata 23
    return graph
