"""Kata 16: back through LayerNorm."""

import torch
import torch.nn.functional as F


def backward_layernorm(x, weight, bias, mean, rstd, dout):
    """Write the backward pass of these forward lines by hand:

        mean = x.mean(-1, keepdim=True)
        var = ((x - mean)**2).mean(-1, keepdim=True)  # biased: divides by C
        rstd = (var + 1e-5)**-0.5
        xhat = (x - mean) * rstd
        out = xhat * weight + bias

    Takes (B sequences of T positions, C channels, NH heads of hs = C/NH channels, V = 27
    tokens, block = 16 rows of wpe; B = 8, T = 16, C = 48 and 4 heads in the lecture phase,
    other sizes with T < block in the stress phase, so use the tensors' shapes rather than
    numbers):
        x        (B, T, C)
        weight   (C,)
        bias     (C,)
        mean     (B, T, 1)
        rstd     (B, T, 1)
        dout     (B, T, C)      upstream gradient: d loss / d out

    Returns a dict keyed by these names (fill it one key at a time: a missing key
    is reported as todo):
        dx       (B, T, C)      d loss / d x
        dweight  (C,)           d loss / d weight
        dbias    (C,)           d loss / d bias

    Check it with: pytest katas/16_backward_layernorm.py
    """
    raise NotImplementedError
