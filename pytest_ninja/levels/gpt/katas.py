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
from pytest_ninja.levels.gpt import layout

LEVEL = 2
CHAPTER = 1  # the ops one by one
WHOLE = 2  # a whole block, then the whole GPT: the ops chained
N_LAYER = 2  # the GPT's blocks, in every phase
BLOCK_PARAMS = tuple(layout.BLOCK_PARAMETERS)
GPT_PARAMS = layout.parameter_names(N_LAYER)


def _block_steps(h: str, dout: str, dx: str) -> tuple[Step, ...]:
    """A block's backward pass, from `dout` (its output's gradient) to `dx` (its input's),
    its names under `h` ("" in kata 22, "h.1." in kata 23)."""

    def params(layer: str, source: str, via: str) -> tuple[Step, ...]:
        return tuple(Step(f"d{h}{layer}.{p}", (source,), via) for p in ("weight", "bias"))

    d = f"d{h}"
    return (
        *params("mlp.c_proj", dout, "the MLP's output projection mlp.c_proj"),
        Step(d + "mlp.gelu.out", (dout,), "the MLP's output projection mlp.c_proj"),
        Step(d + "mlp.c_fc.out", (d + "mlp.gelu.out",), "GELU"),
        *params("mlp.c_fc", d + "mlp.c_fc.out", "the MLP's first layer mlp.c_fc"),
        Step(d + "ln_2.out", (d + "mlp.c_fc.out",), "the MLP's first layer mlp.c_fc"),
        *params("ln_2", d + "ln_2.out", "LayerNorm ln_2"),
        Step(d + "x2", (dout, d + "ln_2.out"), "ln_2 and the MLP's residual skip"),
        *params("attn.c_proj", d + "x2", "the attention's output projection attn.c_proj"),
        Step(d + "attn.y", (d + "x2",), "the attention's output projection attn.c_proj"),
        Step(d + "attn.c_attn.out", (d + "attn.y",), "kata 20's attention"),
        *params("attn.c_attn", d + "attn.c_attn.out", "the attention's input layer attn.c_attn"),
        Step(d + "ln_1.out", (d + "attn.c_attn.out",), "the attention's input layer attn.c_attn"),
        *params("ln_1", d + "ln_1.out", "LayerNorm ln_1"),
        Step(dx, (d + "x2", d + "ln_1.out"), "ln_1 and the attention's residual skip"),
    )


def _gpt_steps() -> tuple[Step, ...]:
    """The whole GPT's backward pass: the loss, the tied output layer, ln_f, each block from
    the last, the encoder."""
    last = f"dh.{N_LAYER - 1}.out"
    steps = [
        Step("dlogits", (), "kata 21's cross-entropy"),
        Step("dln_f.out", ("dlogits",), "the tied output layer logits = ln_f.out @ wte.T"),
        Step("dln_f.weight", ("dln_f.out",), "LayerNorm ln_f"),
        Step("dln_f.bias", ("dln_f.out",), "LayerNorm ln_f"),
        Step(last, ("dln_f.out",), "LayerNorm ln_f"),
    ]
    for i in reversed(range(N_LAYER)):
        below = "dx" if i == 0 else f"dh.{i - 1}.out"
        steps += _block_steps(f"h.{i}.", f"dh.{i}.out", below)
    return (
        *steps,
        Step("dwpe", ("dx",), "the position embedding"),
        Step("dwte", ("dlogits", "dx"), "wte's two uses: the tied output layer and the encoder"),
    )


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
    Kata(
        number=22,
        name="backward_block",
        title="back through a whole transformer block, both residual branches",
        exercise=WHOLE,
        reverses=(
            "p, c = params, cache  # what each op computed is in c, under the names below",
            'c["ln_1.out"] = layernorm(x, p["ln_1.weight"], p["ln_1.bias"])  # kata 16',
            'c["attn.c_attn.out"] = linear(c["ln_1.out"], p["attn.c_attn.weight"], ...)  # 17',
            'c["attn.y"] = attention(c["attn.c_attn.out"], n_head)  # kata 20, with c["attn.att"]',
            'c["attn.c_proj.out"] = linear(c["attn.y"], p["attn.c_proj.weight"], ...)',
            'c["x2"] = x + c["attn.c_proj.out"]  # the residual stream',
            'c["ln_2.out"] = layernorm(c["x2"], p["ln_2.weight"], p["ln_2.bias"])',
            'c["mlp.c_fc.out"] = linear(c["ln_2.out"], p["mlp.c_fc.weight"], ...)',
            'c["mlp.gelu.out"] = gelu(c["mlp.c_fc.out"])  # kata 18',
            'c["mlp.c_proj.out"] = linear(c["mlp.gelu.out"], p["mlp.c_proj.weight"], ...)',
            'out = c["x2"] + c["mlp.c_proj.out"]',
        ),
        inputs=("x", "params", "cache", "n_head", "dout"),
        outputs=("dx", *(f"d{p}" for p in BLOCK_PARAMS)),
        frontier=("out",),
        backward=_block_steps("", "dout", "dx"),
        level=LEVEL,
        notes=(
            ("n_head", "the number of heads NH"),
            ("params", "the block's parameters, by nanoGPT's names:"),
            ("cache", "what the forward pass kept:"),
        ),
        groups=(("params", BLOCK_PARAMS), ("cache", tuple(layout.BLOCK_CACHE))),
        grads=BLOCK_PARAMS,
    ),
    Kata(
        number=23,
        name="backward_gpt",
        title="the whole GPT's backward pass, weight tying and all",
        exercise=WHOLE,
        reverses=(
            "p, c = params, cache  # what each op computed is in c, under the names below",
            'c["x"] = p["wte"][idx] + p["wpe"][torch.arange(T)]  # kata 15',
            'c["h.0.out"] = block(c["x"], p["h.0. ..."], n_head)  # kata 22, cache under h.0.',
            'c["h.1.out"] = block(c["h.0.out"], p["h.1. ..."], n_head)',
            'c["ln_f.out"] = layernorm(c["h.1.out"], p["ln_f.weight"], p["ln_f.bias"])',
            'c["logits"] = c["ln_f.out"] @ p["wte"].T  # tied: wte is used twice',
            "loss = F.cross_entropy(c['logits'].view(-1, V), targets.view(-1), ignore_index=-1)",
        ),
        inputs=("idx", "targets", "params", "cache", "n_head"),
        outputs=tuple(f"d{p}" for p in GPT_PARAMS),
        frontier=("loss",),
        backward=_gpt_steps(),
        level=LEVEL,
        notes=(
            ("targets", "-1 past a word's end: ignored"),
            ("n_head", "the number of heads NH"),
            ("params", "every parameter, by nanoGPT's names (i = 0, 1: two blocks):"),
            ("cache", "what the forward pass kept, each block's under h.{i}.:"),
        ),
        groups=(("params", GPT_PARAMS), ("cache", layout.cache_names(N_LAYER))),
        grads=GPT_PARAMS,
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
    """The shape of a tensor or of a gradient (`dx` has x's shape), as the level says it: a
    kata's own, a parameter or a cached tensor of the GPT's (`h.0.ln_1.weight`), its grad."""
    if name in SHAPES:
        return SHAPES[name]
    if name in ("params", "cache"):
        return "dict"
    if (found := layout.shape(name)) is not None:
        return found
    if name.startswith("d") and (found := layout.shape(name[1:])) is not None:
        return found
    return SHAPES[name[1:]].replace(" int64", "")
