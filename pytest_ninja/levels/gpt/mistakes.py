"""Level 2's own mistakes: the ones only a GPT's ops have, for the core's diagnosis.

Generic rules (a flipped sign, a constant factor, the local derivative without the upstream
gradient, ...) are the core's (`core.diagnosis`); these name what only this model can get
wrong, in the forms the core runs in their places:

- `slips(kata)`: known wrong steps of a kata's backward pass: LayerNorm's mean or variance
  path forgotten, Bessel's C-1 where LayerNorm divides by C, eps dropped; GELU's exact (erf)
  derivative; softmax's row sum dropped or taken without att; heads split or merged in
  the wrong order, dq and dk swapped, a transpose forgotten; the ignored targets counted in
  the mean or given a gradient; a mean where a broadcast asks for a sum. The core
  propagates a slip through the rest of the pass, so kata 20's softmax mistakes read as
  kata 19's;
- `specific`: LayerNorm's statistics recomputed without eps, which makes dx and dweight
  wrong at once, and the attention's scale missing from (or squared in) both dq and dk: a
  slip is one wrong step, these are two;
- `located`: mistakes known by where the wrong entries sit (rows of tokens read more than
  once, rows of wpe no position reads, masked positions, ignored positions);
- `shaped`: a shape that one mistake makes (`dwpe` with T rows instead of the block's).
"""

from __future__ import annotations

import math

import torch

from pytest_ninja.core.diagnosis import Strength, Suspect, Verdict, verdict
from pytest_ninja.core.level import Kata, Slip
from pytest_ninja.core.problems import Problem
from pytest_ninja.levels.gpt import fused

# ---- the words, shared by a smaller kata and a larger one that has the same step -------------

MEAN_NOT_SUM = (
    "{grad} is averaged where it should be summed: {of} is added at every position (over B "
    "and T), so its gradient is the sum of what each one receives"
)
MEAN_PATH_DROPPED = (
    "LayerNorm's mean path is missing: x also flows through mean, so take g's mean over the "
    "channels away from g"
)
VARIANCE_PATH_DROPPED = (
    "LayerNorm's variance path is missing: x also flows through var and rstd, so take away "
    "xhat times the mean of g * xhat"
)
LAYERNORM_BESSEL = (
    "Bessel's correction where LayerNorm has none: its var divides by C (biased), so the "
    "variance path has no C/(C-1)"
)
LAYERNORM_WITHOUT_WEIGHT = (
    "weight is missing: the gradient at xhat is dout * weight, so every path of dx carries "
    "the weight"
)
LAYERNORM_WITHOUT_EPS = (
    "the variance's + 1e-5 is dropped: rstd = (var + 1e-5)**-0.5, and eps matters where a "
    "row's variance is as small as eps (use the rstd given)"
)
GELU_ERF = (
    "the exact GELU's derivative (with erf): the forward pass is the tanh form, whose "
    "derivative differs from it by up to ~1e-3"
)
GELU_WITHOUT_CUBIC = (
    "u's derivative is sqrt(2/pi) * (1 + 3 * 0.044715 * x**2): the x**3 term of u is "
    "forgotten in the chain rule"
)
GELU_ONE_TERM = (
    "only one term of the product rule: 0.5 * x * (1 + tanh(u)) also depends on x through "
    "tanh(u), which adds 0.5 * x * (1 - tanh(u)**2) * du/dx"
)
SOFTMAX_WITHOUT_SUM = (
    "softmax's row-sum term is missing: every entry of a row depends on every preatt of it, "
    "so take away att times the row's sum of att * datt"
)
SUM_WITHOUT_ATT = (
    "the row's sum of att * datt must be multiplied by att too: as written, gradient flows "
    "into the masked positions, whose preatt never reaches att"
)
ATTENTION_WITHOUT_SCALE = (
    "the attention's 1/sqrt(hs) is missing: preatt = q @ k.T / sqrt(hs), so dq and dk both "
    "carry that factor"
)
ATTENTION_SCALE_HS = "dq and dk divided by hs: the scale is 1/sqrt(hs), not 1/hs"
HEADS_SPLIT_WRONG = (
    "dy split into heads in the wrong order: y was merged by transpose(1, 2) then reshape, "
    "so dy splits back by view(B, T, NH, hs) then transpose(1, 2)"
)
HEADS_MERGED_WRONG = (
    "heads merged in the wrong order: q, k, v were split by view(B, T, NH, hs) then "
    "transpose(1, 2), so dq, dk, dv merge back by transpose(1, 2) then reshape(B, T, C)"
)
DQ_DK_SWAPPED = "dq and dk swapped in dqkv: split took q first, then k, then v"
DK_WITHOUT_TRANSPOSE = (
    "dk needs dpreatt transposed: key j collects from every query i that attended to it, "
    "dk = dpreatt.T @ q / sqrt(hs)"
)
DV_WITHOUT_TRANSPOSE = (
    "dv needs att transposed: value j collects from every position that attended to it, "
    "dv = att.T @ dy_h"
)
IGNORED_IN_MEAN = (
    "the ignored targets are counted in the mean: divide by N, the number of targets that "
    "are not -1, not by B*T"
)
IGNORED_GET_GRADIENT = (
    "the ignored positions get a gradient: a target of -1 is not in the loss, so its whole "
    "row of dlogits is 0"
)
IGNORE_INDEX_FORGOTTEN = (
    "ignore_index forgotten: a target of -1 is not in the loss, so its row of dlogits is 0, "
    "and the mean divides by N, the number of the others, not by B*T"
)
REPEATED_TOKENS = (
    "wrong only for tokens read more than once: their gradients must add up (index_add_), "
    "and dwte[idx] += dx keeps only one of them"
)
UNUSED_POSITIONS = (
    "wrong only in rows T.. of dwpe: no position reads them when T < block, so their gradient is 0"
)
MASKED_POSITIONS = (
    "gradient flows into masked positions (above the diagonal): their preatt never reaches "
    "att, so their dpreatt is exactly 0"
)
DWPE_OF_T_ROWS = (
    "dwpe has a row for each of the T positions used, but wpe has block rows: keep its shape "
    "(zeros_like(wpe)) and leave rows T.. at zero"
)

