"""Kata 19: back through the attention's causal softmax."""

import torch
import torch.nn.functional as F


def backward_causal_softmax(att, datt):
    """Write the backward pass of these forward lines by hand:

        T = preatt.shape[-1]
        mask = torch.tril(torch.ones(T, T))
        att = F.softmax(preatt.masked_fill(mask == 0, float("-inf")), dim=-1)

    Takes (B sequences of T positions, C channels, NH heads of hs = C/NH channels, V = 27
    tokens, block = 16 rows of wpe; B = 8, T = 16, C = 48 and 4 heads in the lecture phase,
    other sizes with T < block in the stress phase, so use the tensors' shapes rather than
    numbers):
        att      (B, NH, T, T)
        datt     (B, NH, T, T)  upstream gradient: d loss / d att

    Returns dpreatt, a tensor of preatt's shape:
        dpreatt  (B, NH, T, T)  d loss / d preatt

    Check it with: pytest katas/19_backward_causal_softmax.py
    """
    raise NotImplementedError
