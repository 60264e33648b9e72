"""Level 1's hints: three levels for every kata, worked examples, and the lecture's chapters.

Pure data, no torch, so the command line and the panel can read it at start-up; rendering is
the core's (`core.hints`). Level 1 is a nudge, level 2 names the rule, level 3 is nearly the
formula and ends with a worked example small enough to check by hand; the tests recompute
every number an example shows with autograd. No hint holds the complete solution code.
"""

from __future__ import annotations

from pytest_ninja.core.hints import Example, Hints, text
from pytest_ninja.core.level import Kata
from pytest_ninja.levels.mlp.katas import KATAS

VIDEO = "https://www.youtube.com/watch?v=q8SA3rM6ckI"

# The video's official chapters (start in seconds, title), in the video's order.
CHAPTERS: dict[int, str] = {
    446: "starter code",
    781: "exercise 1: backproping the atomic compute graph",
    3917: "brief digression: Bessel's correction in batchnorm",
    5191: "exercise 2: cross entropy loss backward pass",
    5797: "exercise 3: batch norm layer backward pass",
    6602: "exercise 4: putting it all together",
}
_EXERCISE_STARTS = {1: 781, 2: 5191, 3: 5797, 4: 6602}
_ALSO = {"09_backward_bn_stats": (3917,)}  # bnvar's 1/(n-1) is the digression's subject


def _starts(kata: Kata) -> tuple[int, ...]:
    return (_EXERCISE_STARTS[kata.exercise], *_ALSO.get(kata.id, ()))


