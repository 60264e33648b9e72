"""The pytest plugin: hooks only, each handing off to the dojo's modules.

Registered as the `ninja` plugin by the `pytest11` entry point (or by the checkout's root
`conftest.py` when the package is not installed), so `-p no:ninja` switches it off. Nothing
here imports torch: that waits until a kata's first check runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from . import classroom, settings
from .catalogue import BY_ID, kata_for_file
from .collect import RESULT_KEY, SCHEME, SETTINGS, KataCheck, KataFile
from .panel import Tally, panel_lines
from .progress import Progress
from .workspace import auto_hint, record_run, reveal, reveal_lines


def pytest_addoption(parser: pytest.Parser) -> None:
    settings.add_options(parser)
    settings.add_class_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    try:
        grading = settings.resolve_class(config)
        scheme = classroom.scheme_for(grading)
    except ValueError as exc:
        raise pytest.UsageError(f"pytest-ninja: {exc}") from None
    config.stash[SETTINGS] = classroom.with_seed(settings.resolve(config), grading, config)
    config.stash[SCHEME] = scheme
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


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config):
    if report.when == "call" and report.failed and (RESULT_KEY, "todo") in report.user_properties:
        return "todo", "t", "TODO"
    return None


class DojoReport:
    """Tallies the kata checks' reports (xdist workers' too) into the panel and the progress."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.folders: dict[Path, dict[str, Tally]] = {}
        self.progress: dict[Path, Progress | None] = {}
        self.revealed: dict[Path, list[Path]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        if report.when != "call" or "kata" not in props:
            return
        relpath, line, _ = report.location
        folder = (self.config.rootpath / relpath).parent
        tallies = self.folders.setdefault(folder, {})
        tally = tallies.setdefault(props["kata"], Tally(relpath, props["kata"], (line or 0) + 1))
        tally.add(report.nodeid.rsplit("::", 1)[-1], props[RESULT_KEY], report.longreprtext)

    def pytest_sessionfinish(self) -> None:
        if hasattr(self.config, "workerinput"):  # only the process that owns the run writes
            return
        for folder, tallies in self.folders.items():
            progress = self.progress[folder] = record_run(folder, tallies)
            passed = [BY_ID[k] for k, t in tallies.items() if t.status == "passed"]
            self.revealed[folder] = [p for k in passed if (p := reveal(folder, k, progress))]

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter) -> None:
        for folder, tallies in self.folders.items():
            shown = (
                folder.relative_to(self.config.rootpath)
                if folder.is_relative_to(self.config.rootpath)
                else folder
            )
            terminalreporter.section(f"dojo: {shown}/")
            progress = self.progress.get(folder)
            if progress is not None and progress.warning:
                terminalreporter.write_line(f"  warning: {progress.warning}")
            hint = auto_hint(progress, tallies)
            for line in panel_lines(folder, str(shown), tallies, progress, hint):
                terminalreporter.write_line(line)
            for path in self.revealed.get(folder, []):
                shown_path = path.relative_to(folder.parent)
                terminalreporter.write_line(
                    f"  solution revealed: {shown_path} (compare it with yours)"
                )
            if self.config.getoption("ninja_reveal"):
                passed = [k for k, t in tallies.items() if t.status == "passed"]
                for line in reveal_lines(folder, [BY_ID[k] for k in passed]):
                    terminalreporter.write_line(line)
