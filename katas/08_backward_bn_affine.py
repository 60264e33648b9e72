"""Kata 08: back through BatchNorm's gain and bias (exercise 1)."""

import torch
import torch.nn.functional as F


def backward_bn_affine(bngain, bnraw, bnbias, dhpreact):
    """Write the backward pass of these forward lines by hand:

        hpreact = bngain * bnraw + bnbias

    Takes (n examples, n_hidden hidden units; 32 and 64 in the lecture, other sizes in the
    stress phase, so use n and the tensors' shapes rather than numbers):
        bngain    (1, n_hidden)
        bnraw     (n, n_hidden)
        bnbias    (1, n_hidden)
        dhpreact  (n, n_hidden)  upstream gradient: d loss / d hpreact

    Returns a dict keyed by these names (fill it one key at a time: a missing key
    is reported as todo):
        dbngain   (1, n_hidden)  d loss / d bngain
        dbnbias   (1, n_hidden)  d loss / d bnbias
        dbnraw    (n, n_hidden)  d loss / d bnraw

    Check it with: pytest katas/08_backward_bn_affine.py
    """
    raise NotImplementedError
