"""The dojo's report of a pytest run: the run's results, then the progress file and the panel.

It folds the reports of the kata checks this plugin collected itself (never a report some
other test made) into the run's `RunResults`, once; at the end of the session it records them
in each kata folder's progress file, reveals what was earned, and draws each folder's panel.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_ninja.core.result import RunResults
from pytest_ninja.loop import workspace
from pytest_ninja.loop.collect import KataCheck, check_from_data
from pytest_ninja.loop.panel import panel_lines, passed_katas
from pytest_ninja.loop.progress import Progress
from pytest_ninja.loop.workspace import reveal_lines


class DojoReport:
    """Builds the run's results from the kata checks' reports; the panel and the progress."""

    def __init__(self, config: pytest.Config, results: RunResults) -> None:
        self.config, self.results = config, results
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
            self.results.add(*check_from_data(data))

    def pytest_sessionfinish(self) -> None:
        if hasattr(self.config, "workerinput"):  # only the process that owns the run writes
            return
        for folder, results in self.results.folders.items():
            space = workspace.find(folder)
            progress = self.progress[folder] = space.record(results)
            passed = passed_katas(results, progress)
            self.revealed[folder] = [p for k in passed if (p := space.reveal(k, progress))]

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter) -> None:
        root, run = self.config.rootpath, self.results.folders
        for folder in sorted(self.folders | set(run)):
            results = run.get(folder, {})
            shown = folder.relative_to(root) if folder.is_relative_to(root) else folder
            terminalreporter.section(f"dojo: {shown}/")
            space = workspace.find(folder)
            progress = self.progress.get(folder) or space.load_progress()
            lines = [f"  warning: {progress.warning}"] if progress and progress.warning else []
            lines += panel_lines(space, str(shown), results, progress, space.auto_hint(progress))
            lines += [
                f"  solution revealed: {path.relative_to(folder.parent)} (compare it with yours)"
                for path in self.revealed.get(folder, [])
            ]
            if self.config.getoption("ninja_reveal"):
                lines += reveal_lines(folder, passed_katas(results, progress))
            for line in lines:
                terminalreporter.write_line(line)