# ---- the formulas the slips are made of ---------------------------------------------------------


def _sum_bt(t: torch.Tensor) -> torch.Tensor:
    return t.sum((0, 1))


def _layernorm(
    v: dict,
    bessel: float = 1.0,
    mean_path: bool = True,
    var_path: bool = True,
    weight: bool = True,
    rstd=None,
) -> torch.Tensor:
    """LayerNorm's dx, its paths and factors as given."""
    x, mean, dout = v["x"], v["mean"], v["dout"]
    rstd = v["rstd"] if rstd is None else rstd
    xhat = (x - mean) * rstd
    g = dout * v["weight"] if weight else dout
    dx = g
    if mean_path:
        dx = dx - g.mean(-1, keepdim=True)
    if var_path:
        dx = dx - bessel * xhat * (g * xhat).mean(-1, keepdim=True)
    return rstd * dx


def _layernorm_without_eps(v: dict) -> torch.Tensor:
    x = v["x"]
    var = ((x - x.mean(-1, keepdim=True)) ** 2).mean(-1, keepdim=True)
    return _layernorm(v, rstd=var**-0.5)


def _layernorm_steps_without_eps(v: dict) -> torch.Tensor:
    """The steps through var, dvar without its + 1e-5 (rstd itself as given)."""
    x, mean, rstd = v["x"], v["mean"], v["rstd"]
    C = x.shape[-1]
    g = v["dout"] * v["weight"]
    diff = x - mean
    var = (diff**2).mean(-1, keepdim=True)
    dvar = -0.5 * var**-1.5 * (g * diff).sum(-1, keepdim=True)
    ddiff = rstd * g + 2 * diff / C * dvar
    return ddiff - ddiff.mean(-1, keepdim=True)


