"""The lecture's model, in one place: vocabulary, dataset, init and the forward pass in atoms.

Everything the dojo grades against and trains with comes from here, under the lecture's names
(`emb`, `hprebn`, `bnvar_inv`, `logit_maxes`, ...). Randomness only ever comes from a seeded
`torch.Generator` passed in, never from the global RNG, so a cache is identical on every
machine.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from importlib import resources

import torch

VOCAB = ".abcdefghijklmnopqrstuvwxyz"  # '.' is 0, a..z are 1..26
VOCAB_SIZE = len(VOCAB)  # 27
BLOCK_SIZE = 3  # characters of context
N_EMBD = 10  # dimensions of a character's embedding
N_HIDDEN = 64  # hidden units in exercises 1-3 (exercise 4 trains with 200)
BATCH_SIZE = 32
SEED = 2147483647
BN_EPS = 1e-5

PARAMETER_NAMES = ("C", "W1", "b1", "W2", "b2", "bngain", "bnbias")

# The forward pass of exercises 1-3, one atom a line, in the lecture's order.
ATOMS = (
    "emb",
    "embcat",
    "hprebn",
    "bnmeani",
    "bndiff",
    "bndiff2",
    "bnvar",
    "bnvar_inv",
    "bnraw",
    "hpreact",
    "h",
    "logits",
    "logit_maxes",
    "norm_logits",
    "counts",
    "counts_sum",
    "counts_sum_inv",
    "probs",
    "logprobs",
    "loss",
)


def stoi(ch: str) -> int:
    return VOCAB.index(ch)


def itos(i: int) -> str:
    return VOCAB[i]


def shipped_words() -> list[str]:
    """The small word list the package ships: our own names, so no download is needed."""
    text = resources.files("pytest_ninja").joinpath("levels/mlp/words.txt").read_text("utf-8")
    lines = (line.strip() for line in text.splitlines())
    return [w for w in lines if w and not w.startswith("#")]


def build_dataset(
    words: list[str], block_size: int = BLOCK_SIZE
) -> tuple[torch.Tensor, torch.Tensor]:
    """Contexts X (N, block_size) and next characters Y (N,), as in the lecture."""
    xs, ys = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi(ch)
            xs.append(context)
            ys.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(xs, dtype=torch.int64), torch.tensor(ys, dtype=torch.int64)


def split_words(words: list[str], seed: int = 42) -> tuple[list[str], list[str], list[str]]:
    """The lecture's split: `random.seed(42)` shuffle, then 80% / 10% / 10%."""
    words = list(words)
    random.Random(seed).shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    return words[:n1], words[n1:n2], words[n2:]


@dataclass
class Params:
    """The network's seven parameters."""

    C: torch.Tensor  # (27, n_embd)
    W1: torch.Tensor  # (n_embd * block_size, n_hidden)
    b1: torch.Tensor  # (n_hidden,)
    W2: torch.Tensor  # (n_hidden, 27)
    b2: torch.Tensor  # (27,)
    bngain: torch.Tensor  # (1, n_hidden)
    bnbias: torch.Tensor  # (1, n_hidden)

    def as_dict(self) -> dict[str, torch.Tensor]:
        return {name: getattr(self, name) for name in PARAMETER_NAMES}

    def count(self) -> int:
        return sum(p.nelement() for p in self.as_dict().values())


def init_params(
    g: torch.Generator,
    n_hidden: int = N_HIDDEN,
    n_embd: int = N_EMBD,
    block_size: int = BLOCK_SIZE,
    dtype=torch.float32,
) -> Params:
    """The lecture's init; biases and BatchNorm deliberately not 0 and 1 (they would hide bugs)."""
    fan_in = n_embd * block_size
    C = torch.randn((VOCAB_SIZE, n_embd), generator=g)
    W1 = torch.randn((fan_in, n_hidden), generator=g) * (5 / 3) / fan_in**0.5
    b1 = torch.randn(n_hidden, generator=g) * 0.1
    W2 = torch.randn((n_hidden, VOCAB_SIZE), generator=g) * 0.1
    b2 = torch.randn(VOCAB_SIZE, generator=g) * 0.1
    bngain = torch.randn((1, n_hidden), generator=g) * 0.1 + 1.0
    bnbias = torch.randn((1, n_hidden), generator=g) * 0.1
    return Params(*(t.to(dtype) for t in (C, W1, b1, W2, b2, bngain, bnbias)))


