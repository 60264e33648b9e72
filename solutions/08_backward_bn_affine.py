"""Kata 08, solved: back through BatchNorm's gain and bias."""


def backward_bn_affine(bngain, bnraw, bnbias, dhpreact):
    # hpreact = bngain * bnraw + bnbias; bngain and bnbias (1, n_hidden) were broadcast over rows
    dbngain = (bnraw * dhpreact).sum(0, keepdim=True)  # (1, n_hidden)
    dbnbias = dhpreact.sum(0, keepdim=True)  # (1, n_hidden)
    dbnraw = bngain * dhpreact  # (n, n_hidden)
    return {"dbngain": dbngain, "dbnbias": dbnbias, "dbnraw": dbnraw}
