"""`pytest-ninja train`: exercise 4 for real, as the learner sees it.

The lecture's run (n_hidden 200, 200,000 steps) with the learner's `backward_mlp` from
`katas/14_backward_mlp.py` (or the dojo's own with `--reference`): the progress bar, the
report beside the lecture's losses, sampled names, `--compare` with autograd, the loss-curve
PNG. The loop itself is `training.py`; what goes wrong on the learner's side becomes a
`Failure`: one line, exit code 1, no traceback.
"""

from __future__ import annotations

import argparse
import math
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

KATA_FILE = "14_backward_mlp.py"
SAMPLES = 20
INTERRUPTED = 130  # the exit code of a run stopped by Ctrl-C


class Failure(Exception):
    """The command cannot go on; the message is one line for the learner."""


def arg(*flags: str, **options) -> tuple[tuple[str, ...], dict]:
    """One argument of the command, as `parser.add_argument` takes it."""
    return flags, options


def positive_int(text: str) -> int:
    value = int(text.replace("_", "").replace(",", ""))
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, not {text}")
    return value


def shown(path: Path) -> str:
    """A path as the learner would type it: relative to here when it is under here."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


HELP = (
    "exercise 4 for real: train the lecture's model (n_hidden 200, 200,000 steps) with your "
    "backward_mlp from katas/14_backward_mlp.py, then sample names; Ctrl-C stops early and "
    "still reports"
)
ARGUMENTS = (
    arg(
        "--katas",
        metavar="DIR",
        type=Path,
        default=None,
        help="the folder of your katas (default: ./katas)",
    ),
    arg(
        "--reference",
        action="store_true",
        help="train with the dojo's own solution instead of yours",
    ),
    arg(
        "--names",
        metavar="PATH",
        default=None,
        help="the lecture's names.txt (default: $NINJA_NAMES, else a cached copy, else "
        "downloaded once from makemore and checked against its sha256)",
    ),
    arg(
        "--steps",
        type=positive_int,
        default=200_000,
        help="training steps (default: the lecture's 200,000); the learning rate drops from "
        "0.1 to 0.01 halfway",
    ),
    arg(
        "--seed",
        type=int,
        default=2147483647,
        help="seed of the init, the batches and the samples (default: the lecture's)",
    ),
    arg("--device", choices=("cpu", "cuda"), default="cpu", help="where to train (default: cpu)"),
    arg(
        "--compare",
        action="store_true",
        help="also train with autograd, same init and batches, and show the two side by side",
    ),
    arg(
        "--plot",
        metavar="PNG",
        type=Path,
        default=Path(".ninja") / "train-loss.png",
        help="where to save the loss curve, if matplotlib is installed "
        "(default: .ninja/train-loss.png)",
    ),
    arg("--no-plot", action="store_true", help="do not save a loss curve"),
)


def train_arguments(parser: argparse.ArgumentParser) -> None:
    for flags, options in ARGUMENTS:
        parser.add_argument(*flags, **options)


def train(args: argparse.Namespace) -> int:
    if args.reference and args.katas is not None:
        raise Failure("--reference trains with the dojo's solution, --katas with yours: choose one")
    import torch

    from . import training

    if args.device == "cuda" and not torch.cuda.is_available():
        why = "this torch is built without CUDA" if torch.version.cuda is None else "no GPU found"
        raise Failure(
            f"--device cuda: CUDA is not available here ({why}); "
            "train on the CPU (leave out --device)"
        )
    path, who = kata_path(args)
    backward = load_backward(path, who)
    found = load_names(args.names)
    splits = training.Splits.from_words(found.words)
    if len(splits.Ytr) == 0 or len(splits.Ydev) == 0:
        raise Failure(
            f"{shown(found.path)} has too few names ({len(found.words)}) to split 80% / 10% / "
            "10% and train: use the lecture's names.txt"
        )
    config = training.TrainConfig(steps=args.steps, seed=args.seed, device=args.device)
    print(f"training with {who}")
    print(
        f"  {config.steps:,} steps of {config.batch_size}, n_hidden {config.n_hidden} "
        f"({config.parameter_count:,} parameters), lr {config.lr} then {config.lr_after} from "
        f"step {config.decay_step:,}, on the {config.device}"
    )
    print(
        f"  names: {shown(found.path)} ({found.origin}), {len(found.words):,} names: "
        f"{len(splits.Ytr):,} / {len(splits.Ydev):,} / {len(splits.Yte):,} examples "
        "(train / val / test)",
        flush=True,
    )

    bar = ProgressBar(sys.stdout, "side by side:" if args.compare else "")
    try:
        if args.compare:
            comparison = training.compare(backward, splits, config, progress=bar)
            result = comparison.yours
        else:
            comparison, result = None, training.train(backward, splits, config, progress=bar)
    except training.BackwardError as exc:
        raise Failure(backward_failure(exc, path, who)) from None
    finally:
        bar.close()
    if result.stopped == "diverged":
        raise Failure(
            f"training blew up by step {result.steps_done:,} (the loss or a parameter is no "
            f"longer finite): the gradients of {who} send the model astray; {check_hint(path)}"
        )

    label = "reference" if args.reference else "yours"
    for line in report_lines(result):
        print(line)
    if comparison is not None:
        for line in compare_lines(comparison, label):
            print(line)
    seed = config.seed + training.SAMPLE_SEED_OFFSET
    print(f"{SAMPLES} names sampled from the model (seed {seed}):")
    names = training.sample(result.params, result.bn, SAMPLES, seed=seed)
    for line in textwrap.wrap(", ".join(n or "(empty)" for n in names), 76):
        print(f"  {line}")
    if not args.no_plot:
        curves = {label: result.losses}
        if comparison is not None:
            curves["autograd"] = comparison.autograd.losses
        print(plot_losses(args.plot, curves, config.is_lecture_run))
    return INTERRUPTED if result.stopped == "interrupted" else 0


def load_names(path: str | None):
    """names.txt's words, saying so when they must be downloaded first."""
    from . import names

    def announce(url: str, target: Path) -> None:
        print(f"names.txt: downloading {url} (once; kept in {target.parent})", flush=True)

    try:
        return names.load_names(path, on_download=announce)
    except names.NamesError as exc:
        raise Failure(str(exc)) from None


