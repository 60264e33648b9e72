"""Kata 03, solved: back through the softmax normalisation (sum, inverse, product)."""


def backward_normalize(counts, counts_sum, counts_sum_inv, dprobs):
    # probs = counts * counts_sum_inv: counts_sum_inv (n, 1) was broadcast over 27 columns,
    # so its gradient sums over them
    dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)  # (n, 1)
    # counts_sum_inv = counts_sum**-1
    dcounts_sum = -(counts_sum**-2) * dcounts_sum_inv  # (n, 1)
    # counts is used twice: in probs directly, and through counts_sum (a sum, so a broadcast back)
    dcounts = counts_sum_inv * dprobs  # (n, 27) first branch
    dcounts = dcounts + dcounts_sum.expand_as(counts)  # (n, 27) second branch
    return {"dcounts_sum_inv": dcounts_sum_inv, "dcounts_sum": dcounts_sum, "dcounts": dcounts}
