"""Puts the tests' helpers on the path, imports torch before any in-process pytest run, and
holds the fixtures more than one test module uses.

pytester's in-process runs restore `sys.modules` afterwards; torch imported inside one run
would be dropped and imported a second time by the next, which crashes the interpreter.
"""

import sys
from pathlib import Path

import pytest
import torch  # noqa: F401

import pytest_ninja.core.grading  # noqa: F401
from pytest_ninja.levels import names
from pytest_ninja.levels.mlp import model

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def words(tmp_path) -> Path:
    """A small names file: the dojo's own list, three times over (enough for every split)."""
    path = tmp_path / "words.txt"
    path.write_text("\n".join(model.shipped_words() * 3))
    return path


@pytest.fixture
def here(tmp_path, monkeypatch) -> Path:
    """Run in tmp_path, with NINJA_NAMES unset and the cache redirected there too."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(names.ENV_VAR, raising=False)
    monkeypatch.setattr(names, "cache_dir", lambda: tmp_path / "cache")
    return tmp_path
