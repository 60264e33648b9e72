"""Kata 06: back through the output layer (exercise 1)."""

import torch
import torch.nn.functional as F


def backward_linear2(h, W2, b2, dlogits):
    """Write the backward pass of these forward lines by hand:

        logits = h @ W2 + b2

    Takes (n examples, n_hidden hidden units; 32 and 64 in the lecture, other sizes in the
    stress phase, so use n and the tensors' shapes rather than numbers):
        h        (n, n_hidden)
        W2       (n_hidden, 27)
        b2       (27,)
        dlogits  (n, 27)        upstream gradient: d loss / d logits

    Returns a dict keyed by these names (fill it one key at a time: a missing key
    is reported as todo):
        dh       (n, n_hidden)  d loss / d h
        dW2      (n_hidden, 27) d loss / d W2
        db2      (27,)          d loss / d b2

    Check it with: pytest katas/06_backward_linear2.py
    """
    raise NotImplementedError
