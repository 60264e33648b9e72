"""Kata 07: back through tanh (exercise 1)."""

import torch
import torch.nn.functional as F


def backward_tanh(hpreact, h, dh):
    """Write the backward pass of these forward lines by hand:

        h = torch.tanh(hpreact)

    Takes (n examples, n_hidden hidden units; 32 and 64 in the lecture, other sizes in the
    stress phase, so use n and the tensors' shapes rather than numbers):
        hpreact   (n, n_hidden)
        h         (n, n_hidden)
        dh        (n, n_hidden)  upstream gradient: d loss / d h

    Returns dhpreact, a tensor of hpreact's shape:
        dhpreact  (n, n_hidden)  d loss / d hpreact

    Check it with: pytest katas/07_backward_tanh.py
    """
    raise NotImplementedError
