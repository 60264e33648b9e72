"""Run one call in a child process that can be killed: its value back, or a typed failure.

    outcome = runner.run(func, args, kwargs, timeout=30, wake=[fd], interrupt=check, poll=0.05)

The contract, for any caller (watch mode grades a kata this way; class grading will too):

- `func(*args, **kwargs)` runs in a child forked from this process, so it starts in
  milliseconds with everything already imported here (torch, caches). Keep `func`, its
  arguments and its value picklable: the value comes back pickled, and a later version may
  spawn rather than fork.
- The result is one of the outcomes below, never an exception from the child: `Done(value)`;
  `Raised` (the call raised: its type, message and traceback as text); `Crashed` (the child
  died before sending a value: an exit code from `os._exit`, or a signal: a segfault, the
  out-of-memory killer; or it could not be forked at all); `TimedOut` (it ran past `timeout`
  seconds of wall time and was killed); `Killed` (the caller's `interrupt` asked for it to
  stop). Every outcome has `ok` and `pid` (the child's); every failure has `why`, one phrase
  for a message ("it was killed by SIGSEGV (a crash in native code)").
- While the child runs, this process waits with `select` on the child's result and on the
  caller's own file descriptors (`wake`: a list, or a function giving the current list). When
  one of them is readable, and every `poll` seconds, `interrupt(ready_fds)` is called; when it
  returns true the child is killed (SIGKILL) at once. The caller reads its own descriptors.
- Nothing is left running: the child is killed if still alive and always reaped before `run`
  returns, whatever happens here (Ctrl-C included). On Linux the child also dies with the
  thread that forked it, should this process be killed outright.
- The child writes to the same stdout and stderr as this process (both are flushed before the
  fork and in the child before it exits); it never runs this process's exit handlers.
- Where fork is unavailable (`CAN_FORK` false: Windows), the call runs in this process: no
  time limit, no interruption, an exception other than Exception propagates. Callers say so.

Linux and macOS; standard library only (no torch, no pytest).
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

CAN_FORK = hasattr(os, "fork")
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Done:
    """The call returned `value`."""

    value: Any
    pid: int = 0
    ok = True


@dataclass(frozen=True)
class Raised:
    """The call raised; its exception as text (exceptions need not pickle)."""

    kind: str
    message: str
    traceback: str = ""
    pid: int = 0
    ok = False

    @property
    def why(self) -> str:
        return f"it raised {self.kind}" + (f": {self.message}" if self.message else "")


@dataclass(frozen=True)
class Crashed:
    """The child died without sending a value: an exit code, or the signal that killed it."""

    exitcode: int | None = None
    signal: int | None = None
    pid: int = 0
    reason: str = ""  # when it never started
    ok = False

    @property
    def why(self) -> str:
        if self.reason:
            return self.reason
        if self.signal is not None:
            hint = _SIGNAL_HINTS.get(self.signal, "")
            return f"it was killed by {_signal_name(self.signal)}{hint}"
        if self.exitcode == 0:
            return "its process exited before sending a result"
        return f"its process exited with code {self.exitcode} before finishing (os._exit?)"


@dataclass(frozen=True)
class TimedOut:
    """The child ran past the wall-clock `timeout` and was killed."""

    seconds: float
    pid: int = 0
    ok = False

    @property
    def why(self) -> str:
        return f"it ran for more than {self.seconds:g} s and was killed"


@dataclass(frozen=True)
class Killed:
    """The caller's `interrupt` stopped the child."""

    pid: int = 0
    ok = False

    @property
    def why(self) -> str:
        return "it was stopped"


Outcome = Done | Raised | Crashed | TimedOut | Killed
Failure = Raised | Crashed | TimedOut | Killed

