"""The architecture is visible and kept: the layers, each level's names in the levels' folders.

import-linter (`lint-imports`, run by .ci/run) checks the direction of imports, and that the
levels never import each other; these tests check what it cannot see: that the levels' names
(their katas, inputs and outputs) appear nowhere in the package outside `levels/<name>/`
except in a short list of messages that quote them as examples, and that every layer says
what it is for and what it may import.
"""

from __future__ import annotations

import re

import pytest
from helpers import ROOT

from pytest_ninja.levels import LEVELS, total_checks
from pytest_ninja.levels.mlp import LEVEL

PACKAGE = ROOT / "pytest_ninja"
LEVEL_FOLDERS = tuple(PACKAGE / "levels" / level.name for level in LEVELS)
LAYERS = ("core", "levels", "loop", "classroom", "cli")
# One-letter names (`C`, `h`, `n`, `x`) cannot be told from code; `counts`, `weight`, `bias`,
# `mean` and `targets` are English words too, and `dx` is the core's example of a gradient;
TOO_COMMON = {"C", "h", "n", "counts", "x", "dx", "weight", "bias", "mean", "targets"}
# a fused kata's dict inputs are the core's own words for them (`Kata.groups`, `Kata.grads`)
TOO_COMMON |= {"params", "cache"}
# Messages that quote a level's name as an example for the learner, by file: the name and why.
ALLOWED = {
    "cli/commands.py": {
        "backward_tanh",  # how a kata is named, in a usage error's docstring
        "07_backward_tanh",
        "backward_bn_stats",  # `hint`'s help
        "09_backward_bn_stats",
    },
    "loop/notebook/grade.py": {"backward_tanh", "07_backward_tanh"},  # check()'s messages
    "loop/notebook/picture.py": {"dlogits"},  # the lecture's own imshow, quoted
}


def level_names() -> set[str]:
    names = set()
    for level in LEVELS:
        for kata in level.katas:
            names |= {kata.name, kata.id, *kata.inputs, *kata.outputs}
    return names - TOO_COMMON


def test_the_levels_names_appear_only_in_their_folders_and_a_few_quoted_messages():
    pattern = re.compile(
        r"\b(" + "|".join(sorted(map(re.escape, level_names()), key=len, reverse=True)) + r")\b"
    )
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if any(folder in path.parents for folder in LEVEL_FOLDERS):
            continue
        names = set(pattern.findall(path.read_text("utf-8")))
        if names:
            found[path.relative_to(PACKAGE).as_posix()] = names
    stray = {f: sorted(n - ALLOWED.get(f, set())) for f, n in found.items()}
    stray = {f: n for f, n in stray.items() if n}
    assert not stray, f"level names outside the levels' folders: {stray}"
    unused = {f: sorted(ALLOWED[f] - found.get(f, set())) for f in ALLOWED}
    assert not {f: n for f, n in unused.items() if n}, (
        f"allowlist entries no longer needed: {unused}"
    )


@pytest.mark.parametrize("layer", LAYERS)
def test_every_layer_says_what_it_is_for_and_what_it_may_import(layer):
    doc = (PACKAGE / layer / "__init__.py").read_text("utf-8")
    assert doc.startswith('"""') and "may import" in doc


def test_the_import_contracts_name_every_layer_and_every_level():
    config = (ROOT / "pyproject.toml").read_text("utf-8")
    contracts = config[config.index("[tool.importlinter]") :]
    for layer in LAYERS:
        assert f"pytest_ninja.{layer}" in contracts
    independent = contracts[contracts.index('type = "independence"') :]
    for level in LEVELS:
        assert f'"pytest_ninja.levels.{level.name}"' in independent.split("[[")[0]


def test_no_module_outside_the_layers_but_the_plugin_and_the_package_itself():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "plugin.py"]


def test_the_readmes_counts_of_katas_and_checks_are_level_ones():
    # the panel of a learner doing the lecture: `pytest-ninja init` makes level 1 alone; a
    # level's own notebook shows that level's
    text = (ROOT / "README.md").read_text("utf-8")
    panels = re.findall(r"\d+/(\d+) katas, \d+/(\d+) checks", text)
    assert panels, "the README shows a panel"
    levels = {(len(level.katas), total_checks(level.katas)) for level in LEVELS}
    assert (len(LEVEL.katas), total_checks(LEVEL.katas)) in {(int(k), int(c)) for k, c in panels}
    for katas, checks in panels:
        assert (int(katas), int(checks)) in levels
    for checks in re.findall(r"\b(\d+) checks in all", text):
        assert int(checks) == total_checks(LEVEL.katas)
