"""What a kata is: one function a learner writes, the forward lines it reverses, its gradients.

Plain data (no torch), an entry of its level's catalogue. Everything else a front end says
about a kata (its stub, its shapes, its hints) is derived from this entry and its level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One gradient of a kata's backward pass, and what it is computed from.

    `sources` are gradients computed earlier in the pass, or the kata's upstream inputs (none
    for a kata that starts at the loss); `via` says the step in a learner's words ("the output
    layer").
    """

    grad: str
    sources: tuple[str, ...] = ()
    via: str = ""


@dataclass(frozen=True)
class Kata:
    """One kata: one file `katas/NN_name.py` with one function `name`."""

    number: int
    name: str
    title: str  # what the kata is, in a few words: the stub's first line
    exercise: int  # the lecture's exercise (or the level's chapter) it belongs to
    reverses: tuple[str, ...]  # the forward lines, as the learner reads them
    inputs: tuple[str, ...]  # the function's parameters, exactly
    outputs: tuple[str, ...]  # the gradients it returns, one graded check each
    frontier: tuple[str, ...]  # tensors whose upstream gradient the kata receives
    # outputs that are ~0 for the first phase's loss, and the gradient whose size sets their
    # tolerance instead (their own reference is rounding noise there)
    scale_from: tuple[tuple[str, str], ...] = ()
    # the backward pass in the order it is computed: every output, and for a fused kata the
    # gradients it computes on the way without returning them (empty: each output straight
    # from the upstream gradients)
    backward: tuple[Step, ...] = ()
    level: int = 1
    # a tensor's shape in this kata where it differs from its level's (`shape_of`): one name,
    # two shapes in two katas (a LayerNorm's weight is (C,), a linear layer's (OC, C))
    shapes: tuple[tuple[str, str], ...] = ()
    # what the stub says beside an input that is neither a tensor nor `n` ("the number of heads")
    notes: tuple[tuple[str, str], ...] = ()
    # inputs that are dicts of tensors (a GPT's `params` and `cache`), each with its keys: the
    # names of the tensors in the kata's cache (`ln_1.weight`, `ln_1.mean`)
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # a kata that returns its parameters' gradients as one dict (`grads`, keyed as `params`
    # is): the keys, each the check `d` + key among `outputs`; the outputs that are not keys
    # come first, in a tuple with the dict last (`(dx, grads)`), or the dict alone
    grads: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.number:02d}_{self.name}"

    @property
    def filename(self) -> str:
        return f"{self.id}.py"

    @property
    def upstream(self) -> tuple[str, ...]:
        """The upstream gradients among the inputs (`d` + a frontier tensor)."""
        return tuple(f"d{t}" for t in self.frontier if t != "loss")

    def shape(self, name: str, level_shape_of: Callable[[str], str]) -> str:
        """A tensor's (or a gradient's) shape as this kata's stub shows it: the kata's own
        where it has one, else its level's."""
        own = dict(self.shapes)
        if name in own:
            return own[name]
        if name.startswith("d") and name[1:] in own:
            return own[name[1:]].replace(" int64", "")
        return level_shape_of(name)

    def check_id(self, output: str) -> str:
        """An output's name as a test id (`dln_1_weight`: a node id and `-k` take no dot)."""
        return output.replace(".", "_")

    def output_of(self, check_id: str) -> str | None:
        """The output a test id names, or None."""
        return next((o for o in self.outputs if self.check_id(o) == check_id), None)

    @property
    def leading(self) -> tuple[str, ...]:
        """The outputs returned before the `grads` dict (all of them when there is none)."""
        keyed = {f"d{k}" for k in self.grads}
        return tuple(o for o in self.outputs if o not in keyed)

    def group(self, name: str) -> tuple[str, ...] | None:
        """The keys of a dict input, or None for a tensor or a number."""
        return dict(self.groups).get(name)

    def scale_source(self, output: str) -> str | None:
        """The gradient whose size sets `output`'s tolerance, when it is not its own."""
        return dict(self.scale_from).get(output)

    @property
    def steps(self) -> tuple[Step, ...]:
        """The backward pass, in order (`backward`, or each output from the upstream)."""
        return self.backward or tuple(Step(out, self.upstream) for out in self.outputs)

    @property
    def internal(self) -> tuple[str, ...]:
        """The gradients the kata computes on the way without returning them."""
        return tuple(s.grad for s in self.steps if s.grad not in self.outputs)
