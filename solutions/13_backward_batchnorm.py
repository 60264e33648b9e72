"""Kata 13, solved: exercise 3, the BatchNorm gradient in one expression."""


def backward_batchnorm(hprebn, bngain, bnvar_inv, bnraw, n, dhpreact):
    # n/(n-1) comes from Bessel's correction in the forward pass's variance
    dhprebn = (
        bngain
        * bnvar_inv
        / n
        * (n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
    )  # (n, n_hidden)
    return dhprebn