def forward_atoms(p: Params, Xb: torch.Tensor, Yb: torch.Tensor) -> dict[str, torch.Tensor]:
    """The forward pass of exercise 1, broken into atoms; every intermediate under its name."""
    n = Xb.shape[0]
    emb = p.C[Xb]  # (n, 3, 10) embed the characters
    embcat = emb.view(emb.shape[0], -1)  # (n, 30) concatenate the vectors
    hprebn = embcat @ p.W1 + p.b1  # (n, n_hidden) hidden layer pre-activation
    bnmeani = 1 / n * hprebn.sum(0, keepdim=True)  # (1, n_hidden)
    bndiff = hprebn - bnmeani  # (n, n_hidden)
    bndiff2 = bndiff**2  # (n, n_hidden)
    bnvar = 1 / (n - 1) * bndiff2.sum(0, keepdim=True)  # (1, n_hidden) Bessel's correction
    bnvar_inv = (bnvar + BN_EPS) ** -0.5  # (1, n_hidden)
    bnraw = bndiff * bnvar_inv  # (n, n_hidden)
    hpreact = p.bngain * bnraw + p.bnbias  # (n, n_hidden)
    h = torch.tanh(hpreact)  # (n, n_hidden)
    logits = h @ p.W2 + p.b2  # (n, 27)
    logit_maxes = logits.max(1, keepdim=True).values  # (n, 1) for numerical stability
    norm_logits = logits - logit_maxes  # (n, 27)
    counts = norm_logits.exp()  # (n, 27)
    counts_sum = counts.sum(1, keepdim=True)  # (n, 1)
    counts_sum_inv = counts_sum**-1  # (n, 1)
    probs = counts * counts_sum_inv  # (n, 27)
    logprobs = probs.log()  # (n, 27)
    loss = -logprobs[range(n), Yb].mean()  # ()
    names = locals()
    return {name: names[name] for name in ATOMS}


def forward_fused(p: Params, Xb: torch.Tensor, Yb: torch.Tensor) -> dict[str, torch.Tensor]:
    """The forward pass of exercise 4: BatchNorm and cross-entropy in their fused forms."""
    emb = p.C[Xb]  # (n, 3, 10)
    embcat = emb.view(emb.shape[0], -1)  # (n, 30)
    hprebn = embcat @ p.W1 + p.b1  # (n, n_hidden)
    bnmean = hprebn.mean(0, keepdim=True)  # (1, n_hidden)
    bnvar = hprebn.var(0, keepdim=True, unbiased=True)  # (1, n_hidden)
    bnvar_inv = (bnvar + BN_EPS) ** -0.5  # (1, n_hidden)
    bnraw = (hprebn - bnmean) * bnvar_inv  # (n, n_hidden)
    hpreact = p.bngain * bnraw + p.bnbias  # (n, n_hidden)
    h = torch.tanh(hpreact)  # (n, n_hidden)
    logits = h @ p.W2 + p.b2  # (n, 27)
    loss = torch.nn.functional.cross_entropy(logits, Yb)  # ()
    return {
        "emb": emb,
        "embcat": embcat,
        "hprebn": hprebn,
        "bnmean": bnmean,
        "bnvar": bnvar,
        "bnvar_inv": bnvar_inv,
        "bnraw": bnraw,
        "hpreact": hpreact,
        "h": h,
        "logits": logits,
        "loss": loss,
    }
