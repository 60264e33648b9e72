"""Watch mode end to end: a subprocess driven through standard input, files rewritten by
the test, verdicts read from its output."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers import SOLUTIONS, lay_out

from pytest_ninja.cli.main import main
from pytest_ninja.core.result import Status
from pytest_ninja.levels import BY_ID
from pytest_ninja.loop import progress as progress_file

WRONG_TANH = "def backward_tanh(hpreact, h, dh):\n    return (1 - hpreact**2) * dh\n"
WRONG_LOG = "def backward_log(probs, dlogprobs):\n    return probs * dlogprobs\n"
WRONG_BN_STATS = (
    "def backward_bn_stats(hprebn, bnmeani, bndiff, bndiff2, bnvar, bnvar_inv, n, dbnraw):\n"
    "    return {'dbnvar_inv': (bndiff * dbnraw).sum(0, keepdim=True) * 2}\n"
)
ENDLESS_TANH = "def backward_tanh(hpreact, h, dh):\n    while True:\n        pass\n"
KEYS_HELP = "keys: Enter runs everything, h shows a hint, q quits"
INTERRUPT_WITHIN = 1.5  # seconds; the target is 0.5 s, the margin is for a loaded machine


def endless_writing_its_pid(pidfile: Path) -> str:
    return (
        "import os\n\n\ndef backward_tanh(hpreact, h, dh):\n"
        f"    with open({str(pidfile)!r}, 'w') as f:\n"
        "        f.write(str(os.getpid()))\n"
        "    while True:\n        pass\n"
    )


class Session:
    """`pytest-ninja watch` in a subprocess, its output read line by line (time-stamped)."""

    def __init__(self, root: Path, *args: str, setup: str = ""):
        code = (
            setup
            + "import sys; from pytest_ninja.cli.main import main; sys.exit(main(sys.argv[1:]))"
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, "watch", "--dir", str(root), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: queue.Queue[tuple[float, str]] = queue.Queue()
        self.seen: list[str] = []
        self.stamp = 0.0  # when the line last waited for came in (time.perf_counter)
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.proc.stdout:
            self.lines.put((time.perf_counter(), line.rstrip("\n")))

    def wait_for(self, text: str, timeout: float = 60) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                stamp, line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                self.stamp = stamp
                return line
        raise AssertionError(f"no {text!r} in:\n" + "\n".join(self.seen[-40:]))

    def since(self, text: str) -> list[str]:
        """The lines seen after the last one holding `text`."""
        last = max(i for i, line in enumerate(self.seen) if text in line)
        return self.seen[last + 1 :]

    def send(self, line: str):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


@pytest.fixture
def watching(tmp_path):
    """Start watch sessions: over a laid-out dojo with kata 01 solved, or over `root`."""
    lay_out(tmp_path, solved=("01_backward_loss",))
    sessions = []

    def start(*args, root: Path = tmp_path, setup: str = ""):
        s = Session(root, *args, setup=setup)
        sessions.append(s)
        s.wait_for("watching katas/")
        return s

    yield tmp_path, start
    for s in sessions:
        s.close()


def rewrite(path: Path, text: str) -> float:
    """Write a kata file (visibly changed even on a coarse clock); when it was written."""
    written = time.perf_counter()
    path.write_text(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    return written


def gone(pid: int, within: float = 2.0) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("events", [True, False], ids=["events", "polling"])
def test_a_saved_kata_is_regraded_and_progress_is_shared(watching, events):
    root, start = watching
    s = start(*(() if events else ("--no-events",)))
    rewrite(root / "katas/07_backward_tanh.py", WRONG_TANH)
    s.wait_for("verdict: 07_backward_tanh failed 0/1")
    s.wait_for("likely: tanh's derivative is 1 - h**2")
    rewrite(root / "katas/07_backward_tanh.py", (SOLUTIONS / "07_backward_tanh.py").read_text())
    s.wait_for("verdict: 07_backward_tanh passed 1/1")
    s.wait_for("2/14 katas")
    s.send("q")
    s.wait_for("bye")
    assert s.proc.wait(10) == 0
    progress = progress_file.load(root / "katas")
    assert progress.status(BY_ID["07_backward_tanh"]) is Status.PASSED
    assert not any("solution revealed" in line for line in s.seen)  # not an init workspace
    assert not (root / "solutions").exists()


def test_a_pass_in_an_init_workspace_reveals_its_solution_once(watching, tmp_path):
    _, start = watching
    ws = tmp_path / "ws"
    assert main(["init", str(ws)]) == 0
    s = start(root=ws)
    solution = (SOLUTIONS / "07_backward_tanh.py").read_text()
    rewrite(ws / "katas/07_backward_tanh.py", solution)
    s.wait_for("verdict: 07_backward_tanh passed 1/1")
    line = s.wait_for("solution revealed:")
    assert line == "solution revealed: solutions/07_backward_tanh.py (compare it with yours)"
    assert (ws / "solutions/07_backward_tanh.py").read_text() == solution
    assert sorted(p.name for p in (ws / "solutions").iterdir()) == [
        "07_backward_tanh.py",
        "README.md",
    ]
    rewrite(ws / "katas/07_backward_tanh.py", solution + "\n# again\n")
    s.wait_for("verdict: 07_backward_tanh passed 1/1")
    s.wait_for("watching katas/")
    assert not any("solution revealed" in line for line in s.since("verdict: 07"))
    s.send("q")
    assert s.proc.wait(10) == 0


def test_a_broken_save_is_survived(watching):
    root, start = watching
    s = start()
    broken = "def backward_tanh(hpreact, h, dh):\n    return (\n"
    rewrite(root / "katas/07_backward_tanh.py", broken)
    s.wait_for("07_backward_tanh.py has a syntax error")
    rewrite(root / "katas/07_backward_tanh.py", (SOLUTIONS / "07_backward_tanh.py").read_text())
    s.wait_for("verdict: 07_backward_tanh passed 1/1")


def test_an_endless_loop_is_stopped_by_the_time_limit_named_as_watch_sets_it(watching):
    root, start = watching
    s = start("--timeout", "0.5")
    rewrite(root / "katas/07_backward_tanh.py", ENDLESS_TANH)
    line = s.wait_for("ran for more than 0.5 s")
    assert "(the limit is set by --timeout)" in line and "--ninja-timeout" not in line
    s.send("q")
    assert s.proc.wait(10) == 0


def test_an_endless_loop_is_interrupted_by_a_save_of_the_fix(watching):
    root, start = watching
    s = start()  # the time limit is 10 s: only the save can stop the loop this soon
    pidfile = root / "grading.pid"
    rewrite(root / "katas/07_backward_tanh.py", endless_writing_its_pid(pidfile))
    s.wait_for("saved: 07_backward_tanh.py")
    time.sleep(0.5)  # it is looping now
    pid = int(pidfile.read_text())
    written = rewrite(
        root / "katas/07_backward_tanh.py", (SOLUTIONS / "07_backward_tanh.py").read_text()
    )
    s.wait_for("verdict: 07_backward_tanh passed 1/1")
    took = s.stamp - written
    print(f"endless loop, fix saved -> verdict: {took * 1e3:.0f} ms")
    assert took < INTERRUPT_WITHIN
    assert gone(pid)  # the child grading the loop was killed and reaped
    assert not any("ran for more than" in line for line in s.seen)
    s.send("q")
    assert s.proc.wait(10) == 0


def test_an_endless_loop_is_interrupted_by_q(watching):
    root, start = watching
    s = start()
    pidfile = root / "grading.pid"
    rewrite(root / "katas/07_backward_tanh.py", endless_writing_its_pid(pidfile))
    s.wait_for("saved: 07_backward_tanh.py")
    time.sleep(0.5)
    pid = int(pidfile.read_text())
    pressed = time.perf_counter()
    s.send("q")
    s.wait_for("bye")
    took = s.stamp - pressed
    print(f"endless loop, q -> bye: {took * 1e3:.0f} ms")
    assert took < INTERRUPT_WITHIN
    assert s.proc.wait(10) == 0
    assert gone(pid)


def test_a_kata_that_kills_its_process_is_an_error_in_one_line(watching):
    root, start = watching
    s = start()
    rewrite(
        root / "katas/07_backward_tanh.py",
        "import os\n\n\ndef backward_tanh(hpreact, h, dh):\n    os.__dict__['_exit'](3)\n",
    )
    s.wait_for("verdict: 07_backward_tanh error 0/1")
    line = s.wait_for("07_backward_tanh stopped:")
    assert line.startswith("  07_backward_tanh stopped: its process exited with code 3")
    rewrite(
        root / "katas/07_backward_tanh.py",
        "import os, signal\n\n\ndef backward_tanh(hpreact, h, dh):\n"
        "    os.kill(os.getpid(), signal.SIGSEGV)\n",
    )
    line = s.wait_for("killed by SIGSEGV")
    assert line == "  07_backward_tanh stopped: it was killed by SIGSEGV (a crash in native code)"
    rewrite(root / "katas/07_backward_tanh.py", (SOLUTIONS / "07_backward_tanh.py").read_text())
    s.wait_for("verdict: 07_backward_tanh passed 1/1")
    assert not any("Traceback" in line for line in s.seen)
    s.send("q")
    assert s.proc.wait(10) == 0


def test_without_fork_watch_grades_in_its_own_process_and_says_so_once(watching):
    root, start = watching
    s = start(setup="from pytest_ninja.core import runner; runner.CAN_FORK = False; ")
    rewrite(root / "katas/07_backward_tanh.py", WRONG_TANH)
    s.wait_for("verdict: 07_backward_tanh failed 0/1")
    rewrite(root / "katas/07_backward_tanh.py", (SOLUTIONS / "07_backward_tanh.py").read_text())
    s.wait_for("verdict: 07_backward_tanh passed 1/1")
    s.send("q")
    assert s.proc.wait(10) == 0
    said = [line for line in s.seen if "cannot fork" in line]
    assert said == [
        "grading in this process (this system cannot fork): a save or q waits for the grade "
        "in progress"
    ]


def test_enter_reruns_everything_and_h_shows_a_hint(watching):
    root, start = watching
    s = start()
    s.send("h")
    s.wait_for("hint 1/3 for 02 backward_log")
    s.send("")
    s.wait_for("verdict: 14_backward_mlp todo 0/7")
    s.send("q")
    assert s.proc.wait(10) == 0


def test_an_unknown_key_prints_the_key_help_and_grades_nothing(watching):
    root, start = watching
    s = start()
    s.send("x")
    s.wait_for(KEYS_HELP)
    s.send("h")  # a key that prints, to know the watcher has read what came before
    s.wait_for("hint 1/3 for 02 backward_log")
    assert not any("verdict:" in line for line in s.since("watching katas/"))
    s.send("q")
    assert s.proc.wait(10) == 0


def test_h_gives_the_hint_of_the_kata_saved_last(watching):
    root, start = watching
    s = start()
    rewrite(root / "katas/09_backward_bn_stats.py", WRONG_BN_STATS)
    s.wait_for("verdict: 09_backward_bn_stats failed")
    s.wait_for("watching katas/")
    s.send("h")
    s.wait_for("hint 1/3 for 09 backward_bn_stats")
    rewrite(root / "katas/02_backward_log.py", WRONG_LOG)
    s.wait_for("verdict: 02_backward_log failed 0/1")
    s.wait_for("watching katas/")
    s.send("h")
    s.wait_for("hint 1/3 for 02 backward_log")
    s.send("q")
    assert s.proc.wait(10) == 0
    assert not any("for 01 backward_loss" in line for line in s.seen)
