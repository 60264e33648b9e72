"""Kata 23: the whole GPT's backward pass, weight tying and all."""

import torch
import torch.nn.functional as F


def backward_gpt(idx, targets, params, cache, n_head):
    """Write the backward pass of these forward lines by hand:

        p, c = params, cache  # what each op computed is in c, under the names below
        c["x"] = p["wte"][idx] + p["wpe"][torch.arange(T)]  # kata 15
        c["h.0.out"] = block(c["x"], p["h.0. ..."], n_head)  # kata 22, cache under h.0.
        c["h.1.out"] = block(c["h.0.out"], p["h.1. ..."], n_head)
        c["ln_f.out"] = layernorm(c["h.1.out"], p["ln_f.weight"], p["ln_f.bias"])
        c["logits"] = c["ln_f.out"] @ p["wte"].T  # tied: wte is used twice
        loss = F.cross_entropy(c['logits'].view(-1, V), targets.view(-1), ignore_index=-1)

    Takes (B sequences of T positions, C channels, NH heads of hs = C/NH channels, V = 27
    tokens, block = 16 rows of wpe; B = 8, T = 16, C = 48 and 4 heads in the lecture phase,
    other sizes with T < block in the stress phase, so use the tensors' shapes rather than
    numbers):
        idx      (B, T) int64
        targets  (B, T) int64   -1 past a word's end: ignored
        params   dict           every parameter, by nanoGPT's names (i = 0, 1: two blocks):
            wte                       (V, C)
            wpe                       (block, C)
            h.{i}.ln_1.weight         (C,)
            h.{i}.ln_1.bias           (C,)
            h.{i}.attn.c_attn.weight  (3C, C)
            h.{i}.attn.c_attn.bias    (3C,)
            h.{i}.attn.c_proj.weight  (C, C)
            h.{i}.attn.c_proj.bias    (C,)
            h.{i}.ln_2.weight         (C,)
            h.{i}.ln_2.bias           (C,)
            h.{i}.mlp.c_fc.weight     (4C, C)
            h.{i}.mlp.c_fc.bias       (4C,)
            h.{i}.mlp.c_proj.weight   (C, 4C)
            h.{i}.mlp.c_proj.bias     (C,)
            ln_f.weight               (C,)
            ln_f.bias                 (C,)
        cache    dict           what the forward pass kept, each block's under h.{i}.:
            x                      (B, T, C)
            h.{i}.ln_1.mean        (B, T, 1)
            h.{i}.ln_1.rstd        (B, T, 1)
            h.{i}.ln_1.out         (B, T, C)
            h.{i}.attn.c_attn.out  (B, T, 3C)
            h.{i}.attn.att         (B, NH, T, T)
            h.{i}.attn.y           (B, T, C)
            h.{i}.attn.c_proj.out  (B, T, C)
            h.{i}.x2               (B, T, C)
            h.{i}.ln_2.mean        (B, T, 1)
            h.{i}.ln_2.rstd        (B, T, 1)
            h.{i}.ln_2.out         (B, T, C)
            h.{i}.mlp.c_fc.out     (B, T, 4C)
            h.{i}.mlp.gelu.out     (B, T, 4C)
            h.{i}.mlp.c_proj.out   (B, T, C)
            h.{i}.out              (B, T, C)
            ln_f.mean              (B, T, 1)
            ln_f.rstd              (B, T, 1)
            ln_f.out               (B, T, C)
            logits                 (B, T, V)
        n_head   int            the number of heads NH

    The kata starts at the loss itself, so there is no upstream gradient to take in.

    Returns grads: grads a dict with the keys of params, each the gradient of that parameter, of
    its shape (fill it one key at a time: a missing key is reported as todo, an unknown key is
    an error):
        grads    dict           {key: d loss / d params[key]}

    Check it with: pytest katas/23_backward_gpt.py
    """
    raise NotImplementedError
