"""Kata 04, solved: back through exp."""


def backward_exp(norm_logits, counts, dcounts):
    # d/dx exp(x) = exp(x), which the forward pass already computed: counts
    dnorm_logits = counts * dcounts  # (n, 27)
    return dnorm_logits
