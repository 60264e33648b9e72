"""Level 2's hints: three levels for every kata, worked examples, and the chapters of
"Let's build GPT: from scratch, in code, spelled out" (Neural Networks: Zero to Hero).

Pure data, no torch; rendering is the core's (`core.hints`). Level 1 is a nudge, level 2
names the rule, level 3 is nearly the formula and ends with a worked example small enough to
check by hand; the tests recompute every number an example shows with autograd. No hint
holds the complete solution code. LayerNorm's hint links llm.c's notes on its backward pass,
the whole GPT's llm.c's own hand-written backward pass of GPT-2.
"""

from __future__ import annotations

from pytest_ninja.core.hints import Example, Hints, text
from pytest_ninja.core.level import Kata
from pytest_ninja.levels.gpt.katas import KATAS

VIDEO = "https://www.youtube.com/watch?v=kCc8FmEb1nY"
LAYERNORM_NOTES = "https://github.com/karpathy/llm.c/blob/master/doc/layernorm/layernorm.md"
LLM_C = "https://github.com/karpathy/llm.c/blob/master/train_gpt2.c"  # GPT-2's backward by hand

# The video's chapters (start in seconds, title) that cover a kata, in the video's order.
CHAPTERS: dict[int, str] = {
    1331: "simplest baseline: bigram language model, loss, generation",
    3282: "version 3: adding softmax",
    3618: "positional encoding",
    3720: "THE CRUX OF THE VIDEO: version 4: self-attention",
    4616: 'note 6: "scaled" self-attention. why divide by sqrt(head_size)',
    5065: "feedforward layers of transformer block",
    5208: "residual connections",
    5571: "layernorm (and its relationship to our previous batchnorm)",
    6382: "super quick walkthrough of nanoGPT, batched multi-headed self-attention",
}
# each kata's chapters, its main one first
_STARTS: dict[str, tuple[int, ...]] = {
    "15_backward_encoder": (3618,),
    "16_backward_layernorm": (5571,),
    "17_backward_linear": (5065,),
    "18_backward_gelu": (5065,),
    "19_backward_causal_softmax": (3282, 3720),
    "20_backward_attention": (3720, 4616, 6382),
    "21_backward_cross_entropy_seq": (1331,),
    "22_backward_block": (5208, 5065),
    "23_backward_gpt": (6382, 5208),
}


def _starts(kata: Kata) -> tuple[int, ...]:
    return _STARTS[kata.id]


