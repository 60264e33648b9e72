"""`pytest-ninja train`: a level's model trained on the learner's own backward pass.

Level 1 (the default) is exercise 4 for real: the lecture's run (n_hidden 200, 200,000 steps)
with the function of its training kata; `--level 2` trains the small GPT on names.txt (2,000
steps of AdamW) with the function of its own. A level names its kata
(`LEVEL.extras["training_kata"]`) and its training module (`extras["training"]`: the loop,
the settings and what the report says of a run), so this front end is the same for both.
The learner's function comes from the workspace (`--dir`, default here), or the dojo's own
with `--reference`. The learner's is graded first, as its kata grades it: a stub or a failing
answer is refused before any training (`--force` trains on a failing one anyway, and says
so). Then the progress bar with the time left, the report, sampled names, `--compare` with
autograd (with the likely cause when the learner's steps are slower: the level's
`slower_lines`), the loss-curve PNG (the bar and the plot are `train_view`'s). What goes
wrong on the learner's side becomes a `Failure`: one line first, the detail after, exit code
1, no traceback; a usage error (`--reference` with `--dir`, a folder that is not a workspace)
is a `commands.Usage`, exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from pytest_ninja.cli.commands import Usage, katas_folder
from pytest_ninja.cli.train_view import ProgressBar, plot_losses, shown, time_left
from pytest_ninja.core.level import Kata, Level
from pytest_ninja.levels import BY_ID, LEVELS

__all__ = ["Failure", "ProgressBar", "plot_losses", "shown", "time_left", "train"]

SAMPLES = 20
INTERRUPTED = 130  # the exit code of a run stopped by Ctrl-C
SHOWN_DIVERGENCES = 8  # parameters listed by name; more are summed up by their largest


class Failure(Exception):
    """The command cannot go on; the message is one line for the learner."""


@dataclass(frozen=True)
class Course:
    """A level that can be trained: its kata, and its training module (imported when used)."""

    level: Level

    @property
    def kata(self) -> Kata:
        return BY_ID[self.level.extras["training_kata"]]

    @property
    def training(self) -> ModuleType:
        return importlib.import_module(self.level.extras["training"])

    @property
    def flag(self) -> str:
        """How a command names the level: "" for the first, the default."""
        return "" if self.level is LEVELS[0] else f" --level {self.level.number}"

    @property
    def reference(self) -> str:
        return f"the dojo's reference {self.kata.name}"


COURSES = {lv.number: Course(lv) for lv in LEVELS if "training_kata" in lv.extras}
FIRST = COURSES[LEVELS[0].number]
KATA = FIRST.kata  # level 1's, the default
REFERENCE = FIRST.reference


def arg(*flags: str, **options) -> tuple[tuple[str, ...], dict]:
    """One argument of the command, as `parser.add_argument` takes it."""
    return flags, options


def positive_int(text: str) -> int:
    value = int(text.replace("_", "").replace(",", ""))
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, not {text}")
    return value


def _levels_line() -> str:
    return "; ".join(f"{n} {c.level.title} (katas/{c.kata.filename})" for n, c in COURSES.items())


HELP = (
    "exercise 4 for real: train the lecture's model (n_hidden 200, 200,000 steps) with your "
    f"{KATA.name} from the workspace's katas/{KATA.filename}, or with --level 2 the GPT (2,000 "
    f"steps of AdamW) with your {COURSES[2].kata.name}, then sample names; Ctrl-C stops early "
    "and still reports"
)
ARGUMENTS = (
    arg(
        "--level",
        type=int,
        choices=sorted(COURSES),
        default=FIRST.level.number,
        help=f"the level whose model to train: {_levels_line()} (default: 1)",
    ),
    arg(
        "--reference",
        action="store_true",
        help="train with the dojo's own solution instead of yours",
    ),
    arg(
        "--force",
        action="store_true",
        help="train even if your function fails its kata ("
        + ", ".join(f"{c.kata.name}: kata {c.kata.number}" for c in COURSES.values())
        + "; it is graded first, and a failing one is refused, since it would teach the model "
        "wrong gradients)",
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
        default=None,
        help="training steps (default: level 1's the lecture's 200,000, with the learning rate "
        "dropping from 0.1 to 0.01 halfway; level 2's 2,000, with a warm-up and a cosine decay)",
    ),
    arg(
        "--seed",
        type=int,
        default=None,
        help="seed of the init, the batches and the samples (default: level 1's the lecture's "
        "2147483647, level 2's makemore's 3407)",
    ),
    arg(
        "--device",
        choices=("cpu", "cuda"),
        default="cpu",
        help="where to train (default: cpu; level 2 trains on the cpu only)",
    ),
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
    if args.reference and args.dir is not None:
        raise Usage("--reference trains with the dojo's solution, --dir with yours: choose one")
    course = COURSES[getattr(args, "level", FIRST.level.number)]
    training = course.training
    check_device(args.device, course)
    subject = kata_subject(args, course)
    backward = load_backward(subject)
    failing = [] if subject.reference else gate(subject, args.force)
    found = load_names(args.names)
    splits = training.Splits.from_words(found.words)
    if splits.empty:
        raise Failure(
            f"{shown(found.path)} has too few names ({len(found.words)}) to split "
            f"{training.SPLIT_RULE} and train: use the lecture's names.txt"
        )
    config = training.TrainConfig(
        steps=args.steps or training.DEFAULT_STEPS,
        seed=training.DEFAULT_SEED if args.seed is None else args.seed,
        device=args.device,
    )
    if failing:
        print(
            f"--force: {subject.name} fails {len(failing)} of {len(subject.kata.outputs)} "
            f"checks of kata {subject.kata.number} ({outputs_of(failing)}); training on it anyway"
        )
    print(f"training with {subject.who}")
    print(f"  {config.summary()}")
    print(
        f"  names: {shown(found.path)} ({found.origin}), {len(found.words):,} names: "
        f"{splits.summary()}",
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
        raise Failure(backward_failure(exc, subject)) from None
    finally:
        bar.close()
    forced = forced_line(failing, subject.kata)
    if result.stopped == "diverged":
        raise Failure(
            f"training blew up by step {result.steps_done:,} (the loss or a parameter is no "
            f"longer finite): the gradients of {subject.who} send the model astray; "
            f"{subject.hint}" + (f"\n  {forced}" if forced else "")
        )

    label = "reference" if subject.reference else "yours"
    for line in report_lines(result, training):
        print(line)
    if forced:
        print(forced)
    if comparison is not None:
        source = "" if subject.reference else read_source(subject.path)
        slower = training.slower_lines(comparison.speedup, subject.name, source, subject.path.name)
        for line in compare_lines(comparison, label, slower, training):
            print(line)
    seed = config.seed + training.SAMPLE_SEED_OFFSET
    print(f"{SAMPLES} names sampled from the model (seed {seed}):")
    names = training.sample_run(result, SAMPLES, seed)
    for line in textwrap.wrap(", ".join(n or "(empty)" for n in names), 76):
        print(f"  {line}")
    if not args.no_plot:
        curves = {label: result.losses}
        if comparison is not None:
            curves["autograd"] = comparison.autograd.losses
        print(plot_losses(args.plot, curves, config.is_lecture_run, training.PLOT_TITLE))
    return INTERRUPTED if result.stopped == "interrupted" else 0


def check_device(device: str, course: Course) -> None:
    """A device the level trains on, and that this machine has."""
    if device not in course.training.DEVICES:
        raise Failure(
            f"--device {device}: level {course.level.number} trains on the "
            f"{' or '.join(course.training.DEVICES)} only (leave out --device)"
        )
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            built = torch.version.cuda is None
            why = "this torch is built without CUDA" if built else "no GPU found"
            raise Failure(
                f"--device cuda: CUDA is not available here ({why}); "
                "train on the CPU (leave out --device)"
            )


def load_names(path: str | None):
    """names.txt's words, saying so when they must be downloaded first."""
    from pytest_ninja.levels import names

    def announce(url: str, target: Path) -> None:
        print(f"names.txt: downloading {url} (once; kept in {target.parent})", flush=True)

    try:
        return names.load_names(path, on_download=announce)
    except names.NamesError as exc:
        raise Failure(str(exc)) from None