def _gelu_parts(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    k = math.sqrt(2 / math.pi)
    return torch.tanh(k * (x + 0.044715 * x**3)), torch.full_like(x, k)


def _gelu_erf(v: dict) -> torch.Tensor:
    x = v["x"]
    cdf = 0.5 * (1 + torch.erf(x / math.sqrt(2)))
    pdf = torch.exp(-0.5 * x**2) / math.sqrt(2 * math.pi)
    return v["dout"] * (cdf + x * pdf)


def _gelu_without_cubic(v: dict) -> torch.Tensor:
    x = v["x"]
    th, k = _gelu_parts(x)
    return v["dout"] * (0.5 * (1 + th) + 0.5 * x * (1 - th**2) * k)


def _gelu_one_term(v: dict) -> torch.Tensor:
    th, _ = _gelu_parts(v["x"])
    return v["dout"] * 0.5 * (1 + th)


def _softmax_without_sum(att: torch.Tensor, datt: torch.Tensor) -> torch.Tensor:
    return att * datt


def _sum_without_att(att: torch.Tensor, datt: torch.Tensor) -> torch.Tensor:
    return att * datt - (att * datt).sum(-1, keepdim=True)


def _sizes(v: dict) -> tuple[int, int, int, int, int]:
    B, T, C3 = v["qkv"].shape
    C = C3 // 3
    return B, T, C, v["n_head"], C // v["n_head"]


def _heads(v: dict, t: torch.Tensor) -> torch.Tensor:
    B, T, C, NH, hs = _sizes(v)
    return t.view(B, T, NH, hs).transpose(1, 2)


def _qkv(v: dict) -> tuple[torch.Tensor, ...]:
    _, _, C, _, _ = _sizes(v)
    return tuple(_heads(v, t) for t in v["qkv"].split(C, dim=2))


def _merged(v: dict, *grads: torch.Tensor, transpose: bool = True) -> torch.Tensor:
    B, T, C, _, _ = _sizes(v)
    parts = [(g.transpose(1, 2) if transpose else g).reshape(B, T, C) for g in grads]
    return torch.cat(parts, dim=2)


def _dk_without_transpose(v: dict) -> torch.Tensor:
    q, _, _ = _qkv(v)
    return v["dpreatt"] @ q / math.sqrt(_sizes(v)[4])


def _split_wrong(v: dict) -> torch.Tensor:
    B, T, C, NH, hs = _sizes(v)
    return v["dy"].reshape(B, NH, T, hs)


def _cross_entropy(v: dict, divide_by_all: bool = False, mask: bool = True) -> torch.Tensor:
    logits, targets = v["logits"], v["targets"]
    valid = targets != -1
    d = torch.softmax(logits, -1)
    d = d - torch.nn.functional.one_hot(targets.clamp(min=0), logits.shape[-1])
    if mask:
        d = d * valid.unsqueeze(-1)
    return d / (targets.numel() if divide_by_all else valid.sum())


def _ignored_get_softmax(v: dict) -> torch.Tensor:
    """softmax - one_hot with the ignored rows' one_hot empty: softmax / N there."""
    logits, targets = v["logits"], v["targets"]
    valid = targets != -1
    onehot = torch.nn.functional.one_hot(targets.clamp(min=0), logits.shape[-1])
    return (torch.softmax(logits, -1) - onehot * valid.unsqueeze(-1)) / valid.sum()


def _padded_mean(v: dict) -> torch.Tensor:
    dwpe = torch.zeros_like(v["wpe"])
    dwpe[: v["dx"].shape[1]] = v["dx"].mean(0)
    return dwpe


# ---- slips ------------------------------------------------------------------------------------

_SOFTMAX = (
    ("softmax-without-row-sum", SOFTMAX_WITHOUT_SUM, _softmax_without_sum),
    ("gradient-into-masked", SUM_WITHOUT_ATT, _sum_without_att),
)

SLIPS: dict[str, tuple[Slip, ...]] = {
    "15_backward_encoder": (
        Slip(
            "dwpe",
            "mean-not-sum",
            MEAN_NOT_SUM.format(grad="dwpe", of="wpe[t]").replace("(over B and T)", "(over B)"),
            _padded_mean,
        ),
    ),
    "16_backward_layernorm": (
        Slip(
            "dx", "mean-path-dropped", MEAN_PATH_DROPPED, lambda v: _layernorm(v, mean_path=False)
        ),
        Slip(
            "dx",
            "variance-path-dropped",
            VARIANCE_PATH_DROPPED,
            lambda v: _layernorm(v, var_path=False),
        ),
        Slip(
            "dx",
            "bessel-in-layernorm",
            LAYERNORM_BESSEL,
            lambda v: _layernorm(v, bessel=v["x"].shape[-1] / (v["x"].shape[-1] - 1)),
        ),
        Slip(
            "dx",
            "layernorm-without-weight",
            LAYERNORM_WITHOUT_WEIGHT,
            lambda v: _layernorm(v, weight=False),
        ),
        Slip("dx", "eps-dropped", LAYERNORM_WITHOUT_EPS, _layernorm_without_eps),
        Slip("dx", "eps-dropped", LAYERNORM_WITHOUT_EPS, _layernorm_steps_without_eps),
        Slip(
            "dweight",
            "mean-not-sum",
            MEAN_NOT_SUM.format(grad="dweight", of="weight"),
            lambda v: (v["dout"] * (v["x"] - v["mean"]) * v["rstd"]).mean((0, 1)),
        ),
        Slip(
            "dbias",
            "mean-not-sum",
            MEAN_NOT_SUM.format(grad="dbias", of="bias"),
            lambda v: v["dout"].mean((0, 1)),
        ),
    ),
    "17_backward_linear": (
        Slip(
            "dbias",
            "mean-not-sum",
            MEAN_NOT_SUM.format(grad="dbias", of="bias"),
            lambda v: v["dout"].mean((0, 1)),
        ),
        Slip(
            "dweight",
            "mean-not-sum",
            MEAN_NOT_SUM.format(grad="dweight", of="weight"),
            lambda v: v["dweight"] / (v["dout"].shape[0] * v["dout"].shape[1]),
        ),
    ),
    "18_backward_gelu": (
        Slip("dx", "erf-derivative", GELU_ERF, _gelu_erf),
        Slip("dx", "gelu-without-cubic", GELU_WITHOUT_CUBIC, _gelu_without_cubic),
        Slip("dx", "gelu-one-term", GELU_ONE_TERM, _gelu_one_term),
    ),
    "19_backward_causal_softmax": tuple(
        Slip("dpreatt", kind, words, lambda v, f=f: f(v["att"], v["datt"]))
        for kind, words, f in _SOFTMAX
    ),
    "20_backward_attention": (
        *(
            Slip("dpreatt", kind, words, lambda v, f=f: f(v["att"], v["datt"]))
            for kind, words, f in _SOFTMAX
        ),
        Slip("dy_h", "heads-split-wrong", HEADS_SPLIT_WRONG, _split_wrong),
        Slip(
            "dqkv",
            "heads-merged-wrong",
            HEADS_MERGED_WRONG,
            lambda v: _merged(v, v["dq"], v["dk"], v["dv"], transpose=False),
        ),
        Slip(
            "dqkv", "dq-dk-swapped", DQ_DK_SWAPPED, lambda v: _merged(v, v["dk"], v["dq"], v["dv"])
        ),
        Slip("dk", "dk-without-transpose", DK_WITHOUT_TRANSPOSE, _dk_without_transpose),
        Slip("dv", "dv-without-transpose", DV_WITHOUT_TRANSPOSE, lambda v: v["att"] @ v["dy_h"]),
    ),
    "21_backward_cross_entropy_seq": (
        Slip(
            "dlogits",
            "ignored-in-mean",
            IGNORED_IN_MEAN,
            lambda v: _cross_entropy(v, divide_by_all=True),
        ),
        Slip("dlogits", "ignored-get-gradient", IGNORED_GET_GRADIENT, _ignored_get_softmax),
        Slip(
            "dlogits",
            "ignored-get-gradient",
            IGNORED_GET_GRADIENT,
            lambda v: _cross_entropy(v, mask=False),
        ),
        Slip(
            "dlogits",
            "ignore-index-forgotten",
            IGNORE_INDEX_FORGOTTEN,
            lambda v: _cross_entropy(v, divide_by_all=True, mask=False),
        ),
    ),
}


def _attention_scaled(v: dict, scale: float) -> torch.Tensor:
    """Kata 20's dqkv with dq and dk scaled by `scale` instead of 1/sqrt(hs)."""
    q, k, vv = _qkv(v)
    dy_h, att = _heads(v, v["dy"]), v["att"]
    datt = dy_h @ vv.transpose(-2, -1)
    dpreatt = att * (datt - (att * datt).sum(-1, keepdim=True))
    dq, dk = dpreatt @ k * scale, dpreatt.transpose(-2, -1) @ q * scale
    return _merged(v, dq, dk, att.transpose(-2, -1) @ dy_h)


# Mistakes of two steps of kata 20 at once (kata 20's own are `specific`'s): in a fused kata,
# one wrong attention, so a slip at the attention's place
WHOLE_ATTENTION = (
    Slip(
        "dqkv",
        "attention-without-scale",
        ATTENTION_WITHOUT_SCALE,
        lambda v: _attention_scaled(v, 1.0),
    ),
    Slip(
        "dqkv",
        "attention-scale-hs",
        ATTENTION_SCALE_HS,
        lambda v: _attention_scaled(v, 1 / _sizes(v)[4]),
    ),
)
_OPS = SLIPS | {"20_backward_attention": SLIPS["20_backward_attention"] + WHOLE_ATTENTION}
SLIPS |= fused.slips_of(_OPS)  # kata 22's and 23's: the ops' at their places, and their own


def slips(kata: Kata) -> tuple[Slip, ...]:
    return SLIPS.get(kata.id, ())


# ---- one wrong quantity behind two outputs ---------------------------------------------------


def _floats(s: Suspect) -> dict:
    return {
        k: v.double() if isinstance(v, torch.Tensor) and v.is_floating_point() else v
        for k, v in s.inputs.items()
    }


def _statistics_without_eps(s: Suspect) -> Verdict | None:
    """rstd and xhat recomputed from x without the + 1e-5: dx and dweight both follow."""
    if s.kata.id != "16_backward_layernorm" or s.out not in ("dx", "dweight"):
        return None
    v = _floats(s)
    x = v["x"]
    diff = x - x.mean(-1, keepdim=True)
    inv = diff.pow(2).mean(-1, keepdim=True) ** -0.5
    if s.out == "dx":
        target = _layernorm(v, rstd=inv)
    else:
        target = (v["dout"] * diff * inv).sum((0, 1))
    if not s.fits(target, s.expected) and s.fits(s.got, target):
        return verdict("eps-dropped", LAYERNORM_WITHOUT_EPS)
    return None


def _attention_scale(s: Suspect) -> Verdict | None:
    """dq and dk, the first two thirds of dqkv, off by sqrt(hs) one way or the other, and dv
    right: the scale of preatt is in both of their steps (a slip is in one)."""
    if s.kata.id != "20_backward_attention":
        return None
    C = s.got.shape[-1] // 3
    hs = C // s.inputs["n_head"]
    for factor, kind, words in (
        (math.sqrt(hs), "attention-without-scale", ATTENTION_WITHOUT_SCALE),
        (1 / math.sqrt(hs), "attention-scale-hs", ATTENTION_SCALE_HS),
    ):
        target = s.expected.clone()
        target[..., : 2 * C] *= factor
        if s.fits(s.got, target):
            return verdict(kind, words, hs=hs)
    return None


def specific(s: Suspect) -> Verdict | None:
    for rule in (_statistics_without_eps, _attention_scale):
        found = rule(s)
        if found is not None:
            return found
    return None


# ---- known by where the wrong entries are -----------------------------------------------------


def _only(s: Suspect, where: torch.Tensor) -> bool:
    """Whether some entries are wrong and every one of them is inside `where`."""
    wrong = s.wrong
    return bool(wrong.any()) and not bool((wrong & ~where).any())


def _repeated_tokens(s: Suspect) -> Verdict | None:
    if s.out != "dwte" or "idx" not in s.inputs:
        return None
    counts = torch.bincount(s.inputs["idx"].flatten(), minlength=s.got.shape[0])
    if _only(s, (counts > 1)[:, None].expand_as(s.got)):
        return verdict("repeated-rows", REPEATED_TOKENS, Strength.LOCATED)
    return None


def _positions(inputs: dict) -> int | None:
    """T, the positions used: of the encoder's upstream gradient (kata 15) or of idx (23)."""
    given = inputs.get("dx", inputs.get("idx"))
    return None if given is None else given.shape[1]


def _unused_positions(s: Suspect) -> Verdict | None:
    T = _positions(s.inputs)
    if s.out != "dwpe" or T is None:
        return None
    unused = torch.zeros_like(s.wrong)
    unused[T:] = True
    if _only(s, unused):
        return verdict("unused-rows", UNUSED_POSITIONS, Strength.LOCATED)
    return None


def _masked_positions(s: Suspect) -> Verdict | None:
    if s.out != "dpreatt" or s.got.dim() != 4:
        return None
    T = s.got.shape[-1]
    masked = torch.ones(T, T, dtype=torch.bool).triu(1).expand_as(s.got)
    if bool((s.wrong & masked).any()):
        return verdict("gradient-into-masked", MASKED_POSITIONS, Strength.LOCATED)
    return None


def _ignored_positions(s: Suspect) -> Verdict | None:
    if s.out != "dlogits" or "targets" not in s.inputs:
        return None
    ignored = (s.inputs["targets"] == -1).unsqueeze(-1).expand_as(s.got)
    if _only(s, ignored):
        return verdict("ignored-get-gradient", IGNORED_GET_GRADIENT, Strength.LOCATED)
    return None


def located(s: Suspect) -> Verdict | None:
    """A mistake known by where its wrong entries are."""
    for rule in (_repeated_tokens, _unused_positions, _masked_positions, _ignored_positions):
        found = rule(s)
        if found is not None:
            return found
    return None


# ---- known by their shape ---------------------------------------------------------------------


def shaped(kata: Kata, out: str, got: tuple[int, ...], problem: Problem) -> Verdict | None:
    """A wrong shape that one known mistake makes."""
    T = _positions(problem.inputs)
    if out == "dwpe" and T is not None:
        C = problem.expected[out].shape[1]
        if got == (T, C) and problem.expected[out].shape[0] != T:
            return verdict("dwpe-of-T-rows", DWPE_OF_T_ROWS, rows=T)
    return None
