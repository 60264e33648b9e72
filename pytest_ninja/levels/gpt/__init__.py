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

from pytest_ninja.core.level import Kata, Level, Mistakes, register
from pytest_ninja.levels.gpt import katas, notebook, phases
from pytest_ninja.levels.gpt.hints import HINTS_OF_LEVEL


# torch waits until a kata is graded: the caches and the mistakes are imported then
def _problem(kata: Kata, phase: str, seed: int | None = None):
    from pytest_ninja.levels.gpt.caches import problem

    return problem(kata, phase, seed)


def _specific(suspect):
    from pytest_ninja.levels.gpt.mistakes import specific

    return specific(suspect)


def _located(suspect):
    from pytest_ninja.levels.gpt.mistakes import located

    return located(suspect)


def _slips(kata: Kata):
    from pytest_ninja.levels.gpt.mistakes import slips

    return slips(kata)


def _shaped(kata: Kata, out: str, got: tuple[int, ...], problem):
    from pytest_ninja.levels.gpt.mistakes import shaped

    return shaped(kata, out, got, problem)


LEVEL = register(
    Level(
        number=katas.LEVEL,
        name="gpt",
        title="a character-level GPT",
        katas=katas.KATAS,
        phases=phases.PHASE_WORDS,
        problem=_problem,
        hints=HINTS_OF_LEVEL,
        shape_of=katas.shape_of,
        sizes=katas.SIZES,
        mistakes=Mistakes(_specific, _located, _slips, _shaped),
        hard_wired_words="numbers hard-wired to it (8 sequences, 16 positions, 48 channels)",
        extras={
            "notebook_intro": notebook.INTRO,
            "notebook_closing": notebook.CLOSING,
            "notebook_sizes": notebook.SIZES,
        },
    )
)
