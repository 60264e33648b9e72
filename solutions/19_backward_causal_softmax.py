"""Kata 19, solved: back through the attention's causal softmax."""


def backward_causal_softmax(att, datt):
    # softmax's rule, row by row; masked entries of att are exactly 0, so they get exactly 0
    dpreatt = att * (datt - (att * datt).sum(-1, keepdim=True))  # (B, NH, T, T)
    return dpreatt
