"""The pytest plugin: hooks only, each handing off to the loop's and class grading's modules.

Registered as the `ninja` plugin by the `pytest11` entry point (or by the checkout's root
`conftest.py` when the package is not installed), so `-p no:ninja` switches it off. Nothing
here imports torch: that waits until the first kata file is collected.

A result flows one way: a `KataCheck` grades its kata (`core.grading`) and its report carries
its verdict as plain data (`collect.check_data`); `loop.report.DojoReport` folds the reports of
the checks this plugin collected into the run's `RunResults`, once; at the end of the session
that one record goes into the progress file and the panel (and, on GitHub Actions, the job
summary: `classroom.report.JobSummary`, handed the same record). A class is never graded
here: `pytest-ninja grade` runs no pytest at all (`classroom.grade`).
"""

from __future__ import annotations

import pytest

from pytest_ninja.classroom import options as class_options
from pytest_ninja.classroom import report as classroom
from pytest_ninja.core.result import RunResults, Status
from pytest_ninja.levels import kata_for_file
from pytest_ninja.loop import options
from pytest_ninja.loop.collect import (
    RESULTS,
    SETTINGS,
    KataCheck,
    KataFile,
    check_data,
    dot_free,
)
from pytest_ninja.loop.report import DojoReport


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)
    class_options.add_class_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    try:
        settings = options.resolve(config)
    except ValueError as exc:
        raise pytest.UsageError(f"pytest-ninja: {exc}") from None
    config.args[:] = dot_free(config.args)  # `::dlayer.weight` names the check `dlayer_weight`
    results = RunResults()
    config.stash[SETTINGS], config.stash[RESULTS] = settings, results
    config.pluginmanager.register(DojoReport(config, results), "ninja-report")
    extras = class_options.resolve_extras(config)
    config.pluginmanager.register(classroom.JobSummary(config, extras, results), "ninja-summary")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:  # pytest-xdist: every worker grades with one seed
    node.workerinput["ninja_stress_seed"] = node.config.stash[SETTINGS].stress_seed


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path, parent):
    collected = yield
    if file_path.suffix != ".py" or kata_for_file(file_path.stem) is None:
        return collected
    # pytest's own Python collector takes any file named on the command line: a kata file is
    # ours alone, and must not be imported as a test module.
    others = [node for node in collected if not isinstance(node, pytest.Module)]
    return [*others, KataFile.from_parent(parent, path=file_path)]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = yield
    if isinstance(item, KataCheck) and report.when == "call":
        report.ninja_check = check_data(item, report)
    return report


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config):
    data = getattr(report, "ninja_check", None)
    if report.when == "call" and report.failed and data and data["status"] == Status.TODO:
        return "todo", "t", "TODO"
    return None
