"""Kata 22's and 23's known mistakes: each op's slips at its place in a block and in the GPT,
and the mistakes only a whole block or the whole model can make.

A fused kata's backward pass chains the ops' (`katas._block_steps`): the LayerNorm of kata 16
at each `ln_1`, `ln_2` and `ln_f`, the GELU of kata 18, the attention of kata 20, the linear
layers of kata 17, the encoder of kata 15 and the cross-entropy of kata 21. An op's slip (a
`Slip` of the smaller kata, in `mistakes.SLIPS`) becomes a slip of the fused kata at the step
that op's input gradient is computed in: its values are taken out of the fused kata's
`params`, `cache` and gradients under the smaller kata's names (`_Op.values`), and a step
that also adds a residual skip keeps the skip. So a fused kata's mistake is named in the
smaller kata's words, and the core's localisation says where in the block it is.

Besides, the mistakes of the whole: a residual skip dropped (the gradient through `x2 = x +
...` or `out = x2 + ...` forgets the term that flows straight through), and the tied `wte`
collecting only one of its two gradients (the output layer's, or the encoder's).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from pytest_ninja.core.level import Slip

BLOCK, GPT = "22_backward_block", "23_backward_gpt"
N_LAYER = 2

SKIP_DROPPED = (
    "the residual skip dropped in {grad}: {line} adds the branch to its input, so {grad} is "
    "the gradient flowing straight through ({skip}) plus the branch's"
)
WTE_OUTPUT_ONLY = (
    "the tied wte collects only the output layer's gradient: wte is used twice (logits = "
    "ln_f.out @ wte.T, and the encoder's wte[idx]), so add the encoder's too (kata 15)"
)
WTE_ENCODER_ONLY = (
    "the tied wte collects only the encoder's gradient: wte is used twice (the encoder's "
    "wte[idx], and logits = ln_f.out @ wte.T), so add the output layer's too: dlogits^T @ ln_f.out"
)


def _f64(t):
    return t.double() if isinstance(t, torch.Tensor) and t.is_floating_point() else t


@dataclass(frozen=True)
class _Op:
    """One op of a fused kata, as the smaller kata that has it sees it."""

    kata: str  # the smaller kata ("16_backward_layernorm")
    step: str  # the fused kata's step its slips land in (its input gradient)
    values: Callable[[dict], dict]  # the smaller kata's values out of the fused kata's
    skip: Callable[[dict], torch.Tensor | float] = lambda v: 0.0  # added in the same step
    after: Callable[[dict, Slip], torch.Tensor] | None = None  # the op's pass to its step


def _p(v: dict, key: str) -> torch.Tensor:
    return _f64(v["params"][key])


def _c(v: dict, key: str) -> torch.Tensor:
    return _f64(v["cache"][key])


def _block_input(h: str) -> Callable[[dict], torch.Tensor]:
    """A block's input: the kata's `x` in kata 22, the stream below the block in kata 23."""
    if h == "":
        return lambda v: _f64(v["x"])
    i = int(h.split(".")[1])
    return (lambda v: _c(v, "x")) if i == 0 else (lambda v: _c(v, f"h.{i - 1}.out"))


def _layernorm(ln: str, x: Callable[[dict], torch.Tensor]) -> Callable[[dict], dict]:
    return lambda v: {
        "x": x(v),
        "weight": _p(v, ln + ".weight"),
        "bias": _p(v, ln + ".bias"),
        "mean": _c(v, ln + ".mean"),
        "rstd": _c(v, ln + ".rstd"),
        "dout": v[f"d{ln}.out"],
    }


def _attention_values(h: str) -> Callable[[dict], dict]:
    return lambda v: {
        "qkv": _c(v, h + "attn.c_attn.out"),
        "att": _c(v, h + "attn.att"),
        "n_head": v["n_head"],
        "dy": v[f"d{h}attn.y"],
    }


def _attention_pass(a: dict, slip: Slip) -> torch.Tensor:
    """Kata 20's backward pass from dy to dqkv with one step wrong, every other right."""
    B, T, C3 = a["qkv"].shape
    C, NH = C3 // 3, a["n_head"]
    hs = C // NH

    def heads(t: torch.Tensor) -> torch.Tensor:
        return t.view(B, T, NH, hs).transpose(1, 2)

    q, k, v_ = (heads(t) for t in a["qkv"].split(C, dim=2))
    att = a["att"]
    passes = (
        ("dy_h", lambda d: heads(d["dy"])),
        ("datt", lambda d: d["dy_h"] @ v_.transpose(-2, -1)),
        ("dv", lambda d: att.transpose(-2, -1) @ d["dy_h"]),
        ("dpreatt", lambda d: att * (d["datt"] - (att * d["datt"]).sum(-1, keepdim=True))),
        ("dq", lambda d: d["dpreatt"] @ k / math.sqrt(hs)),
        ("dk", lambda d: d["dpreatt"].transpose(-2, -1) @ q / math.sqrt(hs)),
        (
            "dqkv",
            lambda d: torch.cat(
                [d[g].transpose(1, 2).reshape(B, T, C) for g in ("dq", "dk", "dv")], dim=2
            ),
        ),
    )
    done = dict(a)
    for grad, compute in passes:
        done[grad] = slip.wrong(done) if grad == slip.at else compute(done)
    return done["dqkv"]


