"""Kata 04: back through exp (exercise 1)."""

import torch
import torch.nn.functional as F


def backward_exp(norm_logits, counts, dcounts):
    """Write the backward pass of these forward lines by hand:

        counts = norm_logits.exp()

    Takes (n examples, n_hidden hidden units; 32 and 64 in the lecture, other sizes in the
    stress phase, so use n and the tensors' shapes rather than numbers):
        norm_logits   (n, 27)
        counts        (n, 27)
        dcounts       (n, 27)        upstream gradient: d loss / d counts

    Returns dnorm_logits, a tensor of norm_logits's shape:
        dnorm_logits  (n, 27)        d loss / d norm_logits

    Check it with: pytest katas/04_backward_exp.py
    """
    raise NotImplementedError
