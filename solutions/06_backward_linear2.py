"""Kata 06, solved: back through the output layer."""


def backward_linear2(h, W2, b2, dlogits):
    # logits = h @ W2 + b2; match the shapes and the formulas follow
    dh = dlogits @ W2.T  # (n, 27) @ (27, n_hidden) -> (n, n_hidden)
    dW2 = h.T @ dlogits  # (n_hidden, n) @ (n, 27) -> (n_hidden, 27)
    db2 = dlogits.sum(0)  # (27,) b2 was broadcast over the batch
    return {"dh": dh, "dW2": dW2, "db2": db2}
