"""Kata 20, solved: back through causal self-attention, every head at once."""

import torch


def backward_attention(qkv, att, n_head, dy):
    # undo the forward pass line by line: merge <-> split heads, matmul, softmax, split qkv
    B, T, C = qkv.shape[0], qkv.shape[1], qkv.shape[2] // 3
    hs = C // n_head
    q, k, v = (t.view(B, T, n_head, hs).transpose(1, 2) for t in qkv.split(C, dim=2))
    dy_h = dy.view(B, T, n_head, hs).transpose(1, 2)  # (B, NH, T, hs), as y was merged
    datt = dy_h @ v.transpose(-2, -1)  # (B, NH, T, T)
    dv = att.transpose(-2, -1) @ dy_h  # (B, NH, T, hs)
    dpreatt = att * (datt - (att * datt).sum(-1, keepdim=True))  # kata 19's rule
    dq = dpreatt @ k / hs**0.5  # (B, NH, T, hs)
    dk = dpreatt.transpose(-2, -1) @ q / hs**0.5  # (B, NH, T, hs)
    merged = [d.transpose(1, 2).reshape(B, T, C) for d in (dq, dk, dv)]  # (B, T, C) each
    dqkv = torch.cat(merged, dim=2)  # (B, T, 3C), in the order of split
    return dqkv
