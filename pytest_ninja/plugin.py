"""The pytest plugin: hooks only, each handing off to the dojo's modules.

Registered as the `ninja` plugin by the `pytest11` entry point (or by the checkout's root
`conftest.py` when the package is not installed), so `-p no:ninja` switches it off. Nothing
here imports torch: that waits until a kata's first check runs.
"""

from __future__ import annotations

import pytest

from .catalogue import kata_for_file
from .collect import RESULT_KEY, KataFile
from .summary import Tally, summary_lines


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ninja", "pytest-ninja: the backprop dojo")
    group.addoption(
        "--ninja-stress-seed",
        type=int,
        default=None,
        metavar="SEED",
        help="seed of the stress phase's cache and random upstream gradients "
        "(default: the dojo's fixed seed)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(DojoReport(), "ninja-report")


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path, parent):
    collected = yield
    if file_path.suffix != ".py" or kata_for_file(file_path.stem) is None:
        return collected
    # pytest's own Python collector takes any file named on the command line: a kata file is
    # ours alone, and must not be imported as a test module.
    others = [node for node in collected if not isinstance(node, pytest.Module)]
    node = KataFile.from_parent(parent, path=file_path)
    node.stress_seed = parent.config.getoption("ninja_stress_seed")
    return [*others, node]


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config):
    if report.when == "call" and report.failed and (RESULT_KEY, "todo") in report.user_properties:
        return "todo", "t", "TODO"
    return None


class DojoReport:
    """Tallies the kata checks' reports (so xdist workers' reports count too) for the summary."""

    def __init__(self) -> None:
        self.tallies: dict[str, Tally] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        if report.when != "call" or "kata" not in props:
            return
        path = report.nodeid.split("::", 1)[0]
        tally = self.tallies.setdefault(path, Tally(path, props["kata"], report.location[1] + 1))
        tally.add(props[RESULT_KEY], report.longreprtext)

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.tallies:
            return
        terminalreporter.section("dojo")
        for line in summary_lines(list(self.tallies.values())):
            terminalreporter.write_line(line)
