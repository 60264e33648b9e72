"""Kata 11: back through the embedding (exercise 1)."""

import torch
import torch.nn.functional as F


def backward_embedding(C, Xb, emb, dembcat):
    """Write the backward pass of these forward lines by hand:

        emb = C[Xb]
        embcat = emb.view(emb.shape[0], -1)

    Takes (n examples, n_hidden hidden units; 32 and 64 in the lecture, other sizes in the
    stress phase, so use n and the tensors' shapes rather than numbers):
        C        (27, 10)
        Xb       (n, 3) int64
        emb      (n, 3, 10)
        dembcat  (n, 30)        upstream gradient: d loss / d embcat

    Returns a dict keyed by these names (fill it one key at a time: a missing key
    is reported as todo):
        demb     (n, 3, 10)     d loss / d emb
        dC       (27, 10)       d loss / d C

    Check it with: pytest katas/11_backward_embedding.py
    """
    raise NotImplementedError
