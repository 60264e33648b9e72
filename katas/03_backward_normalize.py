"""Kata 03: back through softmax's normalisation (exercise 1)."""

import torch
import torch.nn.functional as F


def backward_normalize(counts, counts_sum, counts_sum_inv, dprobs):
    """Write the backward pass of these forward lines by hand:

        counts_sum = counts.sum(1, keepdim=True)
        counts_sum_inv = counts_sum**-1
        probs = counts * counts_sum_inv

    Takes (n examples, n_hidden hidden units; 32 and 64 in the lecture, other sizes in the
    stress phase, so use n and the tensors' shapes rather than numbers):
        counts           (n, 27)
        counts_sum       (n, 1)
        counts_sum_inv   (n, 1)
        dprobs           (n, 27)        upstream gradient: d loss / d probs

    Returns a dict keyed by these names (fill it one key at a time: a missing key
    is reported as todo):
        dcounts_sum_inv  (n, 1)         d loss / d counts_sum_inv
        dcounts_sum      (n, 1)         d loss / d counts_sum
        dcounts          (n, 27)        d loss / d counts

    Check it with: pytest katas/03_backward_normalize.py
    """
    raise NotImplementedError
