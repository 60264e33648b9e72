"""Kata 01: back through the loss (exercise 1)."""

import torch
import torch.nn.functional as F


def backward_loss(logprobs, Yb, n):
    """Write the backward pass of these forward lines by hand:

        loss = -logprobs[range(n), Yb].mean()

    Takes (n examples, n_hidden hidden units; 32 and 64 in the lecture, other sizes in the
    stress phase, so use n and the tensors' shapes rather than numbers):
        logprobs   (n, 27)
        Yb         (n,) int64
        n          int            the batch size

    The kata starts at the loss itself, so there is no upstream gradient to take in.

    Returns dlogprobs, a tensor of logprobs's shape:
        dlogprobs  (n, 27)        d loss / d logprobs

    Check it with: pytest katas/01_backward_loss.py
    """
    raise NotImplementedError
