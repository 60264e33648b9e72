"""Kata 16, solved: back through LayerNorm."""


def backward_layernorm(x, weight, bias, mean, rstd, dout):
    # three paths into x: the direct one, through the mean, through the variance
    xhat = (x - mean) * rstd  # (B, T, C)
    g = dout * weight  # (B, T, C) the gradient at xhat
    dx = rstd * (
        g - g.mean(-1, keepdim=True) - xhat * (g * xhat).mean(-1, keepdim=True)
    )  # (B, T, C), the means over the C channels of each position
    dweight = (dout * xhat).sum((0, 1))  # (C,) weight was broadcast over B and T
    dbias = dout.sum((0, 1))  # (C,)
    return {"dx": dx, "dweight": dweight, "dbias": dbias}
