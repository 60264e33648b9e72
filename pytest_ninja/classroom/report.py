"""Grading for a class under pytest: the teacher's scheme, the hidden seed, and the report
that turns this run's results (the record the loop's `DojoReport` builds, handed over by the
plugin) into scores and writes them for Classroom, Gradescope and GitHub Actions on every path
(a crash included)."""

from __future__ import annotations

import os
import random
from dataclasses import replace
from pathlib import Path

import pytest

from pytest_ninja.classroom import graders
from pytest_ninja.classroom.options import ClassGrading
from pytest_ninja.classroom.scoring import (
    Scheme,
    annotations,
    classroom_document,
    error_scores,
    gradescope_document,
    markdown_table,
    parse_points,
    score_katas,
)
from pytest_ninja.core.result import RunResults, Status
from pytest_ninja.core.settings import Settings
from pytest_ninja.levels import BY_ID, KATAS


def junit_properties(scheme: Scheme, check: dict) -> list[tuple[str, object]]:
    """A check's kata, status, points and score, as `--junitxml` carries them."""
    kata = BY_ID[check["kata"]]
    share = round(scheme.points_of(kata) / len(kata.outputs), 6)
    passed = check["status"] == Status.PASSED
    return [
        ("kata", kata.id),
        ("status", check["status"]),
        ("points", share),
        ("score", share if passed else 0),
    ]


def scheme_for(grading: ClassGrading) -> Scheme:
    katas = tuple(BY_ID[k] for k in grading.katas) or KATAS
    return Scheme(katas, parse_points(grading.points), grading.all_or_nothing)


def with_seed(settings: Settings, grading: ClassGrading, workerinput: dict | None) -> Settings:
    """For a class, the stress seed is drawn at run time so no fixed answer can pass (an xdist
    worker takes its controller's)."""
    if workerinput and "ninja_stress_seed" in workerinput:
        return replace(settings, stress_seed=workerinput["ninja_stress_seed"])
    if settings.stress_seed is None and grading.for_a_class:
        return replace(settings, stress_seed=random.SystemRandom().randrange(1, 2**31))
    return settings


class ClassReport:
    """Scores this run's katas and writes every document the teacher's workflow asked for."""

    def __init__(
        self,
        config: pytest.Config,
        grading: ClassGrading,
        scheme: Scheme,
        results: RunResults,
        seed: int | None,
    ) -> None:
        self.config, self.grading, self.scheme = config, grading, scheme
        self.results, self.seed = results, seed
        self.scores = None
        self.written = False

    def rerun(self) -> str:
        return f"--ninja-stress-seed {self.seed}" if self.seed is not None else ""

    def wanted(self, results: dict) -> bool:
        """Scores are for a class, or for the job summary of a run on GitHub Actions."""
        summary = self.grading.step_summary and bool(os.environ.get("GITHUB_STEP_SUMMARY"))
        return self.grading.for_a_class or (summary and bool(results))

    def _write(self, scores) -> None:
        if self.written or hasattr(self.config, "workerinput"):
            return
        self.written, self.scores = True, scores
        note = f"stress seed {self.seed}" if self.grading.for_a_class and self.seed else ""
        if self.grading.classroom is not None:
            graders.write_classroom(
                classroom_document(scores, self.rerun()), self.grading.classroom
            )
        if self.grading.gradescope is not None:
            graders.write_json(Path(self.grading.gradescope), gradescope_document(scores, note))
        if self.grading.step_summary:
            graders.append_step_summary(markdown_table(scores, note))

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session):
        try:
            results = self.results.by_kata()
            if self.wanted(results):
                self._write(score_katas(self.scheme, results))
        finally:
            result = yield
        if self.grading.classroom is not None:
            session.exitstatus = pytest.ExitCode.OK  # the reporter must run: scores say the rest
        return result

    def pytest_internalerror(self, excrepr) -> None:
        last = str(excrepr).strip().splitlines()[-1] if str(excrepr).strip() else "unknown"
        self._write(error_scores(self.scheme, f"the grader crashed: {last}"))

    def pytest_unconfigure(self) -> None:  # a run that ended before sessionfinish
        if self.grading.for_a_class and not self.written:
            self._write(error_scores(self.scheme, "the run ended before grading finished"))

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.scores and self.grading.annotations and os.environ.get("GITHUB_ACTIONS") == "true":
            for line in annotations(self.scores):
                terminalreporter.write_line(line)
        if self.grading.for_a_class and self.scores is not None:
            total = sum(s.score for s in self.scores)
            most = sum(s.points for s in self.scores)
            terminalreporter.write_line(
                f"pytest-ninja score: {total:g} / {most:g}"
                + (f" (stress seed {self.seed})" if self.seed else "")
            )