_SIGNAL_HINTS = {
    signal.SIGKILL: " (out of memory?)",
    signal.SIGSEGV: " (a crash in native code)",
    signal.SIGBUS: " (a crash in native code)",
    signal.SIGABRT: " (a native library aborted)",
}


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def run(
    func: Callable,
    args: tuple = (),
    kwargs: dict | None = None,
    *,
    timeout: float | None = None,
    wake: Iterable[int] | Callable[[], Iterable[int]] = (),
    interrupt: Callable[[list[int]], bool] | None = None,
    poll: float | None = None,
) -> Outcome:
    """`func(*args, **kwargs)` in a killable child: its value, or why there is none."""
    kwargs = kwargs or {}
    if not CAN_FORK:
        return _in_process(func, args, kwargs)
    prctl = _prctl()
    read_fd, write_fd = os.pipe()
    _flush()
    parent = os.getpid()
    # Ctrl-C waits until both sides are inside their try blocks: a KeyboardInterrupt must
    # never run the caller's code in the child, nor leave a child nobody kills.
    mask = _block_signals()
    try:
        with warnings.catch_warnings():  # Python 3.12 warns of fork with threads: the child
            warnings.simplefilter("ignore", DeprecationWarning)  # runs this call alone
            pid = os.fork()
    except OSError as exc:  # out of processes or memory
        _restore_signals(mask)
        os.close(read_fd)
        os.close(write_fd)
        return Crashed(reason=f"its process could not be started ({exc.strerror or exc})")
    if pid == 0:  # the child: never returns
        _child(read_fd, write_fd, mask, parent, prctl, func, args, kwargs)
    child = _Child(pid)
    try:
        os.close(write_fd)
        _restore_signals(mask)
        return _wait(child, read_fd, timeout, wake, interrupt, poll)
    finally:
        os.close(read_fd)
        child.kill()


class _Child:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.status: int | None = None  # the wait status, once reaped

    def reap(self) -> int:
        if self.status is None:
            while True:
                try:
                    _, self.status = os.waitpid(self.pid, 0)
                    break
                except InterruptedError:  # pragma: no cover - PEP 475 retries already
                    continue
        return self.status

    def kill(self) -> None:
        """Kill it (if still running) and reap it; idempotent."""
        if self.status is not None:
            return
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.reap()


def _wait(child, read_fd, timeout, wake, interrupt, poll) -> Outcome:
    deadline = None if timeout is None else time.monotonic() + timeout
    chunks: list[bytes] = []
    while True:
        fds = [read_fd, *(wake() if callable(wake) else wake)]
        waits = [] if poll is None else [poll]
        if deadline is not None:
            waits.append(max(deadline - time.monotonic(), 0.0))
        ready, _, _ = select.select(fds, [], [], min(waits) if waits else None)
        if read_fd in ready:
            chunk = os.read(read_fd, _CHUNK)
            if not chunk:
                return _result(child, b"".join(chunks))
            chunks.append(chunk)
        others = [fd for fd in ready if fd != read_fd]
        if interrupt is not None and (others or not ready) and interrupt(others):
            child.kill()
            return Killed(child.pid)
        if deadline is not None and time.monotonic() >= deadline:
            child.kill()
            return TimedOut(timeout, child.pid)


def _result(child: _Child, data: bytes) -> Outcome:
    status = child.reap()
    if data:
        try:
            outcome = pickle.loads(data)
        except Exception:  # cut short by a crash while writing
            outcome = None
        if isinstance(outcome, Done | Raised):
            return outcome
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        return Crashed(signal=-code, pid=child.pid)
    return Crashed(exitcode=code, pid=child.pid)


def _child(read_fd, write_fd, mask, parent, prctl, func: Callable, args, kwargs) -> None:
    code = 0
    try:
        os.close(read_fd)
        _restore_signals(mask)
        if prctl is not None:  # Linux: the kernel kills this child when its parent thread dies
            prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
            if os.getppid() != parent:  # it died before the prctl
                os._exit(70)
        pid = os.getpid()
        try:
            outcome: Done | Raised = Done(func(*args, **kwargs), pid)
        except BaseException as exc:  # noqa: BLE001 - the parent decides what it means
            outcome = Raised(type(exc).__name__, str(exc), traceback.format_exc(), pid)
        try:
            data = pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            data = pickle.dumps(
                Raised("PicklingError", f"its value could not be pickled: {exc}", "", pid)
            )
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view) :]
        _flush()
    except BaseException:  # noqa: BLE001 - nothing may escape a forked child
        code = 70
    finally:
        os._exit(code)


_PR_SET_PDEATHSIG = 1
_PRCTL: list = []  # [libc's prctl, or None], looked up once, in the parent


def _prctl():
    if not _PRCTL:
        prctl = None
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                prctl = ctypes.CDLL(None, use_errno=True).prctl
            except (OSError, AttributeError):
                prctl = None
        _PRCTL.append(prctl)
    return _PRCTL[0]


_BLOCKED = {signal.SIGINT, signal.SIGTERM}


def _block_signals():
    if not hasattr(signal, "pthread_sigmask"):
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, _BLOCKED)


def _restore_signals(mask) -> None:
    if mask is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _in_process(func: Callable, args: tuple, kwargs: dict) -> Outcome:
    try:
        return Done(func(*args, **kwargs))
    except Exception as exc:
        return Raised(type(exc).__name__, str(exc), traceback.format_exc())


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