@dataclass(frozen=True)
class Subject:
    """The function to train with, and how to speak of it to the learner."""

    path: Path
    name: str  # "your <function>", or the reference's name
    who: str  # the name, with the learner's file beside it (never the reference's)
    hint: str  # what to do when it fails
    kata: Kata
    reference: bool = False


def kata_subject(args: argparse.Namespace, course: Course = FIRST) -> Subject:
    """The file to train with, and how to name it to the learner.

    The reference is named, never located: its file is the kata's packaged solution.
    """
    kata = course.kata
    if args.reference:
        from pytest_ninja.levels import bundled

        try:
            path = bundled("solutions") / kata.filename
        except FileNotFoundError:
            path = None
        if path is None or not path.is_file():
            raise Failure(
                "the dojo's solutions are not installed with this package, so "
                "--reference has nothing to train with; reinstall pytest-ninja"
            )
        hint = "it should never fail: reinstall pytest-ninja, and report it if it still does"
        return Subject(path, course.reference, course.reference, hint, kata, reference=True)
    reference_too = (
        f"  or train with the dojo's own solution: pytest-ninja train{course.flag} --reference"
    )
    try:
        folder = katas_folder(args)
    except Usage as exc:
        raise Usage(f"{exc}\n{reference_too}") from None
    path = folder / kata.filename
    if not path.is_file():
        where = f" --dir {args.dir}" if args.dir is not None else ""
        level = course.level.number
        if course is FIRST or any((folder / k.filename).is_file() for k in course.level.katas):
            put_back = f"`pytest-ninja reset {kata.number}{where}` puts its stub back"
        else:  # a workspace of the first level alone: the level is added, not reset
            space = args.dir if args.dir is not None else "."
            put_back = f"`pytest-ninja init {space} --level {level}` adds level {level}'s katas"
        raise Failure(
            f"there is no {shown(path)}: {put_back}, or train with{course.flag} --reference"
        )
    name = f"your {kata.name}"
    return Subject(path, name, f"{name} ({shown(path)})", check_hint(path), kata)


