"""Kata 14, solved: exercise 4, every parameter's gradient from the fused forward pass.

Written for speed as well as for reading, since `pytest-ninja train` runs it 200,000 times:
the fused forms of exercises 2 and 3, each (n, n_hidden) gradient updated in place rather than
copied, and one `index_add_` for the embedding.
"""

import torch
import torch.nn.functional as F


def backward_mlp(
    Xb, Yb, C, W1, b1, W2, b2, bngain, bnbias, emb, embcat, hprebn, bnvar_inv, bnraw, h, logits, n
):
    # cross-entropy (exercise 2): softmax, minus 1 at the target, over n
    dlogits = F.softmax(logits, 1)  # (n, 27)
    dlogits.scatter_(1, Yb.view(n, 1), -1.0, reduce="add")  # dlogits[range(n), Yb] -= 1
    dlogits /= n
    # output layer
    dh = dlogits @ W2.T  # (n, n_hidden)
    dW2 = h.T @ dlogits  # (n_hidden, 27)
    db2 = dlogits.sum(0)  # (27,)
    # tanh, from its output h
    dhpreact = dh.mul_(1.0 - h * h)  # (n, n_hidden)
    # BatchNorm's affine step
    dbngain = (bnraw * dhpreact).sum(0, keepdim=True)  # (1, n_hidden)
    dbnbias = dhpreact.sum(0, keepdim=True)  # (1, n_hidden)
    # BatchNorm (exercise 3), reusing the two sums above, in place over dhpreact:
    #   dhprebn = bngain*bnvar_inv/n * (n*dhpreact - dhpreact.sum(0)
    #                                   - n/(n-1) * bnraw * (dhpreact*bnraw).sum(0))
    # with the 1/n taken inside: bngain*bnvar_inv * (dhpreact - dbnbias/n - bnraw*dbngain/(n-1))
    dhprebn = dhpreact.sub_(dbnbias, alpha=1 / n)  # (n, n_hidden)
    dhprebn.addcmul_(bnraw, dbngain, value=-1 / (n - 1))  # (n, n_hidden)
    dhprebn *= bngain * bnvar_inv  # (n, n_hidden)
    # hidden layer
    dembcat = dhprebn @ W1.T  # (n, 30)
    dW1 = embcat.T @ dhprebn  # (30, n_hidden)
    db1 = dhprebn.sum(0)  # (n_hidden,)
    # embedding: a token used k times collects k gradients
    dC = torch.zeros_like(C)  # (27, 10)
    dC.index_add_(0, Xb.view(-1), dembcat.view(-1, C.shape[1]))
    return {
        "dC": dC,
        "dW1": dW1,
        "db1": db1,
        "dW2": dW2,
        "db2": db2,
        "dbngain": dbngain,
        "dbnbias": dbnbias,
    }
