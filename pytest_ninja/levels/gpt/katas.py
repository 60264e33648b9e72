"""Level 2's kata catalogue: a GPT's ops, one kata each, what each reverses, takes and returns.

Pure data (no torch). A kata's inputs are the op's own tensors under the names an op of
nanoGPT or llm.c would give them (`x`, `weight`, `bias`, `mean`, `rstd`, `inp`, `qkv`,
`att`), its upstream gradient (`dout`, `dx`, `datt`, `dy`) and, for the attention, the head
count `n_head`; its outputs the gradients it must return. The grader cuts each kata out of
one GPT forward pass at one op (`caches`), so the gradients are those of the real model.

Shapes are in the GPT's sizes (B sequences, T positions, C channels, NH heads of hs = C/NH
channels, V = 27 tokens, `block` positions of `wpe`); where one name has two shapes in two
katas (a LayerNorm's weight (C,), a linear layer's (OC, C)), the kata says its own
(`Kata.shapes`).
"""

from __future__ import annotations

from pytest_ninja.core.level import Kata, Step

LEVEL = 2
CHAPTER = 1  # the ops one by one (a block and the whole GPT come next)

KATAS: tuple[Kata, ...] = (
    Kata(
        number=15,
        name="backward_encoder",
        title="back through the token and position embeddings",
        exercise=CHAPTER,
        reverses=("B, T = idx.shape", "x = wte[idx] + wpe[torch.arange(T)]"),
        inputs=("idx", "wte", "wpe", "dx"),
        outputs=("dwte", "dwpe"),
        frontier=("x",),
        backward=(
            Step("dwte", ("dx",), "the token embedding lookup"),
            Step("dwpe", ("dx",), "the position embedding"),
        ),
        level=LEVEL,
    ),
    Kata(
        number=16,
        name="backward_layernorm",
        title="back through LayerNorm",
        exercise=CHAPTER,
        reverses=(
            "mean = x.mean(-1, keepdim=True)",
            "var = ((x - mean)**2).mean(-1, keepdim=True)  # biased: divides by C",
            "rstd = (var + 1e-5)**-0.5",
            "xhat = (x - mean) * rstd",
            "out = xhat * weight + bias",
        ),
        inputs=("x", "weight", "bias", "mean", "rstd", "dout"),
        outputs=("dx", "dweight", "dbias"),
        frontier=("out",),
        backward=(
            Step("dx", ("dout",), "the normalisation: its direct path, the mean's, the variance's"),
            Step("dweight", ("dout",), "the weight"),
            Step("dbias", ("dout",), "the bias"),
        ),
        level=LEVEL,
    ),
    Kata(
        number=17,
        name="backward_linear",
        title="back through a linear layer",
        exercise=CHAPTER,
        reverses=("out = inp @ weight.T + bias",),
        inputs=("inp", "weight", "bias", "dout"),
        outputs=("dinp", "dweight", "dbias"),
        frontier=("out",),
        backward=(
            Step("dinp", ("dout",), "the linear layer"),
            Step("dweight", ("dout",), "the linear layer"),
            Step("dbias", ("dout",), "the linear layer"),
        ),
        level=LEVEL,
        shapes=(("weight", "(OC, C)"), ("bias", "(OC,)"), ("out", "(B, T, OC)")),
    ),
    Kata(
        number=18,
        name="backward_gelu",
        title="back through GELU, the tanh form",
        exercise=CHAPTER,
        reverses=(
            "out = 0.5 * x * (1 + torch.tanh((2 / torch.pi) ** 0.5 * (x + 0.044715 * x**3)))",
        ),
        inputs=("x", "dout"),
        outputs=("dx",),
        frontier=("out",),
        backward=(Step("dx", ("dout",), "GELU"),),
        level=LEVEL,
        shapes=(("x", "(B, T, 4C)"), ("out", "(B, T, 4C)")),
    ),
    Kata(
        number=19,
        name="backward_causal_softmax",
        title="back through the attention's causal softmax",
        exercise=CHAPTER,
        reverses=(
            "T = preatt.shape[-1]",
            "mask = torch.tril(torch.ones(T, T))",
            'att = F.softmax(preatt.masked_fill(mask == 0, float("-inf")), dim=-1)',
        ),
        inputs=("att", "datt"),
        outputs=("dpreatt",),
        frontier=("att",),
        backward=(Step("dpreatt", ("datt",), "the causal softmax"),),
        level=LEVEL,
    ),
    Kata(
        number=20,
        name="backward_attention",
        title="back through causal self-attention, every head at once",
        exercise=CHAPTER,
        reverses=(
            "B, T, C = qkv.shape[0], qkv.shape[1], qkv.shape[2] // 3",
            "NH, hs = n_head, C // n_head",
            "q, k, v = qkv.split(C, dim=2)",
            "q = q.view(B, T, NH, hs).transpose(1, 2)",
            "k = k.view(B, T, NH, hs).transpose(1, 2)",
            "v = v.view(B, T, NH, hs).transpose(1, 2)",
            "preatt = q @ k.transpose(-2, -1) / hs**0.5",
            "mask = torch.tril(torch.ones(T, T))",
            'att = F.softmax(preatt.masked_fill(mask == 0, float("-inf")), dim=-1)',
            "y_h = att @ v",
            "y = y_h.transpose(1, 2).reshape(B, T, C)",
        ),
        inputs=("qkv", "att", "n_head", "dy"),
        outputs=("dqkv",),
        frontier=("y",),
        backward=(
            Step("dy_h", ("dy",), "splitting dy into heads"),
            Step("datt", ("dy_h",), "y_h = att @ v"),
            Step("dv", ("dy_h",), "y_h = att @ v"),
            Step("dpreatt", ("datt",), "the causal softmax"),
            Step("dq", ("dpreatt",), "preatt = q @ k.T / sqrt(hs)"),
            Step("dk", ("dpreatt",), "preatt = q @ k.T / sqrt(hs)"),
            Step("dqkv", ("dq", "dk", "dv"), "merging the heads back into qkv"),
        ),
        level=LEVEL,
        notes=(("n_head", "the number of heads NH"),),
    ),
    Kata(
        number=21,
        name="backward_cross_entropy_seq",
        title="the cross-entropy of a sequence, ignored targets and all",
        exercise=CHAPTER,
        reverses=(
            "B, T, V = logits.shape",
            "loss = F.cross_entropy(logits.view(-1, V), targets.view(-1), ignore_index=-1)",
        ),
        inputs=("logits", "targets"),
        outputs=("dlogits",),
        frontier=("loss",),
        backward=(Step("dlogits", (), "cross-entropy over the targets that are not -1"),),
        level=LEVEL,
        notes=(("targets", "-1 past a word's end: ignored"),),
    ),
)

