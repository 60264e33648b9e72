"""Kata 17, solved: back through a linear layer."""


def backward_linear(inp, weight, bias, dout):
    # flatten (B, T) into one axis of rows: then it is the lecture's linear layer
    C, OC = inp.shape[-1], dout.shape[-1]
    dinp = dout @ weight  # (B, T, OC) @ (OC, C) -> (B, T, C)
    dweight = dout.reshape(-1, OC).T @ inp.reshape(-1, C)  # (OC, B*T) @ (B*T, C) -> (OC, C)
    dbias = dout.sum((0, 1))  # (OC,) bias was broadcast over B and T
    return {"dinp": dinp, "dweight": dweight, "dbias": dbias}
