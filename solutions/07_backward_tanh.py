"""Kata 07, solved: back through tanh."""


def backward_tanh(hpreact, h, dh):
    # d/dx tanh(x) = 1 - tanh(x)**2, and tanh(x) is the output h
    dhpreact = (1.0 - h**2) * dh  # (n, n_hidden)
    return dhpreact
