"""Level 1: the lecture's MLP, "Building makemore Part 4: Becoming a Backprop Ninja".

Everything of this level and nothing else: its model in atoms and fused (`model`), its katas
(`katas`), the two grading phases (`phases`) and their caches (`caches`), its hints and
chapters (`hints`), the mistakes only it has (`mistakes`), exercise 4's training
(`training`), the lecture's `cmp` for notebooks (`cmp`) and the small word list it grades on
(`words.txt`).
`LEVEL` is what the grading core and the front ends see of it.
"""

from __future__ import annotations

from pytest_ninja.core.level import Kata, Level, Mistakes, register
from pytest_ninja.levels.mlp import katas, notebook, phases
from pytest_ninja.levels.mlp.hints import HINTS_OF_LEVEL


# torch waits until a kata is graded: the caches and the mistakes are imported then
def _problem(kata: Kata, phase: str, seed: int | None = None):
    from pytest_ninja.levels.mlp.caches import problem

    return problem(kata, phase, seed)


def _specific(suspect):
    from pytest_ninja.levels.mlp.mistakes import specific

    return specific(suspect)


def _located(suspect):
    from pytest_ninja.levels.mlp.mistakes import located

    return located(suspect)


def _slips(kata: Kata):
    from pytest_ninja.levels.mlp.mistakes import slips

    return slips(kata)


LEVEL = register(
    Level(
        number=1,
        name="mlp",
        title="the lecture's MLP",
        katas=katas.KATAS,
        phases=phases.PHASE_WORDS,
        problem=_problem,
        hints=HINTS_OF_LEVEL,
        shape_of=katas.shape_of,
        sizes=katas.SIZES,
        mistakes=Mistakes(_specific, _located, _slips),
        literals=(32,),
        hard_wired_words="numbers hard-wired to it (32, 64)",
        extras={
            "training_kata": "14_backward_mlp",
            "notebook_intro": notebook.INTRO,
            "notebook_closing": notebook.CLOSING,
            "notebook_sizes": notebook.SIZES,
        },
    )
)
