"""The pytest nodes of the dojo: a kata file, and one check per gradient it must return.

Collection never imports the learner's file (a syntax error must not stop the run): the
checks come from the catalogue, and the file is imported and graded when its first check
runs, once for all of its checks. Collecting the first kata file records torch and the grader
as they are (`core.integrity`), before a test module of the learner's own can change them.
Each check's verdict travels on its own report as plain data (`check_data`, read back by
`check_from_data`), so the run's record is built from the reports once, in the process that
owns the run (an xdist controller too).
"""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path

import pytest

from pytest_ninja.core.level import Kata
from pytest_ninja.core.loading import function_line
from pytest_ninja.core.result import (
    CheckResult,
    KataResult,
    RunResults,
    Status,
    every_check,
    part_as_data,
    part_from_data,
)
from pytest_ninja.core.settings import Settings
from pytest_ninja.levels import BY_ID, kata_for_file

SETTINGS = pytest.StashKey[Settings]()
RESULTS = pytest.StashKey[RunResults]()
CHECK = pytest.StashKey[KataResult]()  # on a KataCheck: its kata's result, this check alone
WATCHING = pytest.StashKey[bool]()  # the session's baseline of torch and the grader is taken


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
        # torch and the grader as they are before any test module of the learner's imports
        # (kata files sort first in their folder): a change made later is named and put back
        from pytest_ninja.core import integrity  # torch

        if not self.config.stash.get(WATCHING, False):
            self.config.stash[WATCHING] = True
            integrity.begin()
            self.config.add_cleanup(integrity.end)
        limit = self.config.stash[SETTINGS].time_limit
        for output in self.kata.outputs:
            check = KataCheck.from_parent(self, name=self.kata.check_id(output))
            if limit:  # pytest-timeout as a backstop, for code that never returns to Python
                check.add_marker(pytest.mark.timeout(4 * limit + 10))
            yield check

    def graded(self):
        """The kata's result, computed by the first check that asks for it."""
        if not hasattr(self, "_result"):
            from pytest_ninja.core.grading import (  # torch: here, not at collection
                digest_of,
                grade_file,
            )

            shown = self.nodeid.split("::", 1)[0]
            try:
                self._result = grade_file(self.path, self.kata, self.config.stash[SETTINGS], shown)
            except pytest.fail.Exception as exc:  # pytest-timeout's backstop: once for all checks
                self._result = replace(
                    every_check(
                        self.kata,
                        Status.ERROR,
                        f"{self.kata.name} was stopped by pytest-timeout's time "
                        f"limit ({str(exc).strip().rstrip('.')}): an endless loop?",
                    ),
                    path=shown,
                    line=self.function_line,
                    digest=digest_of(self.path),
                )
        return self._result

    @functools.cached_property
    def function_line(self) -> int:
        """Where the learner's function starts: read once, asked for by every check."""
        return function_line(self.path, self.kata.name)


def dot_free(args: list[str]) -> list[str]:
    """The command line's node ids with a kata's check named as its key is
    (`NN_kata.py::dlayer.weight`) rewritten to its test id (`::dlayer_weight`): a learner
    types the key they know, and pytest would say "not found"."""
    found = []
    for arg in args:
        path, *parts = arg.split("::")
        kata = kata_for_file(Path(path).stem) if parts else None
        if kata is not None:
            parts = [
                p if kata.output_of(kata.check_id(p)) is None else kata.check_id(p) for p in parts
            ]
        found.append("::".join([path, *parts]))
    return found


class KataCheck(pytest.Item):
    """One gradient of one kata, judged in both phases; named by its test id (the output's
    name without dots: `dlayer_weight` for `dlayer.weight`)."""

    @property
    def output(self) -> str:
        parent = self.parent
        assert isinstance(parent, KataFile)
        return parent.kata.output_of(self.name) or self.name

    def runtest(self) -> None:
        parent = self.parent
        assert isinstance(parent, KataFile)
        result = parent.graded()
        check = result.checks[self.output]
        self.stash[CHECK] = replace(result, checks={self.output: check})
        if check.status is not Status.PASSED:
            raise KataFailure(check)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, KataFailure):
            return excinfo.value.check.message
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        parent = self.parent
        assert isinstance(parent, KataFile)
        # the failure's headline: `katas/NN_name::doutput` (no dot: pytest rewrites dots)
        domain = f"{self.path.parent.name}/{parent.kata.id}::{self.name}"
        return self.path, parent.function_line - 1, domain


def check_data(item: KataCheck, report: pytest.TestReport) -> dict:
    """A check's verdict as plain data for its report (JSON, so xdist can carry it)."""
    part = item.stash.get(CHECK, None)
    if part is None:  # runtest broke before grading said anything: still one honest verdict
        text = report.longreprtext.strip() if report.failed else ""
        line = text.splitlines()[-1] if text else "the check did not run"
        kata = item.parent.kata
        check = CheckResult(item.output, Status.ERROR, (f"{kata.name}: {line}",))
        part = KataResult(kata, {item.output: check}, path=item.nodeid.split("::", 1)[0])
    return part_as_data(item.path.parent, part)


def check_from_data(data: dict) -> tuple[Path, KataResult]:
    """The folder and the one-check result a report's data stands for."""
    return part_from_data(data, BY_ID.__getitem__)
