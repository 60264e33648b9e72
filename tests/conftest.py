"""Puts the tests' helpers on the path, and imports torch before any in-process pytest run.

pytester's in-process runs restore `sys.modules` afterwards; torch imported inside one run
would be dropped and imported a second time by the next, which crashes the interpreter.
"""

import sys
from pathlib import Path

import torch  # noqa: F401

import pytest_ninja.core.grading  # noqa: F401

sys.path.insert(0, str(Path(__file__).parent))
