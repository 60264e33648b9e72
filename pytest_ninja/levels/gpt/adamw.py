"""AdamW, written by the dojo: the update `pytest-ninja train --level 2` applies to the GPT.

The same numbers as `torch.optim.AdamW` (decoupled weight decay: the weights shrink by
`lr * weight_decay` before the Adam step, not through the gradient), on a list of tensors
updated in place with torch's `_foreach_` ops, one call for all of them. As nanoGPT does, only
the 2-D parameters decay (the embeddings and the linear layers' weights); biases and
LayerNorms' gains do not. The gradients come from anywhere: the learner's `backward_gpt` or
autograd's `.grad`, so both runs of `--compare` take exactly the same update.
"""

from __future__ import annotations

import math

import torch


class AdamW:
    """Adam's moments for each parameter, and the step that updates them all in place."""

    def __init__(
        self,
        params: list[torch.Tensor],
        betas: tuple[float, float] = (0.9, 0.99),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        self.params = params
        self.betas, self.eps, self.weight_decay = betas, eps, weight_decay
        self.decayed = [p for p in params if p.dim() >= 2]  # nanoGPT's rule
        self.m = [torch.zeros_like(p) for p in params]  # the mean of the gradients
        self.v = [torch.zeros_like(p) for p in params]  # the mean of their squares
        self.t = 0  # steps taken

    def step(self, grads: list[torch.Tensor], lr: float) -> None:
        """One update with these gradients (in the order of `params`); call under no_grad."""
        beta1, beta2 = self.betas
        self.t += 1
        if self.weight_decay and self.decayed:  # decoupled: p -= lr * wd * p
            torch._foreach_mul_(self.decayed, 1 - lr * self.weight_decay)
        torch._foreach_lerp_(self.m, grads, 1 - beta1)  # m = beta1 m + (1 - beta1) g
        torch._foreach_mul_(self.v, beta2)  # v = beta2 v + (1 - beta2) g^2
        torch._foreach_addcmul_(self.v, grads, grads, value=1 - beta2)
        # bias-corrected: p -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
        denom = torch._foreach_sqrt(self.v)
        torch._foreach_div_(denom, math.sqrt(1 - beta2**self.t))
        torch._foreach_add_(denom, self.eps)
        torch._foreach_addcdiv_(self.params, self.m, denom, value=-lr / (1 - beta1**self.t))
