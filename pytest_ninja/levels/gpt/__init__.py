"""Level 2: a small character-level GPT's backward pass, by hand, op by op.

Builds on "Let's build GPT: from scratch, in code, spelled out" (Neural Networks: Zero to
Hero) the way level 1 builds on "Becoming a Backprop Ninja": its model in atoms under
nanoGPT's names (`model`), its katas (`katas`), its grading phases (`phases`) and their
caches, each kata cut out of one GPT forward pass (`caches`), its hints and chapters
(`hints`), the mistakes only it has (`mistakes`), its words in the dojo notebook
(`notebook`) and the small word list it grades on (`words.txt`).
`LEVEL` is what the grading core and the front ends see of it.
"""

from __future__ import annotations

from pytest_ninja.core.level import Level, Mistakes, deferred, register
from pytest_ninja.levels.gpt import katas, notebook, phases
from pytest_ninja.levels.gpt.hints import HINTS_OF_LEVEL

# torch waits until a kata is graded: the caches and the mistakes are imported then
_CACHES, _MISTAKES = "pytest_ninja.levels.gpt.caches", "pytest_ninja.levels.gpt.mistakes"


LEVEL = register(
    Level(
        number=katas.LEVEL,
        name="gpt",
        title="a character-level GPT",
        katas=katas.KATAS,
        phases=phases.PHASE_WORDS,
        problem=deferred(_CACHES, "problem"),
        hints=HINTS_OF_LEVEL,
        shape_of=katas.shape_of,
        sizes=katas.SIZES,
        mistakes=Mistakes(
            *(deferred(_MISTAKES, f) for f in ("specific", "located", "slips", "shaped"))
        ),
        hard_wired_words="numbers hard-wired to it (8 sequences, 16 positions, 48 channels)",
        extras={
            "training_kata": "23_backward_gpt",
            "training": "pytest_ninja.levels.gpt.training",
            "notebook_intro": notebook.INTRO,
            "notebook_closing": notebook.CLOSING,
            "notebook_sizes": notebook.SIZES,
        },
    )
)
