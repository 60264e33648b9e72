"""Kata 15: back through the token and position embeddings."""

import torch
import torch.nn.functional as F


def backward_encoder(idx, wte, wpe, dx):
    """Write the backward pass of these forward lines by hand:

        B, T = idx.shape
        x = wte[idx] + wpe[torch.arange(T)]

    Takes (B sequences of T positions, C channels, NH heads of hs = C/NH channels, V = 27
    tokens, block = 16 rows of wpe; B = 8, T = 16, C = 48 and 4 heads in the lecture phase,
    other sizes with T < block in the stress phase, so use the tensors' shapes rather than
    numbers):
        idx   (B, T) int64
        wte   (V, C)
        wpe   (block, C)
        dx    (B, T, C)      upstream gradient: d loss / d x

    Returns a dict keyed by these names (fill it one key at a time: a missing key
    is reported as todo):
        dwte  (V, C)         d loss / d wte
        dwpe  (block, C)     d loss / d wpe

    Check it with: pytest katas/15_backward_encoder.py
    """
    raise NotImplementedError
