"""Level 1: the lecture's MLP, "Building makemore Part 4: Becoming a Backprop Ninja".

Everything of this level and nothing else: its model in atoms and fused (`model`), its katas
(`katas`), the two grading phases (`phases`) and their caches (`caches`), its hints and
chapters (`hints`), the mistakes only it has (`mistakes`), exercise 4's training
(`training`), the lecture's `cmp` for notebooks (`cmp`) and the small word list it grades on
(`words.txt`).
`LEVEL` is what the grading core and the front ends see of it.
"""

from __future__ import annotations

from pytest_ninja.core.level import Level, Mistakes, deferred, register
from pytest_ninja.levels.mlp import katas, notebook, phases
from pytest_ninja.levels.mlp.hints import HINTS_OF_LEVEL

# torch waits until a kata is graded: the caches and the mistakes are imported then
_CACHES, _MISTAKES = "pytest_ninja.levels.mlp.caches", "pytest_ninja.levels.mlp.mistakes"


LEVEL = register(
    Level(
        number=1,
        name="mlp",
        title="the lecture's MLP",
        katas=katas.KATAS,
        phases=phases.PHASE_WORDS,
        problem=deferred(_CACHES, "problem"),
        hints=HINTS_OF_LEVEL,
        shape_of=katas.shape_of,
        sizes=katas.SIZES,
        mistakes=Mistakes(*(deferred(_MISTAKES, f) for f in ("specific", "located", "slips"))),
        literals=(32,),
        hard_wired_words="numbers hard-wired to it (32, 64)",
        extras={
            "training_kata": "14_backward_mlp",
            "training": "pytest_ninja.levels.mlp.training",
            "notebook_intro": notebook.INTRO,
            "notebook_closing": notebook.CLOSING,
            "notebook_sizes": notebook.SIZES,
        },
    )
)
