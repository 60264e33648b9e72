"""Kata 02: back through the log (exercise 1)."""

import torch
import torch.nn.functional as F


def backward_log(probs, dlogprobs):
    """Write the backward pass of these forward lines by hand:

        logprobs = probs.log()

    Takes (n examples, n_hidden hidden units; 32 and 64 in the lecture, other sizes in the
    stress phase, so use n and the tensors' shapes rather than numbers):
        probs      (n, 27)
        dlogprobs  (n, 27)        upstream gradient: d loss / d logprobs

    Returns dprobs, a tensor of probs's shape:
        dprobs     (n, 27)        d loss / d probs

    Check it with: pytest katas/02_backward_log.py
    """
    raise NotImplementedError
