"""What `pytest-ninja train` shows while a run goes and once it is over: the progress bar with
the time left (`ProgressBar`, `time_left`) and the loss curves as a PNG (`plot_losses`).

Any level's run: the bar is told (step, steps, recent loss, seconds), the plot gets each arm's
batch losses by label and the level's title.
"""

from __future__ import annotations

import math
import shutil
import time
from pathlib import Path
from typing import TextIO


def shown(path: Path) -> str:
    """A path as the learner would type it: relative to here when it is under here."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def plot_losses(
    path: Path,
    curves: dict[str, list[float]],
    lecture_run: bool,
    title: str = "the lecture's MLP with a hand-written backward pass",
) -> str:
    """Save the loss curves (means over buckets of steps) as a PNG; a line saying what happened."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return (
            "loss curve: not drawn, matplotlib is not installed (pip install 'pytest-ninja[plot]')"
        )
    from pytest_ninja.levels.mlp import training

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for label, losses in curves.items():
        size = max(1, len(losses) // 200)
        count = len(losses) // size
        means = [sum(losses[i * size : (i + 1) * size]) / size for i in range(count)]
        ax.plot([(i + 1) * size for i in range(count)], means, label=label)
    if lecture_run:
        ax.axhline(
            training.LECTURE_TRAIN_LOSS,
            color="grey",
            linestyle="--",
            linewidth=0.8,
            label="lecture: train 2.07 (calibrated)",
        )
    ax.set_xlabel("step")
    ax.set_ylabel("batch loss (mean over buckets of steps)")
    ax.set_title(f"pytest-ninja train: {title}")
    ax.legend()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100)
    except OSError as exc:
        return f"loss curve: not saved ({exc.strerror or exc}: {path})"
    finally:
        plt.close(fig)
    return f"loss curve: {shown(path)}"


def time_left(step: int, steps: int, seconds: float) -> str:
    """`~1m23s left` at the rate so far; "" before there is a rate, and once done."""
    if step <= 0 or seconds <= 0 or step >= steps:
        return ""
    left = math.ceil(seconds * (steps - step) / step)
    if left < 60:
        return f"~{left}s left"
    if left < 3600:
        return f"~{left // 60}m{left % 60:02d}s left"
    return f"~{left // 3600}h{left % 3600 // 60:02d}m left"


class ProgressBar:
    """Step, loss, speed and time left: one line redrawn at a terminal, a few plain lines
    otherwise. At a terminal the bar narrows, or goes, so the line fits the width."""

    def __init__(
        self,
        stream: TextIO,
        label: str = "",
        tty: bool | None = None,
        lines: int = 10,
        interval: float = 0.1,
        width: int | None = None,
    ) -> None:
        self.stream = stream
        self.label = f"{label} " if label else ""
        self.tty = stream.isatty() if tty is None else tty
        self.lines, self.interval = lines, interval
        self.width = shutil.get_terminal_size().columns if width is None else width
        self.bar = 20  # characters of the bar at a terminal
        self.last_draw = -math.inf
        self.last_step = 0
        self.drawn = False

    def __call__(self, step: int, steps: int, loss: float, seconds: float) -> None:
        now = time.monotonic()
        if self.tty:
            if step != steps and now - self.last_draw < self.interval:
                return
            self.stream.write("\r" + self.line(step, steps, loss, seconds))
        else:
            every = max(1, steps // self.lines)
            same_line = step // every == self.last_step // every and step != steps
            if step == self.last_step or same_line:
                return
            status = self.status(step, steps, loss, seconds)
            self.stream.write(f"{self.label}step {step:>7,}/{steps:,}  {status}\n")
        self.stream.flush()
        self.last_draw, self.last_step, self.drawn = now, step, True

    def line(self, step: int, steps: int, loss: float, seconds: float) -> str:
        """The terminal's line, padded to clear the last one and short of the last column."""
        room = max(1, self.width - 1)
        head = f"{self.label}step {step:>7,}/{steps:,} "
        status = self.status(step, steps, loss, seconds)
        fits = room - len(head) - len(status) - 3  # 3: the brackets and a space
        self.bar = min(self.bar, fits if fits >= 5 else 0)  # narrows once, then stays
        size = self.bar
        bar = f"[{'#' * (size * step // steps):<{size}}] " if size else ""
        return (head + bar + status)[:room].ljust(room)

    @staticmethod
    def status(step: int, steps: int, loss: float, seconds: float) -> str:
        rate = step / seconds if seconds > 0 else 0.0
        left = time_left(step, steps, seconds)
        return f"loss {loss:.4f}  {rate:,.0f} steps/s" + (f"  {left}" if left else "")

    def close(self) -> None:
        if self.tty and self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False