HINTS: dict[str, tuple[str, str, str]] = {
    "15_backward_encoder": (
        text(
            "x adds a row of wte, picked by each token, and a row of wpe, picked by each",
            "position. A lookup hands its gradient back to the row it read: and a row read",
            "twice, or never?",
        ),
        text(
            "Start both gradients at zero. Every dx[b, t] goes to row idx[b, t] of dwte, and",
            "a token repeated in the batch adds up (index_add_ does; an indexed += keeps only",
            "one of them). wpe[t] is added to every sequence, so dwpe's row t sums dx over",
            "the batch; rows T.. of wpe were never read when T < block.",
        ),
        text(
            "dwte: zeros of wte's shape, then index_add_ along dim 0 with idx flattened and",
            "dx as (B*T, C) rows. dwpe: zeros of wpe's shape (block, C), its first T rows dx",
            "summed over dim 0; it keeps that shape even when T < block.",
        ),
    ),
    "16_backward_layernorm": (
        text(
            "x reaches out through three paths: directly, through mean, and through var",
            "(rstd). Add them up. weight and bias were broadcast over B and T: their",
            "gradients sum over both.",
        ),
        text(
            "Call g the gradient at xhat, dout times weight. The direct path is rstd * g; the",
            "mean's path takes away g's mean over the channels; the variance's path takes",
            "away xhat times the mean of g * xhat. LayerNorm's var divides by C (biased), not",
            "by C-1 as the lecture's BatchNorm did. llm.c's notes on it:",
            LAYERNORM_NOTES,
        ),
        text(
            "dx is rstd times (g - mean of g - xhat * mean of g*xhat), each mean over the last",
            "axis with keepdim=True; rebuild xhat from x, mean and rstd (rstd holds the eps).",
            "dweight: dout * xhat summed over dims 0 and 1; dbias: dout summed likewise.",
        ),
    ),
    "17_backward_linear": (
        text(
            "The lecture's linear layer with (B, T) in front: flatten them into B*T rows and",
            "match the shapes. weight is (OC, C), as nn.Linear stores it, and used transposed.",
        ),
        text(
            "dinp: dout times weight, no transpose, since out used weight.T. dweight (OC, C):",
            "over all B*T rows, the outer product of dout's row with inp's row, summed.",
            "dbias: dout summed over B and T, since bias was broadcast over both.",
        ),
        text(
            "Reshape dout to (B*T, OC) and inp to (B*T, C): dweight is the first transposed",
            "times the second. dinp is dout matrix-multiplied by weight; dbias sums dout over",
            "dims 0 and 1.",
        ),
    ),
    "18_backward_gelu": (
        text(
            "A product: 0.5 * x times (1 + tanh(u)), where u depends on x too. The product",
            "rule, then the chain rule through tanh and through u; dout multiplies all of it.",
        ),
        text(
            "tanh's derivative is 1 - tanh(u)**2; u's is sqrt(2/pi) * (1 + 3 * 0.044715 *",
            "x**2). Differentiate this tanh form exactly: the exact GELU (with erf) has a",
            "different derivative, close to this one but not within the tolerance everywhere.",
        ),
        text(
            "dx is dout times [0.5 * (1 + tanh(u)) + 0.5 * x * (1 - tanh(u)**2) * du/dx],",
            "with u = sqrt(2/pi) * (x + 0.044715 * x**3) computed once and du/dx as in hint 2.",
        ),
    ),
    "19_backward_causal_softmax": (
        text(
            "Each att entry of a row depends on every preatt of that row, through the sum",
            "that normalises the row. A masked entry (above the diagonal) never reaches att.",
        ),
        text(
            "Softmax's rule: att times (datt minus the row's sum of att * datt), the sum kept",
            "as a column (keepdim=True). att is exactly 0 where masked, so the rule gives 0",
            "there: nothing may flow into a masked position.",
        ),
        text(
            "Take s, the sum over the last axis of att * datt with keepdim=True; the answer",
            "is att times (datt - s). No mask is needed: att's zeros already carry it.",
        ),
    ),
    "20_backward_attention": (
        text(
            "Undo the forward lines from the last: the merge of the heads, y_h = att @ v, the",
            "softmax (kata 19), the scaled q @ k.T, then the split of qkv into q, k and v.",
        ),
        text(
            "dy splits into heads as y was merged: view(B, T, NH, hs), then transpose(1, 2).",
            "Through y_h = att @ v: datt is dy_h times v transposed, dv is att transposed",
            "times dy_h. Through preatt both dq and dk carry the 1/sqrt(hs), and dk needs",
            "dpreatt transposed: key j collects from every query that attended to it.",
        ),
        text(
            "dq is dpreatt @ k / sqrt(hs), dk is dpreatt.T @ q / sqrt(hs), transposing the",
            "last two axes only. Merge each of dq, dk, dv back with transpose(1, 2) then",
            "reshape(B, T, C), and concatenate them along dim 2 in split's order: q, k, v.",
        ),
    ),
    "21_backward_cross_entropy_seq": (
        text(
            "The lecture's cross-entropy gradient, softmax minus one_hot over a mean, at B*T",
            "positions at once; but a position whose target is -1 is not in the loss, nor in",
            "its mean.",
        ),
        text(
            "The mean divides by N, the number of targets that are not -1, not by B*T. An",
            "ignored position contributes nothing, so its row of dlogits is exactly 0; a",
            "sequence ignored whole is no exception.",
        ),
        text(
            "Take softmax over the last axis, subtract 1 at each target (clamp the -1s to a",
            "valid index first, or use a mask), zero the rows of the ignored positions, and",
            "divide by N.",
        ),
    ),
    "22_backward_block": (
        text(
            "A block is two branches, each added to the stream it reads: x2 = x + attn(...),",
            "out = x2 + mlp(...). Go back op by op from dout; every op is a kata you have",
            "done (16 to 20). And what does a + do to the gradient that reaches it?",
        ),
        text(
            "A + hands its gradient to both of its inputs: dx2 is dout straight through the",
            "skip plus what comes back through the MLP, and dx is dx2 plus what comes back",
            "through the attention. Inside a branch, chain the katas: mlp.c_proj (17), GELU",
            "(18) at mlp.c_fc.out, mlp.c_fc (17), ln_2 (16) with the cache's mean and rstd;",
            "then attn.c_proj, the attention (20) with the cache's att, attn.c_attn, ln_1.",
        ),
        text(
            "Reuse your functions of katas 16, 17, 18 and 20 as helpers in this file. A linear",
            "layer's dweight is dout^T @ inp over every (b, t), its dinp dout @ weight. So:",
            "dgelu from mlp.c_proj, dfc is GELU's slope at mlp.c_fc.out times dgelu, dln_2",
            "from mlp.c_fc, dx2 is dout plus ln_2's dx; then dy from attn.c_proj, dqkv from",
            "the attention, dln_1 from attn.c_attn, and dx is dx2 plus ln_1's dx. Each",
            "parameter's gradient goes into grads under its key in params.",
        ),
    ),
    "23_backward_gpt": (
        text(
            "The whole GPT is kata 21, the output layer, a LayerNorm, kata 22 once per block",
            "and kata 15, chained from the loss back to idx. One parameter is used twice:",
            "which one, and what does that mean for its gradient?",
        ),
        text(
            "Start at kata 21's dlogits. The output layer is logits = ln_f.out @ wte.T: there",
            "wte gets dlogits^T @ ln_f.out, and ln_f.out gets dlogits @ wte. Then ln_f (kata",
            "16), each block from the last to the first (kata 22, its names under h.{i}.),",
            "and the encoder (kata 15), whose dwte adds to the output layer's, as dC added",
            "up its uses in level 1. llm.c writes the same pass for GPT-2:",
            LLM_C,
        ),
        text(
            "dlogits from kata 21; wte's first gradient is dlogits^T @ ln_f.out with B and T",
            "flattened; ln_f's dx of (dlogits @ wte) comes next; then for i = 1, 0, kata 22",
            "on block i's input (h.{i-1}.out, or x for the first), its params and cache",
            "without the h.{i}. prefix, and the gradient so far; its keys go back under",
            "h.{i}.. Last, the encoder: index_add_ the gradient into wte's at idx, and sum it",
            "over B into the first T rows of a zero dwpe.",
        ),
    ),
}

