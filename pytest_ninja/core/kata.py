"""What a kata is: one function a learner writes, the forward lines it reverses, its gradients.

Plain data (no torch), an entry of its level's catalogue. Everything else a front end says
about a kata (its stub, its shapes, its hints) is derived from this entry and its level.
"""

from __future__ import annotations

from dataclasses import dataclass


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
    level: int = 1

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

    def scale_source(self, output: str) -> str | None:
        """The gradient whose size sets `output`'s tolerance, when it is not its own."""
        return dict(self.scale_from).get(output)
