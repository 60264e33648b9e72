"""The pytest nodes of the dojo: a kata file, and one check per gradient it must return.

Collection never imports the learner's file (a syntax error must not stop the run): the
checks come from the catalogue, and the file is imported and graded when its first check
runs, once for all of its checks.
"""

from __future__ import annotations

import functools

import pytest

from .catalogue import Kata, kata_for_file
from .loading import function_line
from .scoring import Scheme
from .settings import Settings

RESULT_KEY = "ninja_status"
SETTINGS = pytest.StashKey[Settings]()
SCHEME = pytest.StashKey[Scheme]()


class KataFailure(Exception):
    """A check did not pass; its message is written for the learner."""

    def __init__(self, check):
        super().__init__(check.message)
        self.check = check


class KataFile(pytest.File):
    """`katas/NN_name.py`: graded once, reported check by check."""

    @property
    def kata(self) -> Kata:
        kata = kata_for_file(self.path.stem)
        assert kata is not None, self.path
        return kata

    def collect(self):
        limit = self.config.stash[SETTINGS].time_limit
        for output in self.kata.outputs:
            check = KataCheck.from_parent(self, name=output)
            if limit:  # pytest-timeout as a backstop, for code that never returns to Python
                check.add_marker(pytest.mark.timeout(4 * limit + 10))
            yield check

    def graded(self):
        """The kata's result, computed by the first check that asks for it."""
        if not hasattr(self, "_result"):
            from .grading import ERROR, every_check, grade_file  # torch: here, not at collection

            try:
                self._result = grade_file(self.path, self.kata, self.config.stash[SETTINGS])
            except pytest.fail.Exception as exc:  # pytest-timeout's backstop: once for all checks
                self._result = every_check(
                    self.kata,
                    ERROR,
                    f"{self.kata.name} was stopped by pytest-timeout's time "
                    f"limit ({str(exc).strip().rstrip('.')}): an endless loop?",
                )
        return self._result

    @functools.cached_property
    def function_line(self) -> int:
        """Where the learner's function starts: read once, asked for by every check."""
        return function_line(self.path, self.kata.name)


class KataCheck(pytest.Item):
    """One gradient of one kata, judged in both phases."""

    def runtest(self) -> None:
        parent = self.parent
        assert isinstance(parent, KataFile)
        check = parent.graded().checks[self.name]
        share = self.config.stash[SCHEME].points_of(parent.kata) / len(parent.kata.outputs)
        self.user_properties.append(("kata", parent.kata.id))
        self.user_properties.append((RESULT_KEY, check.status))
        self.user_properties.append(("points", round(share, 6)))
        self.user_properties.append(("score", round(share, 6) if check.status == "pass" else 0))
        if check.status != "pass":
            raise KataFailure(check)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, KataFailure):
            return excinfo.value.check.message
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        parent = self.parent
        assert isinstance(parent, KataFile)
        # the failure's headline: `katas/07_backward_tanh::dhpreact` (no dot: pytest rewrites dots)
        domain = f"{self.path.parent.name}/{parent.kata.id}::{self.name}"
        return self.path, parent.function_line - 1, domain
