"""Kata 10, solved: back through the hidden layer."""


def backward_linear1(embcat, W1, b1, dhprebn):
    # hprebn = embcat @ W1 + b1
    dembcat = dhprebn @ W1.T  # (n, n_hidden) @ (n_hidden, 30) -> (n, 30)
    dW1 = embcat.T @ dhprebn  # (30, n) @ (n, n_hidden) -> (30, n_hidden)
    db1 = dhprebn.sum(0)  # (n_hidden,)
    return {"dembcat": dembcat, "dW1": dW1, "db1": db1}
