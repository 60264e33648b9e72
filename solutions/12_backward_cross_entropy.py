"""Kata 12, solved: exercise 2, the cross-entropy gradient in one step."""

import torch.nn.functional as F


def backward_cross_entropy(logits, Yb, n):
    # each row: the probabilities, minus 1 at the target, averaged over the batch
    dlogits = F.softmax(logits, 1)  # (n, 27)
    dlogits[range(n), Yb] -= 1
    dlogits /= n
    return dlogits
