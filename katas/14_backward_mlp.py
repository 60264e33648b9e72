"""Kata 14: exercise 4: the whole network's parameter gradients."""

import torch
import torch.nn.functional as F


def backward_mlp(
    Xb, Yb, C, W1, b1, W2, b2, bngain, bnbias, emb, embcat, hprebn, bnvar_inv, bnraw, h, logits, n
):
    """Write the backward pass of these forward lines by hand:

        emb = C[Xb]
        embcat = emb.view(emb.shape[0], -1)
        hprebn = embcat @ W1 + b1
        bnmean = hprebn.mean(0, keepdim=True)
        bnvar = hprebn.var(0, keepdim=True, unbiased=True)
        bnvar_inv = (bnvar + 1e-5)**-0.5
        bnraw = (hprebn - bnmean) * bnvar_inv
        hpreact = bngain * bnraw + bnbias
        h = torch.tanh(hpreact)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Yb)

    Takes (n examples, n_hidden hidden units; 32 and 64 in the lecture, other sizes in the
    stress phase, so use n and the tensors' shapes rather than numbers):
        Xb         (n, 3) int64
        Yb         (n,) int64
        C          (27, 10)
        W1         (30, n_hidden)
        b1         (n_hidden,)
        W2         (n_hidden, 27)
        b2         (27,)
        bngain     (1, n_hidden)
        bnbias     (1, n_hidden)
        emb        (n, 3, 10)
        embcat     (n, 30)
        hprebn     (n, n_hidden)
        bnvar_inv  (1, n_hidden)
        bnraw      (n, n_hidden)
        h          (n, n_hidden)
        logits     (n, 27)
        n          int            the batch size

    The kata starts at the loss itself, so there is no upstream gradient to take in.

    Returns a dict keyed by these names (fill it one key at a time: a missing key
    is reported as todo):
        dC         (27, 10)       d loss / d C
        dW1        (30, n_hidden) d loss / d W1
        db1        (n_hidden,)    d loss / d b1
        dW2        (n_hidden, 27) d loss / d W2
        db2        (27,)          d loss / d b2
        dbngain    (1, n_hidden)  d loss / d bngain
        dbnbias    (1, n_hidden)  d loss / d bnbias

    Check it with: pytest katas/14_backward_mlp.py
    """
    raise NotImplementedError
