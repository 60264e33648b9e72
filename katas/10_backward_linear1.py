"""Kata 10: back through the hidden layer (exercise 1)."""

import torch
import torch.nn.functional as F


def backward_linear1(embcat, W1, b1, dhprebn):
    """Write the backward pass of these forward lines by hand:

        hprebn = embcat @ W1 + b1

    Takes (n examples, n_hidden hidden units; 32 and 64 in the lecture, other sizes in the
    stress phase, so use n and the tensors' shapes rather than numbers):
        embcat   (n, 30)
        W1       (30, n_hidden)
        b1       (n_hidden,)
        dhprebn  (n, n_hidden)  upstream gradient: d loss / d hprebn

    Returns a dict keyed by these names (fill it one key at a time: a missing key
    is reported as todo):
        dembcat  (n, 30)        d loss / d embcat
        dW1      (30, n_hidden) d loss / d W1
        db1      (n_hidden,)    d loss / d b1

    Check it with: pytest katas/10_backward_linear1.py
    """
    raise NotImplementedError