def _block_ops(h: str, dout: str, dx: str) -> tuple[_Op, ...]:
    """The ops of the block named under `h`, from its output's gradient `dout` to its
    input's `dx` (the fused kata's names)."""
    x2 = lambda v: _c(v, h + "x2")  # noqa: E731
    return (
        _Op(
            "18_backward_gelu",
            f"d{h}mlp.c_fc.out",
            lambda v: {"x": _c(v, h + "mlp.c_fc.out"), "dout": v[f"d{h}mlp.gelu.out"]},
        ),
        _Op("16_backward_layernorm", f"d{h}x2", _layernorm(h + "ln_2", x2), lambda v: v[dout]),
        _Op(
            "20_backward_attention",
            f"d{h}attn.c_attn.out",
            _attention_values(h),
            after=_attention_pass,
        ),
        _Op(
            "16_backward_layernorm",
            dx,
            _layernorm(h + "ln_1", _block_input(h)),
            lambda v: v[f"d{h}x2"],
        ),
    )


def _gpt_ops() -> tuple[_Op, ...]:
    last = f"h.{N_LAYER - 1}."
    ops = [
        _Op(
            "21_backward_cross_entropy_seq",
            "dlogits",
            lambda v: {"logits": _c(v, "logits"), "targets": v["targets"]},
        ),
        _Op(
            "16_backward_layernorm",
            f"d{last}out",
            _layernorm("ln_f", lambda v: _c(v, last + "out")),
        ),
    ]
    for i in reversed(range(N_LAYER)):
        below = "dx" if i == 0 else f"dh.{i - 1}.out"
        ops += _block_ops(f"h.{i}.", f"dh.{i}.out", below)
    return tuple(ops)


def _moved(op: _Op, slip: Slip) -> Slip | None:
    """A smaller kata's slip at its place in the fused kata, or None for a slip of a gradient
    the op's place does not carry (LayerNorm's dweight: a parameter's, not the input's)."""
    inner = op.after is not None
    if not inner and slip.at not in ("dx", "dlogits"):
        return None

    def wrong(v: dict, op=op, slip=slip) -> torch.Tensor:
        a = op.values(v)
        branch = op.after(a, slip) if inner else slip.wrong(a)
        return op.skip(v) + branch

    return Slip(op.step, slip.kind, slip.words, wrong)


def _skips(h: str, dout: str, dx: str) -> tuple[Slip, ...]:
    """A block's two residual skips, each dropped."""
    mlp = SKIP_DROPPED.format(grad=f"d{h}x2", line="out = x2 + mlp(...)", skip=dout)
    attn = SKIP_DROPPED.format(grad=dx, line="x2 = x + attn(...)", skip=f"d{h}x2")
    return (
        Slip(f"d{h}x2", "residual-skip-dropped", mlp, lambda v: v[f"d{h}x2"] - v[dout]),
        Slip(dx, "residual-skip-dropped", attn, lambda v: v[dx] - v[f"d{h}x2"]),
    )


def _output_layer_part(v: dict) -> torch.Tensor:
    """wte's gradient through logits = ln_f.out @ wte.T alone."""
    return v["dlogits"].flatten(0, 1).T @ _c(v, "ln_f.out").flatten(0, 1)


def _tied() -> tuple[Slip, ...]:
    return (
        Slip("dwte", "tied-wte-one-gradient", WTE_OUTPUT_ONLY, _output_layer_part),
        Slip(
            "dwte",
            "tied-wte-one-gradient",
            WTE_ENCODER_ONLY,
            lambda v: v["dwte"] - _output_layer_part(v),
        ),
    )


def slips_of(small: dict[str, tuple[Slip, ...]]) -> dict[str, tuple[Slip, ...]]:
    """Kata 22's and 23's slips, from the smaller katas' (`small`, by kata id)."""

    def moved(ops: tuple[_Op, ...]) -> tuple[Slip, ...]:
        found = (_moved(op, slip) for op in ops for slip in small.get(op.kata, ()))
        return tuple(s for s in found if s is not None)

    block = moved(_block_ops("", "dout", "dx")) + _skips("", "dout", "dx")
    gpt = moved(_gpt_ops()) + _tied()
    for i in reversed(range(N_LAYER)):
        gpt += _skips(f"h.{i}.", f"dh.{i}.out", "dx" if i == 0 else f"dh.{i - 1}.out")
    return {BLOCK: block, GPT: gpt}