def kata_path(args: argparse.Namespace) -> tuple[Path, str]:
    """The file to train with, and how to name it to the learner."""
    if args.reference:
        from .workspace import bundled

        try:
            path = bundled("solutions") / KATA_FILE
        except FileNotFoundError:
            path = None
        if path is None or not path.is_file():
            raise Failure(
                "the dojo's solutions are not installed with this package, so "
                "--reference has nothing to train with; reinstall pytest-ninja"
            )
        return path, f"the reference backward_mlp ({shown(path)})"
    folder = args.katas if args.katas is not None else Path("katas")
    path = folder / KATA_FILE
    if not path.is_file():
        raise Failure(
            f"there is no {shown(path)}: point --katas at the folder of your katas, "
            "or train with --reference"
        )
    return path, f"your backward_mlp ({shown(path)})"


def check_hint(path: Path) -> str:
    return f"check it with `pytest {shown(path)}`"


def load_backward(path: Path, who: str) -> Callable:
    """The kata's function, imported and tried once on a tiny model (a stub fails here)."""
    from . import training
    from .catalogue import find
    from .loading import KataLoadError, load_function

    try:
        backward = load_function(path, find("backward_mlp"))
    except KataLoadError as exc:
        raise Failure(f"{exc}: fix it, then {check_hint(path)}") from None
    try:
        training.probe(backward)
    except training.BackwardError as exc:
        raise Failure(backward_failure(exc, path, who)) from None
    return backward


def backward_failure(exc, path: Path, who: str) -> str:
    """One line on a backward function that failed: a stub, an exception, a wrong answer."""
    from .loading import exception_line

    if exc.stub:
        return (
            f"backward_mlp in {shown(path)} is still a stub (it raises NotImplementedError): "
            f"solve it, {check_hint(path)}, then train"
        )
    if exc.error is None:
        return f"{exc}; {check_hint(path)}"
    return (
        f"{who} failed at step {exc.step:,}: {exception_line(exc.error, path.resolve())}; "
        f"{check_hint(path)}"
    )