# One worked example per kata: at most four numbers a tensor, each checked by autograd; none
# for katas 22 and 23, whose params and cache are dicts of a whole block: too big to print.
EXAMPLES: dict[str, Example] = {
    "15_backward_encoder": Example(
        given={
            "idx": [[1, 0, 1]],
            "wte": [[0.5], [-0.2]],
            "wpe": [[0.1], [0.2], [0.3], [0.4]],
            "dx": [[[0.1], [0.2], [0.3]]],
        },
        shows=(("dwte", [[0.2], [0.4]], 1), ("dwpe", [[0.1], [0.2], [0.3], [0.0]], 1)),
        note="the token read twice collects both gradients, the unused position gets zero",
    ),
    "16_backward_layernorm": Example(
        given={"x": [[[1, 2, 3]]], "weight": [2, 1, 1], "dout": [[[1, 0, 0]]]},
        shows=(("rstd", [[[1.22]]], 2), ("dx", [[[0.408, -0.816, 0.408]]], 3)),
        hidden={"bias": [0, 0, 0]},
        note="dx sums to zero over the channels: a shift of x changes nothing",
    ),
    "17_backward_linear": Example(
        given={"inp": [[[1], [2]]], "weight": [[3], [-1]], "dout": [[[1, 0], [1, 1]]]},
        shows=(("dbias", [2.0, 1.0], 1), ("dweight", [[3.0], [2.0]], 1)),
        hidden={"bias": [0.5, 0.5]},
        note="each row of dweight sums over every position of the batch",
    ),
    "18_backward_gelu": Example(
        given={"x": [[[-1, 0, 1, 2]]], "dout": [[[1, 1, 1, 1]]]},
        shows=(
            ("out", [[[-0.16, 0.0, 0.84, 1.95]]], 2),
            ("dx", [[[-0.08, 0.5, 1.08, 1.09]]], 2),
        ),
        note="GELU dips below zero before it rises, so its slope is negative there",
    ),
    "19_backward_causal_softmax": Example(
        given={"preatt": [[[[1, 9], [0, 0]]]], "datt": [[[[1, 0], [1, 0]]]]},
        shows=(
            ("att", [[[[1.0, 0.0], [0.5, 0.5]]]], 1),
            ("dpreatt", [[[[0.0, 0.0], [0.25, -0.25]]]], 2),
        ),
        note="the masked entry gets exactly zero, whatever preatt held there",
    ),
    "20_backward_attention": Example(
        given={"qkv": [[[0.5, -1, 2]]], "n_head": 1, "dy": [[[3]]]},
        shows=(("att", [[[[1.0]]]], 1), ("dqkv", [[[0.0, 0.0, 3.0]]], 1)),
        note=(
            "a lone position attends only to itself: softmax passes nothing back to q or k, "
            "and dv is dy"
        ),
    ),
    "21_backward_cross_entropy_seq": Example(
        given={"logits": [[[0, 0], [2, 0]]], "targets": [[1, -1]]},
        shows=(("dlogits", [[[0.5, -0.5], [0.0, 0.0]]], 1),),
        note="the ignored position gets zero, and the mean counts only the one valid target",
    ),
}


HINTS_OF_LEVEL = Hints(KATAS, HINTS, EXAMPLES, VIDEO, CHAPTERS, _starts)
