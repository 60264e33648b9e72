"""A time limit around the learner's function, so an endless loop costs one kata, not the run.

SIGALRM on the main thread (Linux and macOS): the learner's code is interrupted between two
Python bytecodes with `KataTimeout`, a BaseException that a bare `except Exception` in the
kata cannot swallow. A timer that was already running (pytest-timeout's, around the whole
check) is put back afterwards with its remaining time. Elsewhere (another thread, Windows)
there is no limit here and pytest-timeout's backstop is all there is.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager


class KataTimeout(BaseException):
    """The learner's function ran past its time limit."""


def _raise_timeout(signum, frame):
    raise KataTimeout


@contextmanager
def time_limit(seconds: float | None):
    """Interrupt the block with KataTimeout after `seconds` (None or 0: no limit)."""
    usable = (
        seconds
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return
    previous_handler = signal.signal(signal.SIGALRM, _raise_timeout)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:
            left = max(previous_delay - (time.monotonic() - started), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, previous_interval)


class Interrupts:
    """Tells a real Ctrl-C from a KeyboardInterrupt the learner's code raised itself."""

    def __init__(self) -> None:
        self.from_user = False

    def _on_sigint(self, signum, frame):
        self.from_user = True
        raise KeyboardInterrupt


@contextmanager
def watch_interrupts():
    """Within the block, a Ctrl-C from the user sets `from_user` before it interrupts."""
    interrupts = Interrupts()
    if threading.current_thread() is not threading.main_thread():
        interrupts.from_user = True  # cannot tell: treat every interrupt as the user's
        yield interrupts
        return
    previous = signal.signal(signal.SIGINT, interrupts._on_sigint)
    try:
        yield interrupts
    finally:
        signal.signal(signal.SIGINT, previous)
