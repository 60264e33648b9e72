"""The killable child of `runner.run`: a value back, or a typed failure, and nothing left
running."""

from __future__ import annotations

import os
import signal
import time

import pytest

from pytest_ninja.core import runner
from pytest_ninja.core.grading import grade_file
from pytest_ninja.core.result import KataResult, Status
from pytest_ninja.levels import BY_ID

pytestmark = pytest.mark.skipif(not runner.CAN_FORK, reason="this system cannot fork")


def endless(pidfile=None):
    if pidfile:
        with open(pidfile, "w") as f:
            f.write(str(os.getpid()))
    while True:
        pass


def raising():
    raise ValueError("not like this")


def signalled(number):
    import faulthandler

    faulthandler.disable()  # pytest's, inherited: no dump of the stack on the test's output
    os.kill(os.getpid(), number)


def unpicklable():
    return lambda: 1


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_value_comes_back_from_the_child():
    outcome = runner.run(divmod, (17, 5))
    assert outcome == runner.Done((3, 2), outcome.pid) and outcome.ok
    assert outcome.pid not in (0, os.getpid()) and gone(outcome.pid)


def test_keyword_arguments_and_a_kata_result_come_back(tmp_path):
    from helpers import SOLUTIONS

    kata = BY_ID["07_backward_tanh"]
    outcome = runner.run(grade_file, (SOLUTIONS / kata.filename, kata), {"shown": "k/07.py"})
    assert isinstance(outcome.value, KataResult)
    assert outcome.value.status is Status.PASSED and outcome.value.path == "k/07.py"


def test_an_exception_is_a_typed_failure_with_its_traceback():
    outcome = runner.run(raising)
    assert isinstance(outcome, runner.Raised) and not outcome.ok
    assert outcome.why == "it raised ValueError: not like this"
    assert "in raising" in outcome.traceback


def test_a_child_that_exits_is_a_crash_with_its_exit_code():
    outcome = runner.run(os._exit, (3,))
    assert outcome == runner.Crashed(exitcode=3, pid=outcome.pid)
    assert "exited with code 3" in outcome.why
    assert gone(outcome.pid)


def test_a_child_killed_by_a_signal_is_a_crash_naming_it():
    outcome = runner.run(signalled, (signal.SIGSEGV,))
    assert isinstance(outcome, runner.Crashed) and outcome.signal == signal.SIGSEGV
    assert outcome.why == "it was killed by SIGSEGV (a crash in native code)"
    outcome = runner.run(signalled, (signal.SIGKILL,))  # as the out-of-memory killer does
    assert outcome.signal == signal.SIGKILL and "out of memory?" in outcome.why
    assert gone(outcome.pid)


def test_a_value_that_cannot_be_pickled_is_said_so():
    outcome = runner.run(unpicklable)
    assert isinstance(outcome, runner.Raised) and "could not be pickled" in outcome.why


def test_an_endless_loop_times_out_and_is_killed(tmp_path):
    started = time.monotonic()
    outcome = runner.run(endless, (str(tmp_path / "pid"),), timeout=0.3)
    took = time.monotonic() - started
    assert isinstance(outcome, runner.TimedOut) and outcome.seconds == 0.3
    assert 0.3 <= took < 2, took
    assert int((tmp_path / "pid").read_text()) == outcome.pid and gone(outcome.pid)


def test_a_wake_up_kills_an_endless_loop_promptly_and_leaves_nothing_running(tmp_path):
    read, write = os.pipe()
    calls = []
    pidfile = tmp_path / "pid"

    def interrupt(ready):
        calls.append(ready)
        if not pidfile.exists() or not pidfile.read_text():
            return False  # still starting: it is not in the loop yet
        if not ready:
            os.write(write, b"x")  # a wake-up, as a save or a key would be
            stamps.append(time.monotonic())
            return False
        os.read(read, 1)
        return True

    stamps: list[float] = []
    try:
        outcome = runner.run(endless, (str(pidfile),), wake=[read], interrupt=interrupt, poll=0.05)
        took = time.monotonic() - stamps[0]
    finally:
        os.close(read)
        os.close(write)
    print(f"wake-up -> child killed and reaped: {took * 1e3:.1f} ms")
    assert isinstance(outcome, runner.Killed) and outcome.why == "it was stopped"
    assert took < 0.5
    assert [read] in calls and [] in calls  # woken by the fd, and by the poll
    assert int(pidfile.read_text()) == outcome.pid and gone(outcome.pid)


def test_wake_may_be_a_function_giving_the_current_descriptors():
    asked = []

    def wake():
        asked.append(1)
        return []

    assert runner.run(time.sleep, (0.1,), wake=wake, poll=0.02).ok
    assert len(asked) > 1


def test_ctrl_c_in_the_parent_kills_the_child(tmp_path):
    pidfile = tmp_path / "pid"

    def interrupt(ready):
        if pidfile.exists() and pidfile.read_text():
            raise KeyboardInterrupt
        return False

    with pytest.raises(KeyboardInterrupt):
        runner.run(endless, (str(pidfile),), interrupt=interrupt, poll=0.02)
    assert gone(int(pidfile.read_text()))


def test_without_fork_the_call_runs_here(monkeypatch):
    monkeypatch.setattr(runner, "CAN_FORK", False)
    assert runner.run(os.getpid) == runner.Done(os.getpid())
    assert runner.run(raising).why == "it raised ValueError: not like this"
