"""Kata 05: back through the max shift (exercise 1)."""

import torch
import torch.nn.functional as F


def backward_max_shift(logits, logit_maxes, dnorm_logits):
    """Write the backward pass of these forward lines by hand:

        logit_maxes = logits.max(1, keepdim=True).values
        norm_logits = logits - logit_maxes

    Takes (n examples, n_hidden hidden units; 32 and 64 in the lecture, other sizes in the
    stress phase, so use n and the tensors' shapes rather than numbers):
        logits        (n, 27)
        logit_maxes   (n, 1)
        dnorm_logits  (n, 27)        upstream gradient: d loss / d norm_logits

    Returns a dict keyed by these names (fill it one key at a time: a missing key
    is reported as todo):
        dlogit_maxes  (n, 1)         d loss / d logit_maxes
        dlogits       (n, 27)        d loss / d logits

    Check it with: pytest katas/05_backward_max_shift.py
    """
    raise NotImplementedError
