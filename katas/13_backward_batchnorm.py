"""Kata 13: exercise 3: the BatchNorm gradient in one expression."""

import torch
import torch.nn.functional as F


def backward_batchnorm(hprebn, bngain, bnvar_inv, bnraw, n, dhpreact):
    """Write the backward pass of these forward lines by hand:

        bnmean = hprebn.mean(0, keepdim=True)
        bnvar = hprebn.var(0, keepdim=True, unbiased=True)
        bnvar_inv = (bnvar + 1e-5)**-0.5
        bnraw = (hprebn - bnmean) * bnvar_inv
        hpreact = bngain * bnraw + bnbias

    Takes (n examples, n_hidden hidden units; 32 and 64 in the lecture, other sizes in the
    stress phase, so use n and the tensors' shapes rather than numbers):
        hprebn     (n, n_hidden)
        bngain     (1, n_hidden)
        bnvar_inv  (1, n_hidden)
        bnraw      (n, n_hidden)
        n          int            the batch size
        dhpreact   (n, n_hidden)  upstream gradient: d loss / d hpreact

    Returns dhprebn, a tensor of hprebn's shape:
        dhprebn    (n, n_hidden)  d loss / d hprebn

    Check it with: pytest katas/13_backward_batchnorm.py
    """
    raise NotImplementedError
