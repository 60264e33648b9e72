"""The pytest plugin: hooks only, each handing off to the dojo's modules.

Registered as the `ninja` plugin by the `pytest11` entry point (or by the checkout's root
`conftest.py` when the package is not installed), so `-p no:ninja` switches it off. Nothing
here imports torch: that waits until a kata's first check runs.

A result flows one way: a `KataCheck` grades its kata (`grading`), puts its verdict on its
report as plain data (`collect.check_data`); `DojoReport` folds the reports of the checks this
plugin collected into the run's `RunResults`, once; at the end of the session that record goes
into the progress file (`workspace.record_run`), the panel (`panel`) and, for a class, the
graders' documents (`classroom.ClassReport`, reading the same record).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from . import classroom, settings
from .catalogue import kata_for_file
from .collect import RESULTS, SCHEME, SETTINGS, KataCheck, KataFile, check_data, check_from_data
from .panel import panel_lines, passed_katas
from .progress import Progress
from .result import RunResults, Status
from .workspace import auto_hint, load_progress, record_run, reveal, reveal_lines


def pytest_addoption(parser: pytest.Parser) -> None:
    settings.add_options(parser)
    settings.add_class_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    try:
        grading = settings.resolve_class(config)
        scheme = classroom.scheme_for(grading)
        dojo = settings.resolve(config)
    except ValueError as exc:
        raise pytest.UsageError(f"pytest-ninja: {exc}") from None
    config.stash[SETTINGS] = classroom.with_seed(dojo, grading, config)
    config.stash[SCHEME] = scheme
    config.stash[RESULTS] = RunResults()
    config.pluginmanager.register(DojoReport(config), "ninja-report")
    config.pluginmanager.register(classroom.ClassReport(config, grading, scheme), "ninja-class")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:  # pytest-xdist: every worker grades with one seed
    node.workerinput["ninja_stress_seed"] = node.config.stash[SETTINGS].stress_seed


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = {k.id for k in config.stash[SCHEME].katas}
    keep = [i for i in items if not isinstance(i, KataCheck) or i.parent.kata.id in wanted]
    if len(keep) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep


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


class DojoReport:
    """Builds the run's results from the kata checks' reports; the panel and the progress."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.ours: set[str] = set()  # node ids of the kata checks this plugin collected
        self.folders: set[Path] = set()  # the kata folders they are in: each gets a panel
        self.progress: dict[Path, Progress | None] = {}
        self.revealed: dict[Path, list[Path]] = {}

    def pytest_itemcollected(self, item: pytest.Item) -> None:
        if isinstance(item, KataCheck):
            self.ours.add(item.nodeid)
            self.folders.add(item.path.parent)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, "ninja_check", None)
        controller = self.config.pluginmanager.hasplugin("dsession")  # xdist collects elsewhere
        if report.when == "call" and data and (report.nodeid in self.ours or controller):
            self.config.stash[RESULTS].add(*check_from_data(data))

    def pytest_sessionfinish(self) -> None:
        if hasattr(self.config, "workerinput"):  # only the process that owns the run writes
            return
        for folder, results in self.config.stash[RESULTS].folders.items():
            progress = self.progress[folder] = record_run(folder, results)
            passed = passed_katas(results, progress)
            self.revealed[folder] = [p for k in passed if (p := reveal(folder, k, progress))]

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter) -> None:
        root, run = self.config.rootpath, self.config.stash[RESULTS].folders
        for folder in sorted(self.folders | set(run)):
            results = run.get(folder, {})
            shown = folder.relative_to(root) if folder.is_relative_to(root) else folder
            terminalreporter.section(f"dojo: {shown}/")
            progress = self.progress.get(folder) or load_progress(folder)
            lines = [f"  warning: {progress.warning}"] if progress and progress.warning else []
            lines += panel_lines(folder, str(shown), results, progress, auto_hint(progress))
            lines += [
                f"  solution revealed: {path.relative_to(folder.parent)} (compare it with yours)"
                for path in self.revealed.get(folder, [])
            ]
            if self.config.getoption("ninja_reveal"):
                lines += reveal_lines(folder, passed_katas(results, progress))
            for line in lines:
                terminalreporter.write_line(line)
