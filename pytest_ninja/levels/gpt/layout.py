"""The GPT's names: its parameters and what its forward pass keeps, with their shapes (no torch).

Parameters carry nanoGPT's names; a block's are named relative to the block
(`ln_1.weight`, `attn.c_attn.weight`, ...) and, in the whole model, under `h.{i}.`. What a
forward pass keeps for the backward pass (the `cache` of katas 22 and 23) carries the names
the model records its tensors under: each op's output (`ln_1.out`, `attn.c_attn.out`,
`mlp.gelu.out`), LayerNorm's `mean` and `rstd`, the attention's `att`, the residual stream
after the attention (`x2`) and after the MLP (`out`). Shapes are written in the GPT's sizes
(B, T, C, NH, V, block), as the stubs show them.
"""

from __future__ import annotations

import re

# A block's parameters, by their names relative to the block, and their shapes
BLOCK_PARAMETERS: dict[str, str] = {
    "ln_1.weight": "(C,)",
    "ln_1.bias": "(C,)",
    "attn.c_attn.weight": "(3C, C)",
    "attn.c_attn.bias": "(3C,)",
    "attn.c_proj.weight": "(C, C)",
    "attn.c_proj.bias": "(C,)",
    "ln_2.weight": "(C,)",
    "ln_2.bias": "(C,)",
    "mlp.c_fc.weight": "(4C, C)",
    "mlp.c_fc.bias": "(4C,)",
    "mlp.c_proj.weight": "(C, 4C)",
    "mlp.c_proj.bias": "(C,)",
}
# What a block's forward pass keeps, by names relative to the block, in the order it
# computes them (its input `x` and its output `out` aside)
BLOCK_CACHE: dict[str, str] = {
    "ln_1.mean": "(B, T, 1)",
    "ln_1.rstd": "(B, T, 1)",
    "ln_1.out": "(B, T, C)",
    "attn.c_attn.out": "(B, T, 3C)",
    "attn.att": "(B, NH, T, T)",
    "attn.y": "(B, T, C)",
    "attn.c_proj.out": "(B, T, C)",
    "x2": "(B, T, C)",
    "ln_2.mean": "(B, T, 1)",
    "ln_2.rstd": "(B, T, 1)",
    "ln_2.out": "(B, T, C)",
    "mlp.c_fc.out": "(B, T, 4C)",
    "mlp.gelu.out": "(B, T, 4C)",
    "mlp.c_proj.out": "(B, T, C)",
}
# The whole model's own parameters and cache, besides its blocks'
OUTER_PARAMETERS: dict[str, str] = {"wte": "(V, C)", "wpe": "(block, C)"}
FINAL_PARAMETERS: dict[str, str] = {"ln_f.weight": "(C,)", "ln_f.bias": "(C,)"}
FINAL_CACHE: dict[str, str] = {
    "ln_f.mean": "(B, T, 1)",
    "ln_f.rstd": "(B, T, 1)",
    "ln_f.out": "(B, T, C)",
    "logits": "(B, T, V)",
}
BLOCK_OUT = "(B, T, C)"  # a block's output, `h.{i}.out`
EMBEDDED = "(B, T, C)"  # the encoder's output `x`, the first block's input

_BLOCK = re.compile(r"^h\.\d+\.")


def parameter_names(n_layer: int) -> tuple[str, ...]:
    """Every parameter of the whole model, in nanoGPT's order."""
    blocks = [f"h.{i}.{key}" for i in range(n_layer) for key in BLOCK_PARAMETERS]
    return (*OUTER_PARAMETERS, *blocks, *FINAL_PARAMETERS)


def cache_names(n_layer: int) -> tuple[str, ...]:
    """What the whole model's forward pass keeps (`backward_gpt`'s cache), in forward order."""
    blocks = [f"h.{i}.{key}" for i in range(n_layer) for key in (*BLOCK_CACHE, "out")]
    return ("x", *blocks, *FINAL_CACHE)


def shape(name: str) -> str | None:
    """The shape of a parameter or a cached tensor, by its name relative to a block or in the
    whole model (`ln_1.mean`, `h.1.ln_1.mean`, `wte`); None for any other name."""
    relative = _BLOCK.sub("", name)
    if relative != name and relative == "out":
        return BLOCK_OUT
    tables = (BLOCK_PARAMETERS, BLOCK_CACHE, OUTER_PARAMETERS, FINAL_PARAMETERS, FINAL_CACHE)
    if name == "x":
        return EMBEDDED
    return next((t[relative] for t in tables if relative in t), None)


def per_block(name: str) -> str:
    """A whole-model name with its block's number as `{i}` (`h.{i}.ln_1.weight`)."""
    return _BLOCK.sub("h.{i}.", name)
