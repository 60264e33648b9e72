"""Kata 09: back through BatchNorm's statistics, atom by atom (exercise 1)."""

import torch
import torch.nn.functional as F


def backward_bn_stats(hprebn, bnmeani, bndiff, bndiff2, bnvar, bnvar_inv, n, dbnraw):
    """Write the backward pass of these forward lines by hand:

        bnmeani = 1/n * hprebn.sum(0, keepdim=True)
        bndiff = hprebn - bnmeani
        bndiff2 = bndiff**2
        bnvar = 1/(n-1) * bndiff2.sum(0, keepdim=True)
        bnvar_inv = (bnvar + 1e-5)**-0.5
        bnraw = bndiff * bnvar_inv

    Takes (n examples, n_hidden hidden units; 32 and 64 in the lecture, other sizes in the
    stress phase, so use n and the tensors' shapes rather than numbers):
        hprebn      (n, n_hidden)
        bnmeani     (1, n_hidden)
        bndiff      (n, n_hidden)
        bndiff2     (n, n_hidden)
        bnvar       (1, n_hidden)
        bnvar_inv   (1, n_hidden)
        n           int            the batch size
        dbnraw      (n, n_hidden)  upstream gradient: d loss / d bnraw

    Returns a dict keyed by these names (fill it one key at a time: a missing key
    is reported as todo):
        dbnvar_inv  (1, n_hidden)  d loss / d bnvar_inv
        dbnvar      (1, n_hidden)  d loss / d bnvar
        dbndiff2    (n, n_hidden)  d loss / d bndiff2
        dbndiff     (n, n_hidden)  d loss / d bndiff
        dbnmeani    (1, n_hidden)  d loss / d bnmeani
        dhprebn     (n, n_hidden)  d loss / d hprebn

    Check it with: pytest katas/09_backward_bn_stats.py
    """
    raise NotImplementedError
