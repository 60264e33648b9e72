"""The kata catalogue: which katas exist, what each reverses, takes and returns.

Pure data (no torch), so that the plugin, the command line and the progress panel can read it
without paying for an import. Names are the lecture's: a kata's inputs are forward tensors,
`n` and upstream gradients (`dhpreact`), its outputs the gradients it must return.

A kata's *frontier* names the forward tensors whose upstream gradient flows into it; the
grader injects reference (lecture phase) or random (stress phase) gradients there. `loss` as a
frontier means the kata starts at the loss, so its upstream gradient is 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Kata:
    """One kata: one file `katas/NN_name.py` with one function `name`."""

    number: int
    name: str
    exercise: int
    reverses: tuple[str, ...]  # the forward lines, as in the lecture
    inputs: tuple[str, ...]  # the function's parameters, exactly
    outputs: tuple[str, ...]  # the gradients it returns, one graded check each
    frontier: tuple[str, ...]  # tensors whose upstream gradient the kata receives

    @property
    def id(self) -> str:
        return f"{self.number:02d}_{self.name}"

    @property
    def filename(self) -> str:
        return f"{self.id}.py"

    @property
    def upstream(self) -> tuple[str, ...]:
        """The upstream gradients among the inputs (`dhpreact`, ...)."""
        return tuple(f"d{t}" for t in self.frontier if t != "loss")


def _kata(number, name, exercise, reverses, inputs, outputs, frontier) -> Kata:
    return Kata(
        number,
        name,
        exercise,
        tuple(reverses),
        tuple(inputs.split()),
        tuple(outputs.split()),
        tuple(frontier.split()),
    )


KATAS: tuple[Kata, ...] = (
    _kata(
        1,
        "backward_loss",
        1,
        ["loss = -logprobs[range(n), Yb].mean()"],
        "logprobs Yb n",
        "dlogprobs",
        "loss",
    ),
    _kata(
        2, "backward_log", 1, ["logprobs = probs.log()"], "probs dlogprobs", "dprobs", "logprobs"
    ),
    _kata(
        3,
        "backward_normalize",
        1,
        [
            "counts_sum = counts.sum(1, keepdim=True)",
            "counts_sum_inv = counts_sum**-1",
            "probs = counts * counts_sum_inv",
        ],
        "counts counts_sum counts_sum_inv dprobs",
        "dcounts_sum_inv dcounts_sum dcounts",
        "probs",
    ),
    _kata(
        4,
        "backward_exp",
        1,
        ["counts = norm_logits.exp()"],
        "norm_logits counts dcounts",
        "dnorm_logits",
        "counts",
    ),
    _kata(
        5,
        "backward_max_shift",
        1,
        ["logit_maxes = logits.max(1, keepdim=True).values", "norm_logits = logits - logit_maxes"],
        "logits logit_maxes dnorm_logits",
        "dlogit_maxes dlogits",
        "norm_logits",
    ),
    _kata(
        6,
        "backward_linear2",
        1,
        ["logits = h @ W2 + b2"],
        "h W2 b2 dlogits",
        "dh dW2 db2",
        "logits",
    ),
    _kata(7, "backward_tanh", 1, ["h = torch.tanh(hpreact)"], "hpreact h dh", "dhpreact", "h"),
    _kata(
        8,
        "backward_bn_affine",
        1,
        ["hpreact = bngain * bnraw + bnbias"],
        "bngain bnraw bnbias dhpreact",
        "dbngain dbnbias dbnraw",
        "hpreact",
    ),
    _kata(
        9,
        "backward_bn_stats",
        1,
        [
            "bnmeani = 1/n * hprebn.sum(0, keepdim=True)",
            "bndiff = hprebn - bnmeani",
            "bndiff2 = bndiff**2",
            "bnvar = 1/(n-1) * bndiff2.sum(0, keepdim=True)",
            "bnvar_inv = (bnvar + 1e-5)**-0.5",
            "bnraw = bndiff * bnvar_inv",
        ],
        "hprebn bnmeani bndiff bndiff2 bnvar bnvar_inv n dbnraw",
        "dbnvar_inv dbnvar dbndiff2 dbndiff dbnmeani dhprebn",
        "bnraw",
    ),
    _kata(
        10,
        "backward_linear1",
        1,
        ["hprebn = embcat @ W1 + b1"],
        "embcat W1 b1 dhprebn",
        "dembcat dW1 db1",
        "hprebn",
    ),
    _kata(
        11,
        "backward_embedding",
        1,
        ["emb = C[Xb]", "embcat = emb.view(emb.shape[0], -1)"],
        "C Xb emb dembcat",
        "demb dC",
        "embcat",
    ),
    _kata(
        12,
        "backward_cross_entropy",
        2,
        ["loss = F.cross_entropy(logits, Yb)"],
        "logits Yb n",
        "dlogits",
        "loss",
    ),
    _kata(
        13,
        "backward_batchnorm",
        3,
        [
            "bnmean = hprebn.mean(0, keepdim=True)",
            "bnvar = hprebn.var(0, keepdim=True, unbiased=True)",
            "bnvar_inv = (bnvar + 1e-5)**-0.5",
            "bnraw = (hprebn - bnmean) * bnvar_inv",
            "hpreact = bngain * bnraw + bnbias",
        ],
        "hprebn bngain bnvar_inv bnraw n dhpreact",
        "dhprebn",
        "hpreact",
    ),
    _kata(
        14,
        "backward_mlp",
        4,
        [
            "emb = C[Xb]",
            "embcat = emb.view(emb.shape[0], -1)",
            "hprebn = embcat @ W1 + b1",
            "bnmean = hprebn.mean(0, keepdim=True)",
            "bnvar = hprebn.var(0, keepdim=True, unbiased=True)",
            "bnvar_inv = (bnvar + 1e-5)**-0.5",
            "bnraw = (hprebn - bnmean) * bnvar_inv",
            "hpreact = bngain * bnraw + bnbias",
            "h = torch.tanh(hpreact)",
            "logits = h @ W2 + b2",
            "loss = F.cross_entropy(logits, Yb)",
        ],
        "Xb Yb C W1 b1 W2 b2 bngain bnbias emb embcat hprebn bnvar_inv bnraw h logits n",
        "dC dW1 db1 dW2 db2 dbngain dbnbias",
        "loss",
    ),
)

# Every tensor's shape, for n examples and n_hidden hidden units (32 and 64 in the lecture).
SHAPES: dict[str, str] = {
    "Xb": "(n, 3) int64",
    "Yb": "(n,) int64",
    "C": "(27, 10)",
    "emb": "(n, 3, 10)",
    "embcat": "(n, 30)",
    "W1": "(30, n_hidden)",
    "b1": "(n_hidden,)",
    "hprebn": "(n, n_hidden)",
    "bnmeani": "(1, n_hidden)",
    "bndiff": "(n, n_hidden)",
    "bndiff2": "(n, n_hidden)",
    "bnvar": "(1, n_hidden)",
    "bnvar_inv": "(1, n_hidden)",
    "bnraw": "(n, n_hidden)",
    "bngain": "(1, n_hidden)",
    "bnbias": "(1, n_hidden)",
    "hpreact": "(n, n_hidden)",
    "h": "(n, n_hidden)",
    "W2": "(n_hidden, 27)",
    "b2": "(27,)",
    "logits": "(n, 27)",
    "logit_maxes": "(n, 1)",
    "norm_logits": "(n, 27)",
    "counts": "(n, 27)",
    "counts_sum": "(n, 1)",
    "counts_sum_inv": "(n, 1)",
    "probs": "(n, 27)",
    "logprobs": "(n, 27)",
    "loss": "()",
    "n": "int",
}


def shape_of(name: str) -> str:
    """The shape of a tensor or of a gradient (`dhpreact` has hpreact's shape)."""
    if name in SHAPES:
        return SHAPES[name]
    return SHAPES[name[1:]].replace(" int64", "")


BY_ID: dict[str, Kata] = {k.id: k for k in KATAS}
_KATA_FILE = re.compile(r"^(\d\d)_([a-z0-9_]+)$")


def find(key: str) -> Kata | None:
    """The kata named by its id (`09_backward_bn_stats`), number (`09`, `9`) or name."""
    key = key.strip().removesuffix(".py")
    key = key.rsplit("/", 1)[-1]
    if key in BY_ID:
        return BY_ID[key]
    if key.isdigit():
        return next((k for k in KATAS if k.number == int(key)), None)
    return next((k for k in KATAS if k.name == key), None)


def kata_for_file(stem: str) -> Kata | None:
    """The kata a file stem belongs to (`09_backward_bn_stats`), or None for other files."""
    return BY_ID.get(stem) if _KATA_FILE.match(stem) else None


def total_checks() -> int:
    return sum(len(k.outputs) for k in KATAS)
