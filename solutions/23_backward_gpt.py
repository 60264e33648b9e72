"""Kata 23, solved: the whole GPT, from the loss back to the embeddings, weight tying included.

Kata 21 at the loss; the tied output layer `logits = ln_f.out @ wte.T` gives wte its first
gradient; ln_f (kata 16); every block from the last to the first (kata 22's pass, each
block's parameters under `h.{i}.`); the encoder (kata 15) adds wte's second gradient.
Written for speed as well as for reading, since `pytest-ninja train --level 2` runs it at
every step.
"""

import math

import torch
import torch.nn.functional as F

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
    # kata 18: the tanh form's derivative, from its input x, where
    #     t = tanh(u), u = GELU_K * (x + 0.044715 * x**3)
    #     slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_K * (1 + 3 * 0.044715 * x * x)
    # written for speed, since this runs on (B, T, 4C) at every training step: tanh(u) as
    # 2 sigmoid(2u) - 1 (the same number; torch.sigmoid is several times faster than torch.tanh
    # on a CPU), and in place wherever a temporary can be reused (a fresh one of that size costs
    # more than its arithmetic)
    x2 = x * x
    t = x2.mul(0.044715).add_(1).mul_(x).mul_(2 * GELU_K).sigmoid_().mul_(2).sub_(1)
    slope = x2.mul_(3 * 0.044715).add_(1).mul_(x).mul_(0.5 * GELU_K)  # in x2's memory
    slope.mul_((t * t).neg_().add_(1)).add_(t, alpha=0.5).add_(0.5)
    return dout * slope


def _attention(dy, qkv, att, n_head):
    # kata 20: split into heads as the forward pass did, then merge the gradients back
    B, T, C = dy.shape
    hs = C // n_head
    q, k, v = (t.view(B, T, n_head, hs).transpose(1, 2) for t in qkv.split(C, dim=2))
    dy_h = dy.view(B, T, n_head, hs).transpose(1, 2)  # (B, NH, T, hs)
    datt = dy_h @ v.transpose(-2, -1)  # (B, NH, T, T)
    dv = att.transpose(-2, -1) @ dy_h
    datt -= (att * datt).sum(-1, keepdim=True)  # kata 19, in place (att's temporary aside)
    dpreatt = datt.mul_(att)  # 0 where masked
    dscores = dpreatt.div_(math.sqrt(hs))  # preatt = (q @ k.T) / sqrt(hs): the scale, once
    dq = dscores @ k
    dk = dscores.transpose(-2, -1) @ q
    return torch.cat([d.transpose(1, 2).reshape(B, T, C) for d in (dq, dk, dv)], dim=2)


def _block(dout, x, params, cache, n_head, h, grads):
    # kata 22, for the block whose names start with h ("h.0.")
    dgelu = _linear(dout, cache[h + "mlp.gelu.out"], params, h + "mlp.c_proj", grads)
    dfc = _gelu(dgelu, cache[h + "mlp.c_fc.out"])
    dln_2 = _linear(dfc, cache[h + "ln_2.out"], params, h + "mlp.c_fc", grads)
    dx2 = dout + _layernorm(dln_2, cache[h + "x2"], params, cache, h + "ln_2", grads)
    dy = _linear(dx2, cache[h + "attn.y"], params, h + "attn.c_proj", grads)
    dqkv = _attention(dy, cache[h + "attn.c_attn.out"], cache[h + "attn.att"], n_head)
    dln_1 = _linear(dqkv, cache[h + "ln_1.out"], params, h + "attn.c_attn", grads)
    return dx2 + _layernorm(dln_1, x, params, cache, h + "ln_1", grads)


def backward_gpt(idx, targets, params, cache, n_head):
    grads = {}
    logits = cache["logits"]  # (B, T, V)
    B, T, V = logits.shape
    # kata 21: softmax - one_hot over the N valid targets, 0 where a target is -1
    valid = (targets != -1).unsqueeze(-1)  # (B, T, 1)
    dlogits = F.softmax(logits, dim=-1)
    dlogits -= F.one_hot(targets.clamp(min=0), V)
    dlogits *= valid / valid.sum()
    # the tied output layer, logits = ln_f.out @ wte.T: wte's first gradient
    dwte = dlogits.flatten(0, 1).T @ cache["ln_f.out"].flatten(0, 1)  # (V, C)
    dx = dlogits @ params["wte"]  # (B, T, C)
    n_layer = sum(1 for key in params if key.endswith(".ln_1.weight"))
    dx = _layernorm(dx, cache[f"h.{n_layer - 1}.out"], params, cache, "ln_f", grads)
    for i in reversed(range(n_layer)):
        x = cache["x"] if i == 0 else cache[f"h.{i - 1}.out"]  # the block's input
        dx = _block(dx, x, params, cache, n_head, f"h.{i}.", grads)
    # the encoder, x = wte[idx] + wpe[arange(T)]: wte's second gradient, added to the first
    dwte.index_add_(0, idx.view(-1), dx.view(B * T, -1))
    grads["wte"] = dwte
    grads["wpe"] = torch.zeros_like(params["wpe"])  # (block, C): rows T.. unused
    grads["wpe"][:T] = dx.sum(0)
    return {key: grads[key] for key in params}  # in params' order
