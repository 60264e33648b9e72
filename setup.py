"""Builds the katas' stubs and reference solutions into the package, as package data.

`katas/` and `solutions/` at the top of the repository are the source; a built wheel carries
copies under `pytest_ninja/dojo/`, from which `pytest-ninja init` makes a learner's workspace
and solutions are revealed as katas pass. Everything else is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).parent


class BuildWithDojo(build_py):
    def run(self):
        super().run()
        for kind in ("katas", "solutions"):
            target = Path(self.build_lib) / "pytest_ninja" / "dojo" / kind
            target.mkdir(parents=True, exist_ok=True)
            for source in sorted((ROOT / kind).glob("[0-9][0-9]_*.py")):
                shutil.copy(source, target / source.name)


setup(cmdclass={"build_py": BuildWithDojo})
