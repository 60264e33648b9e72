"""Keeping a learner's code away from the class grader: a worker process for it, and nothing
it starts left alive.

`Worker` starts `classroom.worker` in a process of its own (`python -I -B`, a session of its
own, the kata files' folder as its home, none of the grader's variables but PATH and the
locale; as `nobody` when the grader runs as root, or through `sudo` where it may without a
password, as on GitHub's hosted runners) and talks to it over its stdin and stdout. A
`RemoteFunction` stands for the learner's function inside the grading core: called with a
kata's inputs, it sends them, waits, and decodes the answer (`core.wire`), so the core computes
the references and judges the answer here, where no learner code runs. A worker that dies is
reported as `WorkerGone` and started again for the next kata; one that overstays its time
limit is killed.

`become_subreaper` makes this process inherit every orphan the worker leaves (Linux's child
subreaper), and `sweep` kills them all: run before any document is written, so nothing the
learner's code started can write after the grader.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import torch

from pytest_ninja.core import wire
from pytest_ninja.core.compare import dense_only
from pytest_ninja.core.grading import Described
from pytest_ninja.core.level import Kata
from pytest_ninja.core.limits import KataTimeout

PR_SET_CHILD_SUBREAPER = 36
NOBODY = 65534


class WorkerGone(BaseException):
    """The worker died while running the learner's code; `why` says how, for the learner."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def become_subreaper() -> bool:
    """Inherit every orphaned descendant (Linux); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def children() -> list[int]:
    """The pids whose parent is this process (read from /proc)."""
    me, found = os.getpid(), []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1 and fields[1] == str(me):
            found.append(int(entry))
    return found


def sweep(kill_as_other: Callable[[], None] | None = None) -> int:
    """Kill every child of this process, and every orphan that comes to it, until none is
    left (or, for processes of another user, `kill_as_other` was tried); the number killed."""
    killed, tried_other = 0, False
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        alive = children()
        if not alive:
            break
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except PermissionError:  # the worker's user's, not ours
                if kill_as_other is not None and not tried_other:
                    kill_as_other()
                    tried_other = True
            except OSError:
                pass
        _reap(0.2)
    return killed


def _reap(seconds: float) -> None:
    """Collect the exit of every child that has ended, for up to `seconds`."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


