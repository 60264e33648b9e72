"""Kata 09, solved: back through BatchNorm's statistics, one atom at a time."""

import torch


def backward_bn_stats(hprebn, bnmeani, bndiff, bndiff2, bnvar, bnvar_inv, n, dbnraw):
    # bnraw = bndiff * bnvar_inv: bnvar_inv (1, n_hidden) was broadcast over rows
    dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)  # (1, n_hidden)
    # bnvar_inv = (bnvar + 1e-5)**-0.5
    dbnvar = -0.5 * (bnvar + 1e-5) ** -1.5 * dbnvar_inv  # (1, n_hidden)
    # bnvar = 1/(n-1) * bndiff2.sum(0): a sum, so a broadcast back (Bessel's n-1)
    dbndiff2 = 1.0 / (n - 1) * torch.ones_like(bndiff2) * dbnvar  # (n, n_hidden)
    # bndiff feeds bnraw and bndiff2: two branches, added
    dbndiff = bnvar_inv * dbnraw + 2 * bndiff * dbndiff2  # (n, n_hidden)
    # bndiff = hprebn - bnmeani: bnmeani (1, n_hidden) was broadcast over rows
    dbnmeani = -dbndiff.sum(0, keepdim=True)  # (1, n_hidden)
    # hprebn feeds bndiff and bnmeani: two branches, added
    dhprebn = dbndiff.clone() + 1.0 / n * torch.ones_like(hprebn) * dbnmeani  # (n, n_hidden)
    return {
        "dbnvar_inv": dbnvar_inv,
        "dbnvar": dbnvar,
        "dbndiff2": dbndiff2,
        "dbndiff": dbndiff,
        "dbnmeani": dbnmeani,
        "dhprebn": dhprebn,
    }