def check_hint(path: Path) -> str:
    return f"check it with `pytest {shown(path)}`"


def load_backward(subject: Subject) -> Callable:
    """The kata's function, imported and checked for its signature."""
    from pytest_ninja.core.loading import KataLoadError, load_function

    try:
        return load_function(subject.path, subject.kata)
    except KataLoadError as exc:
        raise Failure(f"{exc}: fix it, then {subject.hint}") from None


def gate(subject: Subject, force: bool) -> list:
    """Grade the learner's function as its kata does, in both phases, before any training.

    A stub is refused; a failing answer too, unless `force`. Returns the checks it fails
    (none when it passes).
    """
    from pytest_ninja.core.grading import grade_file
    from pytest_ninja.core.result import Status

    result = grade_file(subject.path, subject.kata, shown=shown(subject.path))
    if result.status is Status.PASSED:
        return []
    if result.status is Status.TODO:
        raise Failure(todo_message(subject, result))
    if force:
        return result.failing
    raise Failure(refusal(subject, result))


def todo_message(subject: Subject, result) -> str:
    """One line on a function not attempted yet: the stub, or one that returns nothing."""
    where = f"{subject.kata.name} in {shown(subject.path)}"
    if all(c.headline.startswith("todo: implement") for c in result.failing):
        state = "is still a stub (it raises NotImplementedError)"
    else:
        state = "returns none of its gradients yet"
    return f"{where} {state}: solve it, {subject.hint}, then train"


def refusal(subject: Subject, result) -> str:
    """Why a failing function is not trained on: one line, then the first failure."""
    from pytest_ninja.core.result import Status

    failing = result.failing
    total = len(result.kata.outputs)
    why = "training on it would teach the model wrong gradients"
    if result.status is Status.ERROR:
        why = (
            "it stops with an error before it can be graded: training on it would fail, or "
            "teach the model wrong gradients"
        )
    lines = [
        f"{subject.name} fails {len(failing)} of {total} checks of kata {subject.kata.number}: "
        f"{outputs_of(failing)}: {why}"
    ]
    first = failing[0]
    lines.append(f"  {first.headline}")
    lines.extend(f"  {line}" for line in first.lines[1:] if line.startswith("likely:"))
    lines.append(
        f"  every check in full: `pytest {shown(subject.path)}`; to train on it anyway: add --force"
    )
    return "\n".join(lines)


