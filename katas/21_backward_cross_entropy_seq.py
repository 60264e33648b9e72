"""Kata 21: the cross-entropy of a sequence, ignored targets and all."""

import torch
import torch.nn.functional as F


def backward_cross_entropy_seq(logits, targets):
    """Write the backward pass of these forward lines by hand:

        B, T, V = logits.shape
        loss = F.cross_entropy(logits.view(-1, V), targets.view(-1), ignore_index=-1)

    Takes (B sequences of T positions, C channels, NH heads of hs = C/NH channels, V = 27
    tokens, block = 16 rows of wpe; B = 8, T = 16, C = 48 and 4 heads in the lecture phase,
    other sizes with T < block in the stress phase, so use the tensors' shapes rather than
    numbers):
        logits   (B, T, V)
        targets  (B, T) int64   -1 past a word's end: ignored

    The kata starts at the loss itself, so there is no upstream gradient to take in.

    Returns dlogits, a tensor of logits's shape:
        dlogits  (B, T, V)      d loss / d logits

    Check it with: pytest katas/21_backward_cross_entropy_seq.py
    """
    raise NotImplementedError
