"""Class grading's side of a pytest run: the verdict log that `pytest-ninja grade` reads, and
GitHub Actions' extras (a job summary, `::error` lines) for any run there.

`VerdictLog` writes each check's verdict, the data its report carries, as one JSON line the
moment it comes, so a run that dies still leaves what it graded. `JobSummary` scores the
run's katas at one point each (the record the loop's `DojoReport` builds, handed over by the
plugin) for people reading the job, never for a grade.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pytest_ninja.classroom.documents import annotations, markdown_table
from pytest_ninja.classroom.options import Extras
from pytest_ninja.classroom.scoring import Scheme, score_katas
from pytest_ninja.core.result import RunResults
from pytest_ninja.levels import KATAS


class VerdictLog:
    """Appends every kata check's verdict to a file, as it comes."""

    def __init__(self, path: str) -> None:
        self.file = Path(path).open("a", encoding="utf-8")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, "ninja_check", None)
        if report.when == "call" and data:
            self.file.write(json.dumps(data) + "\n")
            self.file.flush()
            os.fsync(self.file.fileno())

    def pytest_unconfigure(self) -> None:
        self.file.close()


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
