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

from pytest_ninja import progress as progress_file
from pytest_ninja.catalogue import BY_ID
from pytest_ninja.result import Status

WRONG_TANH = "def backward_tanh(hpreact, h, dh):\n    return (1 - hpreact**2) * dh\n"


class Session:
    """`pytest-ninja watch` in a subprocess, its output read line by line."""

    def __init__(self, root: Path, *args: str):
        code = ("import sys; from pytest_ninja.cli import main; "
                "sys.exit(main(sys.argv[1:]))")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, "watch", "--dir", str(root), *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            bufsize=1, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 60) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no {text!r} in:\n" + "\n".join(self.seen[-40:]))

    def send(self, line: str):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


@pytest.fixture
def watching(tmp_path):
    lay_out(tmp_path, solved=("01_backward_loss",))
    sessions = []

    def start(*args):
        s = Session(tmp_path, *args)
        sessions.append(s)
        s.wait_for("watching katas/")
        return s

    yield tmp_path, start
    for s in sessions:
        s.close()


def rewrite(path: Path, text: str) -> None:
    path.write_text(text)
    st = path.stat()  # make sure the change is visible even on a coarse clock
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


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


def test_a_broken_save_is_survived(watching):
    root, start = watching
    s = start()
    broken = "def backward_tanh(hpreact, h, dh):\n    return (\n"
    rewrite(root / "katas/07_backward_tanh.py", broken)
    s.wait_for("07_backward_tanh.py has a syntax error")
    rewrite(root / "katas/07_backward_tanh.py", (SOLUTIONS / "07_backward_tanh.py").read_text())
    s.wait_for("verdict: 07_backward_tanh passed 1/1")


def test_an_endless_loop_is_stopped_by_the_time_limit(watching):
    root, start = watching
    s = start("--timeout", "0.5")
    rewrite(root / "katas/07_backward_tanh.py",
            "def backward_tanh(hpreact, h, dh):\n    while True:\n        pass\n")
    s.wait_for("ran for more than 0.5 s")
    s.send("q")
    assert s.proc.wait(10) == 0


def test_enter_reruns_everything_and_h_shows_a_hint(watching):
    root, start = watching
    s = start()
    s.send("h")
    s.wait_for("hint 1/3 for 02 backward_log")
    s.send("")
    s.wait_for("verdict: 14_backward_mlp todo 0/7")
    s.send("q")
    assert s.proc.wait(10) == 0