def outputs_of(checks) -> str:
    return ", ".join(c.output for c in checks)


def forced_line(failing, kata: Kata = KATA) -> str:
    """The report's word on a run made with --force ("" when it was not needed)."""
    if not failing:
        return ""
    return (
        f"trained with --force on a {kata.name} that fails kata {kata.number} "
        f"({outputs_of(failing)}): expect these losses to be off"
    )


def backward_failure(exc, subject: Subject) -> str:
    """One line on a backward function that failed: a stub, an exception, a wrong answer."""
    from pytest_ninja.core.loading import exception_line

    if exc.stub:
        return (
            f"{subject.kata.name} in {shown(subject.path)} is still a stub (it raises "
            f"NotImplementedError): solve it, {subject.hint}, then train"
        )
    if exc.error is None:
        return f"{exc}; {subject.hint}"
    return (
        f"{subject.who} failed at step {exc.step:,}: "
        f"{exception_line(exc.error, subject.path.resolve())}; {subject.hint}"
    )


def report_lines(result, training: ModuleType) -> list[str]:
    """What the run learnt, in the level's words after the run's own."""
    lines = []
    if result.stopped == "interrupted":
        lines.append(
            f"stopped by Ctrl-C after {result.steps_done:,} of {result.config.steps:,} steps; "
            "what it learnt so far:"
        )
    lines.append(
        f"{result.steps_done:,} steps in {result.wall_seconds:.1f} s "
        f"({result.steps_per_second:,.0f} steps/s); {training.AFTER_TRAINING}"
    )
    return lines + training.loss_lines(result)


def compare_lines(
    c, label: str = "yours", slower: Iterable[str] = (), training: ModuleType | None = None
) -> list[str]:
    """The two runs side by side: loss curves, divergence, speed (then `slower`, if given)."""
    training = training or FIRST.training
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
    lines.append(
        f"largest divergence of the parameters: {name} by {worst:.2e} "
        f"(max |{label} - autograd|; float32 rounding differs, and grows with the steps)"
    )
    lines.extend(divergence_lines(c.divergence, training.divergence_note))

    def rate(r) -> float:
        return r.steps_done / r.seconds if r.seconds > 0 else math.nan

    lines.append(
        f"speed of a step: {label} {rate(c.yours):,.0f} steps/s, autograd "
        f"{rate(c.autograd):,.0f} steps/s ({label} {c.speedup:.2f}x as fast)"
    )
    lines.extend(slower)
    lines.append(
        f"autograd's run{training.MEASURED}: train {c.autograd.train_loss:.4f}, "
        f"val {c.autograd.val_loss:.4f}"
    )
    return lines


def divergence_lines(divergence: dict[str, float], note: Callable[[str], str]) -> list[str]:
    """Each parameter's divergence (the largest ones when there are many), and why the largest
    drifts beyond rounding when the level knows why."""
    if len(divergence) <= SHOWN_DIVERGENCES:
        lines = ["  " + "  ".join(f"{k} {v:.1e}" for k, v in divergence.items())]
    else:
        ranked = sorted(divergence.items(), key=lambda kv: -kv[1])
        top, rest = ranked[: SHOWN_DIVERGENCES - 2], ranked[SHOWN_DIVERGENCES - 2 :]
        each = "  ".join(f"{k} {v:.1e}" for k, v in top)
        each += f"  (the other {len(rest)} at most {rest[0][1]:.1e})"
        lines = [f"  {line}" for line in textwrap.wrap(each, 96)]
    name = max(divergence, key=divergence.get, default="")
    why = note(name) if name else ""
    lines.extend(f"  {line}" for line in textwrap.wrap(f"{name}: {why}", 96) if why)
    return lines


def read_source(path: Path) -> str:
    try:
        return path.read_text("utf-8", errors="replace")
    except OSError:
        return ""