# Three levels per kata, from a nudge to nearly the formula, in the lecture's names.
HINTS: dict[str, tuple[str, str, str]] = {
    "01_backward_loss": (
        text(
            "The loss only sees n entries of logprobs, one per row at Yb, and averages them.",
            "What gradient does a mean hand to each thing it averages, and to what it never saw?",
        ),
        text(
            "Start from zeros of logprobs's shape: entries the loss never picked get exactly 0.",
            "Each picked entry enters the mean with weight 1/n, and the minus sign flips it.",
        ),
        text(
            "Set each picked entry, indexed by the same (range(n), Yb) pair as the forward pass,",
            "to minus one over n; every other entry stays zero.",
        ),
    ),
    "02_backward_log": (
        "The local derivative times the upstream gradient: what is the derivative of log(x)?",
        text(
            "d/dx log(x) = 1/x, element by element, chained with dlogprobs.",
            "Small probabilities (where the model was wrong) get their gradient boosted.",
        ),
        text(
            "Divide dlogprobs elementwise by probs. dlogprobs is zero except at the targets,",
            "and so is dprobs.",
        ),
    ),
    "03_backward_normalize": (
        text(
            "Three lines to reverse: the product, the inverse, the sum. counts_sum_inv is (n, 1)",
            "but was broadcast over 27 columns; counts is used twice, so its gradients add.",
        ),
        text(
            "probs = counts * counts_sum_inv: a broadcast in the forward pass is a sum in the",
            "backward pass, so dcounts_sum_inv sums over dim 1 (keepdim=True).",
            "x**-1 has derivative -x**-2. A sum over columns hands its gradient to every column.",
        ),
        text(
            "dcounts_sum_inv: counts times dprobs, summed over dim 1, keepdim.",
            "dcounts_sum: -counts_sum**-2 times dcounts_sum_inv.",
            "dcounts: counts_sum_inv times dprobs (the product), plus dcounts_sum in every",
            "column (the sum).",
        ),
    ),
    "04_backward_exp": (
        "The local derivative times the upstream gradient; exp is its own derivative.",
        text(
            "d/dx exp(x) = exp(x), and the forward pass already computed exp(norm_logits):",
            "it is counts. Reuse it rather than calling exp again.",
        ),
        "Multiply dcounts elementwise by counts (not by norm_logits).",
    ),
    "05_backward_max_shift": (
        text(
            "logits is used twice: directly in the subtraction, and through logit_maxes.",
            "Its two gradients add.",
        ),
        text(
            "logit_maxes (n, 1) was broadcast over 27 columns and subtracted: its gradient is",
            "minus a sum over dim 1. max routes gradient only to the entry that won, one per row.",
            "In the lecture dlogit_maxes comes out ~1e-9: softmax does not care about shifts.",
        ),
        text(
            "dlogit_maxes: minus dnorm_logits summed over dim 1, keepdim.",
            "dlogits: dnorm_logits (the direct branch) plus dlogit_maxes at each row's argmax;",
            "F.one_hot of logits.max(1).indices marks those places.",
        ),
    ),
    "06_backward_linear2": (
        text(
            "Match the shapes: each gradient has its tensor's shape, and there is only one way",
            "to multiply dlogits with the other factor to get it.",
        ),
        text(
            "logits = h @ W2 + b2. dh is (n, n_hidden) and dW2 is (n_hidden, 27): each is",
            "dlogits times the other factor, transposed, on the side that makes shapes fit.",
            "b2 (27,) was broadcast over the batch, so its gradient is a sum over dim 0.",
        ),
        text(
            "dh: dlogits times W2 transposed. dW2: h transposed times dlogits (a sum over the",
            "batch of outer products). db2: dlogits summed over dim 0, shape (27,).",
        ),
    ),
    "07_backward_tanh": (
        text(
            "The local derivative times the upstream gradient. tanh's derivative is easiest",
            "written in terms of its output.",
        ),
        text(
            "d/dx tanh(x) = 1 - tanh(x)**2, and tanh(hpreact) is h, which you are given:",
            "you do not need hpreact at all.",
        ),
        text(
            "The slope is one minus h squared, elementwise: one where h is zero, near zero",
            "where tanh saturates. Multiply dh by it.",
        ),
    ),
    "08_backward_bn_affine": (
        text(
            "bngain and bnbias are (1, n_hidden) but were broadcast over n rows: a broadcast",
            "in the forward pass is a sum in the backward pass.",
        ),
        text(
            "hpreact = bngain * bnraw + bnbias. Each factor's gradient is the other factor",
            "times dhpreact; for the broadcast parameters, sum over dim 0 with keepdim=True",
            "so the shape stays (1, n_hidden).",
        ),
        text(
            "dbnraw: bngain times dhpreact. dbngain: bnraw times dhpreact, summed over dim 0,",
            "keepdim. dbnbias: dhpreact summed over dim 0, keepdim.",
        ),
    ),
    "09_backward_bn_stats": (
        text(
            "Six atoms, reversed one line at a time from bnraw up to hprebn. bndiff and hprebn",
            "are each used twice, so their gradients add; and bnvar divides by n-1, not n.",
        ),
        text(
            "Broadcasts become sums: bnvar_inv and bnmeani are (1, n_hidden), so their",
            "gradients sum over dim 0 (keepdim). Sums become broadcasts: bnvar and bnmeani",
            "hand their gradient to every row, scaled by 1/(n-1) and 1/n.",
            "The power rule does (bnvar + 1e-5)**-0.5 and bndiff**2.",
        ),
        text(
            "dbnvar_inv: bndiff * dbnraw summed over rows. dbnvar: -0.5 * (bnvar + 1e-5)**-1.5",
            "times that. dbndiff2: dbnvar / (n-1) in every row. dbndiff: bnvar_inv * dbnraw",
            "plus 2 * bndiff * dbndiff2. dbnmeani: minus dbndiff summed over rows.",
            "dhprebn: dbndiff plus dbnmeani / n in every row.",
        ),
    ),
    "10_backward_linear1": (
        text(
            "The same kind of layer as the output layer (kata 06), one floor down: match the",
            "shapes.",
        ),
        text(
            "hprebn = embcat @ W1 + b1. dembcat is (n, 30), dW1 is (30, n_hidden). b1 is",
            "(n_hidden,), with no keepdim, so its gradient is a 1-D sum over dim 0. With the",
            "lecture's loss db1 is ~1e-9 (BatchNorm cancels any shift), but still sum it.",
        ),
        text(
            "dembcat: dhprebn times W1 transposed. dW1: embcat transposed times dhprebn.",
            "db1: dhprebn summed over dim 0, shape (n_hidden,).",
        ),
    ),
    "11_backward_embedding": (
        text(
            "emb = C[Xb] copies rows of C, and the same row can be copied many times: those",
            "gradients add.",
        ),
        text(
            "First undo the view: demb is dembcat reshaped to emb's shape (n, 3, 10). Then each",
            "(example, position) sends its gradient row to the row of C that Xb names there.",
            "Indexed assignment keeps only one of several repeats; you need a scatter-add.",
        ),
        text(
            "Start dC as zeros of C's shape, then index_add_ along dim 0, with Xb flattened as",
            "the index and demb flattened to rows of n_embd as the source.",
        ),
    ),
    "12_backward_cross_entropy": (
        text(
            "Work softmax and cross-entropy out on paper for one row: the gradient of the loss",
            "with respect to one logit turns out to be very simple.",
        ),
        text(
            "For one row, d loss / d logit_j is softmax_j, minus one if j is the target. The",
            "loss is a mean over n rows, so divide by n. Each row sums to zero: the wrong",
            "classes are pushed down, the right one pulled up.",
        ),
        "Start from F.softmax(logits, 1), subtract one at [range(n), Yb], divide all by n.",
    ),
    "13_backward_batchnorm": (
        text(
            "Write BatchNorm for one hidden unit as maths and differentiate on paper: each",
            "input reaches the output directly, through the mean and through the variance.",
        ),
        text(
            "Work column by column and collect terms: n times dhpreact, minus the column sum",
            "of dhpreact, minus bnraw times the column sum of dhpreact * bnraw (times a factor),",
            "all scaled by bngain * bnvar_inv / n. bnvar divided by n-1 (Bessel), so a factor",
            "n/(n-1) appears: without it the lecture's batch is off by ~3e-5.",
        ),
        text(
            "Inside the brackets: n * dhpreact, minus dhpreact.sum(0), minus n/(n-1) times",
            "bnraw times (dhpreact * bnraw).sum(0). Outside them: bngain * bnvar_inv / n.",
        ),
    ),
    "14_backward_mlp": (
        text(
            "Nothing new: chain what you wrote, from the loss down: exercise 2, the output",
            "layer, tanh, BatchNorm's gain and bias, exercise 3, the hidden layer, embedding.",
        ),
        text(
            "Keep one gradient per forward tensor, each feeding the next: dlogits, dh,",
            "dhpreact, dhprebn, dembcat. The parameters collect theirs on the way: dW2 and",
            "db2, dbngain and dbnbias, dW1 and db1, and last dC, by a scatter-add over Xb.",
        ),
        text(
            "dlogits by the cross-entropy shortcut; dh through W2 transposed; dhpreact through",
            "tanh's 1 - h**2; dbngain and dbnbias as in kata 08; dhprebn by exercise 3's",
            "expression; dembcat through W1 transposed; dC by index_add_ over Xb.",
        ),
    ),
}