def report_lines(result) -> list[str]:
    """What the run learnt, beside the lecture's numbers."""
    from .training import LECTURE_TRAIN_LOSS, LECTURE_VAL_LOSS

    config = result.config
    lines = []
    if result.stopped == "interrupted":
        lines.append(
            f"stopped by Ctrl-C after {result.steps_done:,} of {config.steps:,} steps; "
            "what it learnt so far:"
        )
    lines.append(
        f"{result.steps_done:,} steps in {result.wall_seconds:.1f} s "
        f"({result.steps_per_second:,.0f} steps/s); BatchNorm then calibrated over the "
        "training set"
    )
    note = "" if config.is_lecture_run else "  (the lecture's are after 200,000 steps)"
    lines.append(f"{'':8}{'loss':>8}{'lecture':>9}{'diff':>9}{note}")
    for split, loss, lecture in (
        ("train", result.train_loss, LECTURE_TRAIN_LOSS),
        ("val", result.val_loss, LECTURE_VAL_LOSS),
    ):
        lines.append(f"  {split:<6}{loss:>8.4f}{lecture:>9.2f}{loss - lecture:>+9.4f}")
    return lines


def compare_lines(c, label: str = "yours") -> list[str]:
    """The two runs side by side: loss curves, divergence, speed."""
    yours, theirs = c.yours.losses, c.autograd.losses
    lines = [
        "side by side with autograd (same init, same batches; mean batch loss):",
        f"  {'steps':<18}{label:>9}{'autograd':>10}",
    ]
    count = len(yours)
    windows = min(10, count)
    for w in range(windows):
        lo, hi = w * count // windows, (w + 1) * count // windows
        if hi > lo:
            a = sum(yours[lo:hi]) / (hi - lo)
            b = sum(theirs[lo:hi]) / (hi - lo)
            lines.append(f"  {f'{lo + 1:,}-{hi:,}':<18}{a:>9.4f}{b:>10.4f}")
    name, worst = c.largest
    each = "  ".join(f"{k} {v:.1e}" for k, v in c.divergence.items())
    lines.append(
        f"largest divergence of the parameters: {name} by {worst:.2e} "
        f"(max |{label} - autograd|; float32 rounding differs, and grows with the steps)"
    )
    lines.append(f"  {each}")

    def rate(r) -> float:
        return r.steps_done / r.seconds if r.seconds > 0 else math.nan

    lines.append(
        f"speed of a step: {label} {rate(c.yours):,.0f} steps/s, autograd "
        f"{rate(c.autograd):,.0f} steps/s ({label} {c.speedup:.2f}x as fast)"
    )
    lines.append(
        f"autograd's run after calibration: train {c.autograd.train_loss:.4f}, "
        f"val {c.autograd.val_loss:.4f}"
    )
    return lines


def plot_losses(path: Path, curves: dict[str, list[float]], lecture_run: bool) -> str:
    """Save the loss curves (means over buckets of steps) as a PNG; a line saying what happened."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return (
            "loss curve: not drawn, matplotlib is not installed (pip install 'pytest-ninja[plot]')"
        )
    from . import training

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
    ax.set_title("pytest-ninja train: the lecture's MLP with a hand-written backward pass")
    ax.legend()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100)
    except OSError as exc:
        return f"loss curve: not saved ({exc.strerror or exc}: {path})"
    finally:
        plt.close(fig)
    return f"loss curve: {shown(path)}"


class ProgressBar:
    """Step, loss and speed: one line redrawn at a terminal, a few plain lines otherwise."""

    def __init__(
        self,
        stream: TextIO,
        label: str = "",
        tty: bool | None = None,
        lines: int = 10,
        interval: float = 0.1,
    ) -> None:
        self.stream = stream
        self.label = f"{label} " if label else ""
        self.tty = stream.isatty() if tty is None else tty
        self.lines, self.interval = lines, interval
        self.last_draw = -math.inf
        self.last_step = 0
        self.drawn = False

    def __call__(self, step: int, steps: int, loss: float, seconds: float) -> None:
        now = time.monotonic()
        if self.tty:
            if step != steps and now - self.last_draw < self.interval:
                return
            bar = "#" * (20 * step // steps)
            text = f"{self.label}step {step:>7,}/{steps:,} [{bar:<20}] "
            self.stream.write("\r" + (text + self.status(step, loss, seconds)).ljust(79))
        else:
            every = max(1, steps // self.lines)
            same_line = step // every == self.last_step // every and step != steps
            if step == self.last_step or same_line:
                return
            self.stream.write(
                f"{self.label}step {step:>7,}/{steps:,}  {self.status(step, loss, seconds)}\n"
            )
        self.stream.flush()
        self.last_draw, self.last_step, self.drawn = now, step, True

    @staticmethod
    def status(step: int, loss: float, seconds: float) -> str:
        rate = step / seconds if seconds > 0 else 0.0
        return f"loss {loss:.4f}  {rate:,.0f} steps/s"

    def close(self) -> None:
        if self.tty and self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False
