"""Kata 20: back through causal self-attention, every head at once."""

import torch
import torch.nn.functional as F


def backward_attention(qkv, att, n_head, dy):
    """Write the backward pass of these forward lines by hand:

        B, T, C = qkv.shape[0], qkv.shape[1], qkv.shape[2] // 3
        NH, hs = n_head, C // n_head
        q, k, v = qkv.split(C, dim=2)
        q = q.view(B, T, NH, hs).transpose(1, 2)
        k = k.view(B, T, NH, hs).transpose(1, 2)
        v = v.view(B, T, NH, hs).transpose(1, 2)
        preatt = q @ k.transpose(-2, -1) / hs**0.5
        mask = torch.tril(torch.ones(T, T))
        att = F.softmax(preatt.masked_fill(mask == 0, float("-inf")), dim=-1)
        y_h = att @ v
        y = y_h.transpose(1, 2).reshape(B, T, C)

    Takes (B sequences of T positions, C channels, NH heads of hs = C/NH channels, V = 27
    tokens, block = 16 rows of wpe; B = 8, T = 16, C = 48 and 4 heads in the lecture phase,
    other sizes with T < block in the stress phase, so use the tensors' shapes rather than
    numbers):
        qkv     (B, T, 3C)
        att     (B, NH, T, T)
        n_head  int            the number of heads NH
        dy      (B, T, C)      upstream gradient: d loss / d y

    Returns dqkv, a tensor of qkv's shape:
        dqkv    (B, T, 3C)     d loss / d qkv

    Check it with: pytest katas/20_backward_attention.py
    """
    raise NotImplementedError