# One worked example per kata, ending level 3. The tests recompute every shown number.
EXAMPLES: dict[str, Example] = {
    "01_backward_loss": Example(
        given={"n": 2, "Yb": [1, 0], "logprobs": [[-0.7, -0.7], [-0.2, -1.7]]},
        shows=(("dlogprobs", [[0.0, -0.5], [-0.5, 0.0]], 1),),
    ),
    "02_backward_log": Example(
        given={"probs": [0.25, 0.5], "dlogprobs": [-0.5, 0]},
        shows=(("dprobs", [-2.0, 0.0], 1),),
    ),
    "03_backward_normalize": Example(
        given={"counts": [[1, 1]], "dprobs": [[1, 0]]},
        shows=(
            ("dcounts_sum_inv", [[1.0]], 2),
            ("dcounts_sum", [[-0.25]], 2),
            ("dcounts", [[0.25, -0.25]], 2),
        ),
        note="the product gives the first count a half, the sum takes a quarter from both",
    ),
    "04_backward_exp": Example(
        given={"norm_logits": [0, -0.693], "dcounts": [2, 1]},
        shows=(("counts", [1.0, 0.5], 2), ("dnorm_logits", [2.0, 0.5], 2)),
    ),
    "05_backward_max_shift": Example(
        given={"logits": [[1, 3, 2]], "dnorm_logits": [[0.1, 0.2, 0.3]]},
        shows=(("dlogit_maxes", [[-0.6]], 1), ("dlogits", [[0.1, -0.4, 0.3]], 1)),
        note="only the max, in the middle, gets the second branch",
    ),
    "06_backward_linear2": Example(
        given={"h": [[1], [2]], "dlogits": [[0.1, -0.1], [0.3, 0.2]]},
        shows=(("db2", [0.4, 0.1], 1), ("dW2", [[0.7, 0.3]], 1)),
        hidden={"W2": [[0.5, -1.0]], "b2": [0.1, 0.2]},
        note="each column of dlogits, weighted by h and summed over the batch",
    ),
    "07_backward_tanh": Example(
        given={"hpreact": [0, 0.549], "dh": [2, -2]},
        shows=(("h", [0.0, 0.5], 2), ("dhpreact", [2.0, -1.5], 2)),
        note="a unit on its way to saturation lets less through",
    ),
    "08_backward_bn_affine": Example(
        given={"bnraw": [[1.0], [-1.0]], "dhpreact": [[0.5], [0.2]]},
        shows=(("dbnbias", [[0.7]], 1), ("dbngain", [[0.3]], 1)),
        hidden={"bngain": [[2.0]], "bnbias": [[0.1]]},
    ),
    "09_backward_bn_stats": Example(
        given={"n": 3, "hprebn": [[-2], [0], [2]], "dbnraw": [[1], [0], [0]]},
        shows=(
            ("bnvar", [[4.0]], 1),
            ("dbnvar", [[0.125]], 3),
            ("dbndiff", [[0.25], [0.0], [0.25]], 2),
            ("dhprebn", [[0.083], [-0.167], [0.083]], 3),
        ),
        note="bnvar divides by n-1: Bessel's correction",
    ),
    "10_backward_linear1": Example(
        given={"embcat": [[1], [3]], "W1": [[0.5, -1.0]], "dhprebn": [[1, 0], [2, -1]]},
        shows=(("db1", [3.0, -1.0], 1), ("dembcat", [[0.5], [2.0]], 1)),
        hidden={"b1": [0.1, 0.2]},
    ),
    "11_backward_embedding": Example(
        given={"C": [[0.5], [-0.2], [0.3]], "Xb": [[1, 0, 1]], "dembcat": [[0.1, 0.2, 0.3]]},
        shows=(("dC", [[0.2], [0.4], [0.0]], 1),),
        note="the token seen twice collects both gradients, the unused one gets zero",
    ),
    "12_backward_cross_entropy": Example(
        given={"logits": [[2, 1, 0]], "Yb": [0], "n": 1},
        shows=(("dlogits", [[-0.335, 0.245, 0.090]], 3),),
        note="a row that sums to zero",
    ),
    "13_backward_batchnorm": Example(
        given={"n": 3, "hprebn": [[-2], [0], [2]], "bngain": [[2]], "dhpreact": [[1], [0], [0]]},
        shows=(
            ("bnvar_inv", [[0.5]], 2),
            ("bnraw", [[-1.0], [0.0], [1.0]], 2),
            ("dhprebn", [[0.167], [-0.333], [0.167]], 3),
        ),
        hidden={"bnbias": [[0.0]]},
    ),
    # Starts at bnraw: the layers below it do not touch dlogits, dh or dbngain.
    "14_backward_mlp": Example(
        given={
            "n": 2,
            "Yb": [0, 1],
            "bnraw": [[-0.71], [0.71]],
            "bngain": [[0]],
            "bnbias": [[0]],
            "W2": [[1, -1]],
            "b2": [0, 0],
        },
        shows=(
            ("dlogits", [[-0.25, 0.25], [0.25, -0.25]], 2),
            ("dh", [[-0.5], [0.5]], 2),
            ("dbngain", [[0.71]], 2),
        ),
        note="a zero bngain makes h zero, and tanh then lets dh through unchanged",
    ),
}


HINTS_OF_LEVEL = Hints(KATAS, HINTS, EXAMPLES, VIDEO, CHAPTERS, _starts)