# Every tensor's shape, in the GPT's sizes; a kata's own where it differs (`Kata.shapes`).
SHAPES: dict[str, str] = {
    "idx": "(B, T) int64",
    "targets": "(B, T) int64",
    "wte": "(V, C)",
    "wpe": "(block, C)",
    "x": "(B, T, C)",
    "weight": "(C,)",
    "bias": "(C,)",
    "mean": "(B, T, 1)",
    "rstd": "(B, T, 1)",
    "out": "(B, T, C)",
    "inp": "(B, T, C)",
    "qkv": "(B, T, 3C)",
    "preatt": "(B, NH, T, T)",
    "att": "(B, NH, T, T)",
    "y": "(B, T, C)",
    "logits": "(B, T, V)",
    "loss": "()",
    "n_head": "int",
}

SIZES = (
    "Takes (B sequences of T positions, C channels, NH heads of hs = C/NH channels, V = 27 "
    "tokens, block = 16 rows of wpe; B = 8, T = 16, C = 48 and 4 heads in the lecture phase, "
    "other sizes with T < block in the stress phase, so use the tensors' shapes rather than "
    "numbers)"
)


def shape_of(name: str) -> str:
    """The shape of a tensor or of a gradient (`dx` has x's shape), as the level says it."""
    if name in SHAPES:
        return SHAPES[name]
    return SHAPES[name[1:]].replace(" int64", "")
