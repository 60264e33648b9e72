"""Kata 22, solved: back through a whole transformer block, both residual branches.

The katas of the ops, chained from the block's output back to its input: the MLP's branch
(kata 17, 18, 17, 16), then the attention's (17, 20, 17, 16). The residual stream adds each
branch to its input, so each branch's gradient is added to the gradient flowing straight
through: the skip.
"""

import math

import torch

GELU_K = math.sqrt(2 / math.pi)


def _linear(dout, inp, params, name, grads):
    # out = inp @ weight.T + bias, over every (b, t) at once
    grads[name + ".weight"] = dout.flatten(0, 1).T @ inp.flatten(0, 1)  # (OC, C)
    grads[name + ".bias"] = dout.sum((0, 1))  # (OC,)
    return dout @ params[name + ".weight"]  # (B, T, C)


def _layernorm(dout, x, params, cache, name, grads):
    # kata 16: the direct path, the mean's and the variance's, over the C channels
    rstd = cache[name + ".rstd"]  # (B, T, 1)
    xhat = (x - cache[name + ".mean"]) * rstd  # (B, T, C)
    grads[name + ".weight"] = (dout * xhat).sum((0, 1))  # (C,)
    grads[name + ".bias"] = dout.sum((0, 1))  # (C,)
    g = dout * params[name + ".weight"]  # the gradient at xhat
    return rstd * (g - g.mean(-1, keepdim=True) - xhat * (g * xhat).mean(-1, keepdim=True))


def _gelu(dout, x):
    # kata 18: the tanh form's derivative, from its input
    t = torch.tanh(GELU_K * (x + 0.044715 * x**3))
    slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_K * (1 + 3 * 0.044715 * x * x)
    return dout * slope


def _attention(dy, qkv, att, n_head):
    # kata 20: split into heads as the forward pass did, then merge the gradients back
    B, T, C = dy.shape
    hs = C // n_head
    q, k, v = (t.view(B, T, n_head, hs).transpose(1, 2) for t in qkv.split(C, dim=2))
    dy_h = dy.view(B, T, n_head, hs).transpose(1, 2)  # (B, NH, T, hs)
    datt = dy_h @ v.transpose(-2, -1)  # (B, NH, T, T)
    dv = att.transpose(-2, -1) @ dy_h
    dpreatt = att * (datt - (att * datt).sum(-1, keepdim=True))  # kata 19: 0 where masked
    dq = dpreatt @ k / math.sqrt(hs)
    dk = dpreatt.transpose(-2, -1) @ q / math.sqrt(hs)
    return torch.cat([d.transpose(1, 2).reshape(B, T, C) for d in (dq, dk, dv)], dim=2)


def backward_block(x, params, cache, n_head, dout):
    grads = {}
    # out = x2 + mlp.c_proj(gelu(mlp.c_fc(ln_2(x2)))): the skip, and the MLP's branch
    dgelu = _linear(dout, cache["mlp.gelu.out"], params, "mlp.c_proj", grads)  # (B, T, 4C)
    dfc = _gelu(dgelu, cache["mlp.c_fc.out"])  # (B, T, 4C)
    dln_2 = _linear(dfc, cache["ln_2.out"], params, "mlp.c_fc", grads)  # (B, T, C)
    dx2 = dout + _layernorm(dln_2, cache["x2"], params, cache, "ln_2", grads)
    # x2 = x + attn.c_proj(attention(attn.c_attn(ln_1(x)))): the skip, and the attention's
    dy = _linear(dx2, cache["attn.y"], params, "attn.c_proj", grads)  # (B, T, C)
    dqkv = _attention(dy, cache["attn.c_attn.out"], cache["attn.att"], n_head)  # (B, T, 3C)
    dln_1 = _linear(dqkv, cache["ln_1.out"], params, "attn.c_attn", grads)  # (B, T, C)
    dx = dx2 + _layernorm(dln_1, x, params, cache, "ln_1", grads)
    return dx, {key: grads[key] for key in params}  # in params' order
