"""Kata 17: back through a linear layer."""

import torch
import torch.nn.functional as F


def backward_linear(inp, weight, bias, dout):
    """Write the backward pass of these forward lines by hand:

        out = inp @ weight.T + bias

    Takes (B sequences of T positions, C channels, NH heads of hs = C/NH channels, V = 27
    tokens, block = 16 rows of wpe; B = 8, T = 16, C = 48 and 4 heads in the lecture phase,
    other sizes with T < block in the stress phase, so use the tensors' shapes rather than
    numbers):
        inp      (B, T, C)
        weight   (OC, C)
        bias     (OC,)
        dout     (B, T, OC)     upstream gradient: d loss / d out

    Returns a dict keyed by these names (fill it one key at a time: a missing key
    is reported as todo):
        dinp     (B, T, C)      d loss / d inp
        dweight  (OC, C)        d loss / d weight
        dbias    (OC,)          d loss / d bias

    Check it with: pytest katas/17_backward_linear.py
    """
    raise NotImplementedError
