"""The architecture is visible and kept: the layers, level 1's names in level 1's folder only.

import-linter (`lint-imports`, run by .ci/run) checks the direction of imports; these tests
check what it cannot see: that level 1's names (its katas, inputs and outputs) appear nowhere
in the package outside `levels/mlp/` except in a short list of messages that quote them as
examples, and that every layer says what it is for and what it may import.
"""

from __future__ import annotations

import re

import pytest
from helpers import ROOT

from pytest_ninja.levels import KATAS, total_checks
from pytest_ninja.levels.mlp import LEVEL

PACKAGE = ROOT / "pytest_ninja"
LEVEL_FOLDER = PACKAGE / "levels" / "mlp"
LAYERS = ("core", "levels", "loop", "classroom", "cli")
# One-letter names (`C`, `h`, `n`) cannot be told from code; `counts` is an English word too.
TOO_COMMON = {"C", "h", "n", "counts"}
# Messages that quote a level-1 name as an example for the learner, by file: the name and why.
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
    for kata in LEVEL.katas:
        names |= {kata.name, kata.id, *kata.inputs, *kata.outputs}
    return names - TOO_COMMON


def test_level_ones_names_appear_only_in_its_folder_and_a_few_quoted_messages():
    pattern = re.compile(
        r"\b(" + "|".join(sorted(map(re.escape, level_names()), key=len, reverse=True)) + r")\b"
    )
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if LEVEL_FOLDER in path.parents:
            continue
        names = set(pattern.findall(path.read_text("utf-8")))
        if names:
            found[path.relative_to(PACKAGE).as_posix()] = names
    stray = {f: sorted(n - ALLOWED.get(f, set())) for f, n in found.items()}
    stray = {f: n for f, n in stray.items() if n}
    assert not stray, f"level-1 names outside levels/mlp/: {stray}"
    unused = {f: sorted(ALLOWED[f] - found.get(f, set())) for f in ALLOWED}
    assert not {f: n for f, n in unused.items() if n}, (
        f"allowlist entries no longer needed: {unused}"
    )


@pytest.mark.parametrize("layer", LAYERS)
def test_every_layer_says_what_it_is_for_and_what_it_may_import(layer):
    doc = (PACKAGE / layer / "__init__.py").read_text("utf-8")
    assert doc.startswith('"""') and "may import" in doc


def test_the_import_contracts_name_every_layer():
    config = (ROOT / "pyproject.toml").read_text("utf-8")
    contracts = config[config.index("[tool.importlinter]") :]
    for layer in LAYERS:
        assert f"pytest_ninja.{layer}" in contracts


def test_no_module_outside_the_layers_but_the_plugin_and_the_package_itself():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "plugin.py"]


def test_the_readmes_counts_of_katas_and_checks_are_the_catalogues():
    text = (ROOT / "README.md").read_text("utf-8")
    panels = re.findall(r"\d+/(\d+) katas, \d+/(\d+) checks", text)
    assert panels, "the README shows a panel"
    for katas, checks in panels:
        assert (int(katas), int(checks)) == (len(KATAS), total_checks())
    for checks in re.findall(r"\b(\d+) checks in all", text):
        assert int(checks) == total_checks()