def can_sudo() -> bool:
    """Whether `sudo` runs commands here without a password (GitHub's hosted runners)."""
    try:
        done = subprocess.run(["sudo", "-n", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


class Worker:
    """The learner's code's process, and the two pipes to it."""

    def __init__(self, folder: Path, echo: Callable[[str], None]) -> None:
        self.folder, self.echo = folder, echo
        self.process: subprocess.Popen | None = None
        self.loaded: set[str] = set()
        self.route: str | None = None  # how it becomes nobody: "setuid", "sudo" or "" (it doesn't)
        self.pending: str | None = None  # the route of a worker begun and not yet heard from

    def _environment(self) -> dict[str, str]:
        keep = ("PATH", "LANG", "LC_ALL", "TZ")
        env = {k: v for k, v in os.environ.items() if k in keep}
        env["HOME"] = str(self.folder)
        return env

    def _routes(self) -> list[str]:
        """How the worker may become `nobody` here, best first; "" (it doesn't) last."""
        if sys.platform.startswith("linux"):
            if os.geteuid() == 0:
                return ["setuid", ""]
            if can_sudo():
                return ["sudo", ""]
        return [""]

    def begin(self) -> None:
        """Start the first worker now and do not wait for it: its imports run while the
        grader makes its own (no learner code runs before `load`)."""
        if self.process is None and self.route is None:
            self.pending = self._routes()[0]
            try:
                self._spawn(self.pending)
            except OSError:
                self.process, self.pending = None, None

    def start(self) -> None:
        """Start the worker: as `nobody` where this process is root (`setuid`) or may use
        sudo without a password, when `nobody` can run this Python and import the dojo; else
        as this process's user, said once in the log."""
        if self.route is None:  # the first start decides who the worker is
            routes = self._routes()
            for route in routes:
                begun = self.process is not None and self.pending == route
                if self._ping(route) if begun else self._answers(route):
                    self.route, self.pending = route, None
                    if not route and len(routes) > 1:
                        self.echo(
                            "note: the worker runs as this grader's user: `nobody` cannot "
                            f"run {sys.executable} or import the dojo"
                        )
                    return
            raise WorkerGone("the worker process did not start: see the log")
        if not self._answers(self.route):
            raise WorkerGone("the worker process did not start: see the log")

    def _answers(self, route: str) -> bool:
        """Start a worker and wait until it answers (its imports done), so that no time
        limit of the learner's counts its start."""
        try:
            self._spawn(route)
        except OSError:
            self.process = None
            return False
        return self._ping(route)

    def _ping(self, route: str) -> bool:
        """Whether the worker just started answers, and as the user its route makes it."""
        try:
            header, _ = self._exchange({"op": "ping"}, [])
            return "pong" in header and (not route or header["pong"] == NOBODY)
        except (OSError, EOFError, wire.WireError):
            self.stop()
            return False

    def _spawn(self, route: str) -> None:
        """The worker's process: requests on its stdin, answers on its stdout, and whatever
        the learner's code prints on its stderr (the worker moves its own stdout there)."""
        paths = [p for p in sys.path if p and not Path(p).resolve().is_relative_to(self.folder)]
        boot = (
            f"import sys; sys.path[:] = {paths!r}; "
            "from pytest_ninja.classroom.worker import main; main(); import os; os._exit(0)"
        )
        command = [sys.executable, "-I", "-B", "-c", boot]
        user = {}
        if route == "setuid":
            user = {"user": NOBODY, "group": NOBODY, "extra_groups": []}
        elif route == "sudo":
            command = ["sudo", "-n", "-u", f"#{NOBODY}", "--", *command]
        self.process = subprocess.Popen(
            command,
            cwd=self.folder,
            env=self._environment(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            **user,
        )
        self.requests = self.process.stdin.fileno()
        self.answers = self.process.stdout.fileno()
        self.loaded = set()
        threading.Thread(target=self._echo, args=(self.process.stderr,), daemon=True).start()

    def _echo(self, stream) -> None:
        """What the learner's code prints, for the log, each line indented: nothing it prints
        can start a line with a workflow command."""
        for raw in iter(stream.readline, b""):
            self.echo("  | " + raw.decode("utf-8", "replace").rstrip("\r\n")[:500])
        stream.close()

    def ask(
        self, header: dict, blobs: list[bytes] = (), timeout: float | None = None
    ) -> tuple[dict, list[bytes]]:
        """Send a request and wait for its answer; WorkerGone when the worker died."""
        if self.process is None or self.route is None:  # none, or begun and not heard from
            self.start()
        try:
            return self._exchange(header, list(blobs), timeout)
        except (EOFError, BrokenPipeError, OSError):
            raise WorkerGone(self._gone()) from None
        except wire.WireError as exc:
            self.stop()
            raise WorkerGone(f"its process sent what no function returns ({exc})") from None

    def _exchange(
        self, header: dict, blobs: list[bytes], timeout: float | None = None
    ) -> tuple[dict, list[bytes]]:
        """Send, then wait for the answer while the worker lives (a process it started may
        hold the pipe open after it died), at most `timeout` seconds."""
        wire.send(self.requests, header, blobs)
        deadline = None if timeout is None else time.monotonic() + timeout
        while not select.select([self.answers], [], [], 0.05)[0]:
            if self.process.poll() is not None:
                raise EOFError
            if deadline is not None and time.monotonic() > deadline:
                self.stop()
                raise WorkerGone(f"it ran for more than {timeout:g} s (an endless loop?)")
        return wire.receive(self.answers)

    def _gone(self) -> str:
        code = self.process.wait() if self.process else None
        self.stop()
        if code is not None and code < 0:
            name = _signal_name(code)
            hint = " (out of memory?)" if name == "SIGKILL" else ""
            return f"the process running it was killed by {name}{hint}"
        return f"the process running it ended (exit code {code})"

    def load(self, kata: Kata, path: Path, timeout: float | None) -> str | None:
        """Load a kata's file in the worker: None, or the learner's line on why it cannot."""
        header, _ = self.ask({"op": "load", "kata": kata.id, "path": str(path)}, (), timeout)
        if "error" in header:
            return str(header["error"])[:1000]
        self.loaded.add(kata.id)
        return None

    def stop(self) -> None:
        """Kill the worker and everything it started; close the pipes."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except OSError:
            pass
        if "sudo" in (self.route, self.pending):
            self._kill_as_nobody()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.process = None
        sudo = "sudo" in (self.route, self.pending)
        sweep(self._kill_as_nobody if sudo else None)

    @staticmethod
    def _kill_as_nobody() -> None:
        """Every process of `nobody`'s, killed as `nobody` (this process may not signal them)."""
        try:
            subprocess.run(
                ["sudo", "-n", "-u", f"#{NOBODY}", "--", "kill", "-KILL", "-1"],
                capture_output=True,
                timeout=10,
            )
        except (OSError, subprocess.TimeoutExpired):
            pass


def _named(answer, first: str, depth: int = 0):
    """Every value of an answer with a name for it: a dict's by key (`dx`, a grads dict's
    `ln_1.weight`), a tuple's in turn, a lone tensor as the first output."""
    if isinstance(answer, dict) and depth < 2:
        for key, value in answer.items():
            yield from _named(value, str(key), depth + 1)
    elif isinstance(answer, tuple | list) and depth < 2:
        for value in answer:
            yield from _named(value, first, depth + 1)
    else:
        yield first, answer


def _copy_back(given, new) -> None:
    """An input the worker's function changed in place, changed here the same way (the
    grader then sees what it would have seen in-process)."""
    if isinstance(given, torch.Tensor):
        if isinstance(new, torch.Tensor) and new.shape == given.shape:
            given.copy_(new)
        else:
            given.add_(1)  # changed beyond a copy: changed all the same
    elif isinstance(given, dict):
        new = new if isinstance(new, dict) else {}
        for key, tensor in given.items():
            _copy_back(tensor, new.get(key))


class RemoteFunction:
    """The learner's function, as the grading core calls it: run in the worker."""

    def __init__(self, worker: Worker, kata: Kata) -> None:
        self.worker, self.kata = worker, kata

    def __call__(self, **inputs):
        blobs: list[bytes] = []
        sent = {k: wire.encode(v, blobs, 1) for k, v in inputs.items()}
        request = {"op": "call", "kata": self.kata.id, "inputs": sent}
        try:
            header, got = self.worker.ask(request, blobs)
        except KataTimeout:  # its time is up: it is still running, and is stopped
            self.worker.stop()
            raise
        if header.get("todo"):
            raise NotImplementedError
        if "verdict" in header:  # the worker's own refusal, told whole (it changed torch)
            raise Described(str(header["verdict"])[:1000], raised=False)
        if "raised" in header:
            if header.get("autograd"):
                raise RuntimeError("element 0 of tensors does not require grad")
            raise Described(str(header["raised"])[:1000])
        try:
            answer = wire.decode(header.get("answer"), got)
            changed = header.get("changed") or {}
            for name, value in changed.items():
                if name in inputs:
                    _copy_back(inputs[name], wire.decode(value, got, 1))
        except wire.WireError as exc:
            self.worker.stop()
            raise WorkerGone(f"its process sent what no function returns ({exc})") from None
        for name, value in _named(answer, self.kata.outputs[0]):
            if isinstance(value, wire.Refused):
                raise Described(dense_only(name, value.layout), raised=False)
        return answer
