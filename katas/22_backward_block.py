"""Kata 22: back through a whole transformer block, both residual branches."""

import torch
import torch.nn.functional as F


def backward_block(x, params, cache, n_head, dout):
    """Write the backward pass of these forward lines by hand:

        p, c = params, cache  # what each op computed is in c, under the names below
        c["ln_1.out"] = layernorm(x, p["ln_1.weight"], p["ln_1.bias"])  # kata 16
        c["attn.c_attn.out"] = linear(c["ln_1.out"], p["attn.c_attn.weight"], ...)  # 17
        c["attn.y"] = attention(c["attn.c_attn.out"], n_head)  # kata 20, with c["attn.att"]
        c["attn.c_proj.out"] = linear(c["attn.y"], p["attn.c_proj.weight"], ...)
        c["x2"] = x + c["attn.c_proj.out"]  # the residual stream
        c["ln_2.out"] = layernorm(c["x2"], p["ln_2.weight"], p["ln_2.bias"])
        c["mlp.c_fc.out"] = linear(c["ln_2.out"], p["mlp.c_fc.weight"], ...)
        c["mlp.gelu.out"] = gelu(c["mlp.c_fc.out"])  # kata 18
        c["mlp.c_proj.out"] = linear(c["mlp.gelu.out"], p["mlp.c_proj.weight"], ...)
        out = c["x2"] + c["mlp.c_proj.out"]

    Takes (B sequences of T positions, C channels, NH heads of hs = C/NH channels, V = 27
    tokens, block = 16 rows of wpe; B = 8, T = 16, C = 48 and 4 heads in the lecture phase,
    other sizes with T < block in the stress phase, so use the tensors' shapes rather than
    numbers):
        x       (B, T, C)
        params  dict           the block's parameters, by nanoGPT's names:
            ln_1.weight         (C,)
            ln_1.bias           (C,)
            attn.c_attn.weight  (3C, C)
            attn.c_attn.bias    (3C,)
            attn.c_proj.weight  (C, C)
            attn.c_proj.bias    (C,)
            ln_2.weight         (C,)
            ln_2.bias           (C,)
            mlp.c_fc.weight     (4C, C)
            mlp.c_fc.bias       (4C,)
            mlp.c_proj.weight   (C, 4C)
            mlp.c_proj.bias     (C,)
        cache   dict           what the forward pass kept:
            ln_1.mean        (B, T, 1)
            ln_1.rstd        (B, T, 1)
            ln_1.out         (B, T, C)
            attn.c_attn.out  (B, T, 3C)
            attn.att         (B, NH, T, T)
            attn.y           (B, T, C)
            attn.c_proj.out  (B, T, C)
            x2               (B, T, C)
            ln_2.mean        (B, T, 1)
            ln_2.rstd        (B, T, 1)
            ln_2.out         (B, T, C)
            mlp.c_fc.out     (B, T, 4C)
            mlp.gelu.out     (B, T, 4C)
            mlp.c_proj.out   (B, T, C)
        n_head  int            the number of heads NH
        dout    (B, T, C)      upstream gradient: d loss / d out

    Returns (dx, grads): dx of x's shape, and grads a dict with the keys of params, each the
    gradient of that parameter, of its shape (fill it one key at a time: a missing key is
    reported as todo, an unknown key is an error):
        dx      (B, T, C)      d loss / d x
        grads   dict           {key: d loss / d params[key]}

    Check it with: pytest katas/22_backward_block.py
    """
    raise NotImplementedError
