"""GitHub Actions' extras for any pytest run there: the dojo's table in the job summary, and
`::error` lines on the failing functions.

`JobSummary` scores the run's katas at one point each (the record the loop's `DojoReport`
builds, handed over by the plugin) for people reading the job, never for a grade: a class is
graded by `pytest-ninja grade`, without pytest.
"""

from __future__ import annotations

import os

import pytest

from pytest_ninja.classroom.documents import annotations, markdown_table
from pytest_ninja.classroom.options import Extras
from pytest_ninja.classroom.scoring import Scheme, score_katas
from pytest_ninja.core.result import RunResults
from pytest_ninja.levels import KATAS


class JobSummary:
    """On GitHub Actions: the run's katas as a table in the job summary, failing ones as
    annotations on the learner's lines."""

    def __init__(self, config: pytest.Config, extras: Extras, results: RunResults) -> None:
        self.config, self.extras, self.results = config, extras, results
        self.scores = None

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self) -> None:
        results = self.results.by_kata()
        if hasattr(self.config, "workerinput") or not results:
            return
        self.scores = score_katas(Scheme(tuple(k for k in KATAS if k.id in results)), results)
        if self.extras.step_summary:
            path = os.environ.get("GITHUB_STEP_SUMMARY")
            if path:
                with open(path, "a", encoding="utf-8") as f:  # GitHub's file: appended to
                    f.write(markdown_table(self.scores) + "\n")

    def pytest_terminal_summary(self, terminalreporter) -> None:
        on_actions = os.environ.get("GITHUB_ACTIONS") == "true"
        if self.scores and self.extras.annotations and on_actions:
            for line in annotations(self.scores):
                terminalreporter.write_line(line)
