"""The kata catalogue: which katas exist, what each reverses, takes and returns.

Pure data (no torch), so that the plugin, the command line and the progress panel can read it
without paying for an import. Names are the lecture's: a kata's inputs are forward tensors,
`n` and upstream gradients (`dhpreact`), its outputs the gradients it must return.

A kata's *frontier* names the forward tensors whose upstream gradient flows into it; the
grader injects reference (lecture phase) or random (stress phase) gradients there. `loss` as a
frontier means the kata starts at the loss, so its upstream gradient is 1.

A kata's *backward* is its backward pass, in the order the lecture computes it: each gradient
with the gradients it is computed from and the step in a few words. The atoms' katas (01-11)
return every gradient they compute; the fused ones (13, 14) compute some on the way without
returning them (dbnraw; dlogits, dh, dhpreact, dhprebn, dembcat), and the grader places a
mistake between those.
"""

from __future__ import annotations

from pytest_ninja.core.level import Kata, Step

KATAS: tuple[Kata, ...] = (
    Kata(
        number=1,
        name="backward_loss",
        title="back through the loss (exercise 1)",
        exercise=1,
        reverses=("loss = -logprobs[range(n), Yb].mean()",),
        inputs=("logprobs", "Yb", "n"),
        outputs=("dlogprobs",),
        frontier=("loss",),
        backward=(Step("dlogprobs", (), "the loss: a mean over the targets"),),
    ),
    Kata(
        number=2,
        name="backward_log",
        title="back through the log (exercise 1)",
        exercise=1,
        reverses=("logprobs = probs.log()",),
        inputs=("probs", "dlogprobs"),
        outputs=("dprobs",),
        frontier=("logprobs",),
        backward=(Step("dprobs", ("dlogprobs",), "log"),),
    ),
    Kata(
        number=3,
        name="backward_normalize",
        title="back through softmax's normalisation (exercise 1)",
        exercise=1,
        reverses=(
            "counts_sum = counts.sum(1, keepdim=True)",
            "counts_sum_inv = counts_sum**-1",
            "probs = counts * counts_sum_inv",
        ),
        inputs=("counts", "counts_sum", "counts_sum_inv", "dprobs"),
        outputs=("dcounts_sum_inv", "dcounts_sum", "dcounts"),
        frontier=("probs",),
        backward=(
            Step("dcounts_sum_inv", ("dprobs",), "probs = counts * counts_sum_inv"),
            Step("dcounts_sum", ("dcounts_sum_inv",), "counts_sum**-1"),
            Step("dcounts", ("dprobs", "dcounts_sum"), "both uses of counts"),
        ),
    ),
    Kata(
        number=4,
        name="backward_exp",
        title="back through exp (exercise 1)",
        exercise=1,
        reverses=("counts = norm_logits.exp()",),
        inputs=("norm_logits", "counts", "dcounts"),
        outputs=("dnorm_logits",),
        frontier=("counts",),
        backward=(Step("dnorm_logits", ("dcounts",), "exp"),),
    ),
    Kata(
        number=5,
        name="backward_max_shift",
        title="back through the max shift (exercise 1)",
        exercise=1,
        reverses=(
            "logit_maxes = logits.max(1, keepdim=True).values",
            "norm_logits = logits - logit_maxes",
        ),
        inputs=("logits", "logit_maxes", "dnorm_logits"),
        outputs=("dlogit_maxes", "dlogits"),
        scale_from=(("dlogit_maxes", "dnorm_logits"),),  # ~0 for the loss: softmax ignores shifts
        frontier=("norm_logits",),
        backward=(
            Step("dlogit_maxes", ("dnorm_logits",), "norm_logits = logits - logit_maxes"),
            Step("dlogits", ("dnorm_logits", "dlogit_maxes"), "both uses of logits"),
        ),
    ),
    Kata(
        number=6,
        name="backward_linear2",
        title="back through the output layer (exercise 1)",
        exercise=1,
        reverses=("logits = h @ W2 + b2",),
        inputs=("h", "W2", "b2", "dlogits"),
        outputs=("dh", "dW2", "db2"),
        frontier=("logits",),
        backward=(
            Step("dh", ("dlogits",), "the output layer"),
            Step("dW2", ("dlogits",), "the output layer"),
            Step("db2", ("dlogits",), "the output layer"),
        ),
    ),
    Kata(
        number=7,
        name="backward_tanh",
        title="back through tanh (exercise 1)",
        exercise=1,
        reverses=("h = torch.tanh(hpreact)",),
        inputs=("hpreact", "h", "dh"),
        outputs=("dhpreact",),
        frontier=("h",),
        backward=(Step("dhpreact", ("dh",), "tanh"),),
    ),
    Kata(
        number=8,
        name="backward_bn_affine",
        title="back through BatchNorm's gain and bias (exercise 1)",
        exercise=1,
        reverses=("hpreact = bngain * bnraw + bnbias",),
        inputs=("bngain", "bnraw", "bnbias", "dhpreact"),
        outputs=("dbngain", "dbnbias", "dbnraw"),
        frontier=("hpreact",),
        backward=(
            Step("dbngain", ("dhpreact",), "the gain"),
            Step("dbnbias", ("dhpreact",), "the bias"),
            Step("dbnraw", ("dhpreact",), "the gain"),
        ),
    ),
    Kata(
        number=9,
        name="backward_bn_stats",
        title="back through BatchNorm's statistics, atom by atom (exercise 1)",
        exercise=1,
        reverses=(
            "bnmeani = 1/n * hprebn.sum(0, keepdim=True)",
            "bndiff = hprebn - bnmeani",
            "bndiff2 = bndiff**2",
            "bnvar = 1/(n-1) * bndiff2.sum(0, keepdim=True)",
            "bnvar_inv = (bnvar + 1e-5)**-0.5",
            "bnraw = bndiff * bnvar_inv",
        ),
        inputs=("hprebn", "bnmeani", "bndiff", "bndiff2", "bnvar", "bnvar_inv", "n", "dbnraw"),
        outputs=("dbnvar_inv", "dbnvar", "dbndiff2", "dbndiff", "dbnmeani", "dhprebn"),
        frontier=("bnraw",),
        backward=(
            Step("dbnvar_inv", ("dbnraw",), "bnraw = bndiff * bnvar_inv"),
            Step("dbnvar", ("dbnvar_inv",), "bnvar_inv = (bnvar + 1e-5)**-0.5"),
            Step("dbndiff2", ("dbnvar",), "the variance's sum, with Bessel's 1/(n-1)"),
            Step("dbndiff", ("dbnraw", "dbndiff2"), "both uses of bndiff"),
            Step("dbnmeani", ("dbndiff",), "bndiff = hprebn - bnmeani"),
            Step("dhprebn", ("dbndiff", "dbnmeani"), "both uses of hprebn, with the mean's 1/n"),
        ),
    ),
    Kata(
        number=10,
        name="backward_linear1",
        title="back through the hidden layer (exercise 1)",
        exercise=1,
        reverses=("hprebn = embcat @ W1 + b1",),
        inputs=("embcat", "W1", "b1", "dhprebn"),
        outputs=("dembcat", "dW1", "db1"),
        scale_from=(("db1", "dhprebn"),),  # ~0 for the loss: BatchNorm removes any shift
        frontier=("hprebn",),
        backward=(
            Step("dembcat", ("dhprebn",), "the hidden layer"),
            Step("dW1", ("dhprebn",), "the hidden layer"),
            Step("db1", ("dhprebn",), "the hidden layer"),
        ),
    ),
    Kata(
        number=11,
        name="backward_embedding",
        title="back through the embedding (exercise 1)",
        exercise=1,
        reverses=(
            "emb = C[Xb]",
            "embcat = emb.view(emb.shape[0], -1)",
        ),
        inputs=("C", "Xb", "emb", "dembcat"),
        outputs=("demb", "dC"),
        frontier=("embcat",),
        backward=(
            Step("demb", ("dembcat",), "the view"),
            Step("dC", ("demb",), "the embedding lookup"),
        ),
    ),
    Kata(
        number=12,
        name="backward_cross_entropy",
        title="exercise 2: the cross-entropy gradient in one step",
        exercise=2,
        reverses=("loss = F.cross_entropy(logits, Yb)",),
        inputs=("logits", "Yb", "n"),
        outputs=("dlogits",),
        frontier=("loss",),
        backward=(Step("dlogits", (), "cross-entropy"),),
    ),
    Kata(
        number=13,
        name="backward_batchnorm",
        title="exercise 3: the BatchNorm gradient in one expression",
        exercise=3,
        reverses=(
            "bnmean = hprebn.mean(0, keepdim=True)",
            "bnvar = hprebn.var(0, keepdim=True, unbiased=True)",
            "bnvar_inv = (bnvar + 1e-5)**-0.5",
            "bnraw = (hprebn - bnmean) * bnvar_inv",
            "hpreact = bngain * bnraw + bnbias",
        ),
        inputs=("hprebn", "bngain", "bnvar_inv", "bnraw", "n", "dhpreact"),
        outputs=("dhprebn",),
        frontier=("hpreact",),
        backward=(
            Step("dbnraw", ("dhpreact",), "the gain"),
            Step("dhprebn", ("dbnraw",), "the normalisation: the mean, the variance and eps"),
        ),
    ),
    Kata(
        number=14,
        name="backward_mlp",
        title="exercise 4: the whole network's parameter gradients",
        exercise=4,
        reverses=(
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
        ),
        inputs=(
            "Xb",
            "Yb",
            "C",
            "W1",
            "b1",
            "W2",
            "b2",
            "bngain",
            "bnbias",
            "emb",
            "embcat",
            "hprebn",
            "bnvar_inv",
            "bnraw",
            "h",
            "logits",
            "n",
        ),
        outputs=("dC", "dW1", "db1", "dW2", "db2", "dbngain", "dbnbias"),
        scale_from=(("db1", "dhprebn"),),
        frontier=("loss",),
        backward=(
            Step("dlogits", (), "cross-entropy"),
            Step("dW2", ("dlogits",), "the output layer"),
            Step("db2", ("dlogits",), "the output layer"),
            Step("dh", ("dlogits",), "the output layer"),
            Step("dhpreact", ("dh",), "tanh"),
            Step("dbngain", ("dhpreact",), "BatchNorm's gain"),
            Step("dbnbias", ("dhpreact",), "BatchNorm's bias"),
            Step("dhprebn", ("dhpreact",), "BatchNorm"),
            Step("dW1", ("dhprebn",), "the hidden layer"),
            Step("db1", ("dhprebn",), "the hidden layer"),
            Step("dembcat", ("dhprebn",), "the hidden layer"),
            Step("dC", ("dembcat",), "the embedding"),
        ),
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


# What the sizes in those shapes are, as a stub tells the learner.
SIZES = (
    "Takes (n examples, n_hidden hidden units; 32 and 64 in the lecture, other sizes in the "
    "stress phase, so use n and the tensors' shapes rather than numbers)"
)


def shape_of(name: str) -> str:
    """The shape of a tensor or of a gradient (`dhpreact` has hpreact's shape)."""
    if name in SHAPES:
        return SHAPES[name]
    return SHAPES[name[1:]].replace(" int64", "")
