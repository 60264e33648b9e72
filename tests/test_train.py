"""Exercise 4's training loop, side by side with autograd, calibration and sampling; and
`pytest-ninja train`'s gate on kata 14, its `--force`, its progress bar and its word on a
backward pass slower than autograd's.

Short runs on the dojo's shipped word list (and on the lecture's names.txt when a copy is
here), so the whole file stays quick.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import pytest
import torch
from helpers import SOLUTIONS, lay_out, write_kata

from pytest_ninja.cli import main as cli
from pytest_ninja.cli.train import ProgressBar, time_left
from pytest_ninja.core.loading import load_function
from pytest_ninja.levels import find
from pytest_ninja.levels.mlp import model as lecture
from pytest_ninja.levels.mlp import training
from pytest_ninja.levels.mlp.speed import Loop, python_loops, slower_lines

SHARED_NAMES = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "names.txt"
SHORT = training.TrainConfig(steps=300)


@pytest.fixture(scope="module")
def reference():
    return load_function(SOLUTIONS / "14_backward_mlp.py", find("backward_mlp"))


@pytest.fixture(scope="module")
def splits():
    return training.Splits.from_words(lecture.shipped_words())


def tweaked(reference, **scale):
    """The reference backward, with some gradients scaled (a wrong answer of the right shape)."""

    def backward_mlp(**inputs):
        grads = reference(**inputs)
        return {k: v * scale.get(k, 1.0) for k, v in grads.items()}

    return backward_mlp


def failing_on_call(reference, call: int, error: BaseException):
    """The reference backward, raising `error` on its call-th call (counting from 1)."""
    calls = 0

    def backward_mlp(**inputs):
        nonlocal calls
        calls += 1
        if calls == call:
            raise error
        return reference(**inputs)

    return backward_mlp


def test_training_with_the_reference_learns_calibrates_and_measures(reference, splits):
    result = training.train(reference, splits, SHORT)
    assert (result.steps_done, len(result.losses), result.stopped) == (300, 300, None)
    first, last = sum(result.losses[:20]) / 20, sum(result.losses[-50:]) / 50
    assert first > 3.0 and last < first - 0.5
    assert result.bn.bnmean.shape == result.bn.bnvar.shape == (1, 200)
    assert math.isfinite(result.train_loss) and math.isfinite(result.val_loss)
    assert result.train_loss < 2.8
    assert all(t.device.type == "cpu" for t in result.params.as_dict().values())
    assert result.steps_per_second > 0 and result.seconds <= result.wall_seconds


def test_the_same_seed_gives_the_same_run_and_another_seed_another(reference, splits):
    config = training.TrainConfig(steps=30)
    a = training.train(reference, splits, config)
    b = training.train(reference, splits, config)
    c = training.train(reference, splits, training.TrainConfig(steps=30, seed=1))
    assert a.losses == b.losses
    assert a.losses != c.losses


def test_the_hand_written_run_follows_autograd_step_for_step(reference, splits):
    c = training.compare(reference, splits, training.TrainConfig(steps=200))
    assert c.yours.steps_done == c.autograd.steps_done == 200
    assert max(abs(a - b) for a, b in zip(c.yours.losses, c.autograd.losses)) < 1e-4
    assert set(c.divergence) == set(lecture.PARAMETER_NAMES)
    name, worst = c.largest
    assert worst < 1e-4 and c.divergence[name] == worst
    assert c.speedup > 0
    assert abs(c.yours.val_loss - c.autograd.val_loss) < 1e-4


def test_a_wrong_gradient_drifts_away_from_autograd(reference, splits):
    c = training.compare(tweaked(reference, dW1=0.5), splits, training.TrainConfig(steps=200))
    name, worst = c.largest
    assert worst > 1e-2


def test_autograd_can_train_alone_too(reference, splits):
    ours = training.train(reference, splits, training.TrainConfig(steps=50))
    theirs = training.train(training.AUTOGRAD, splits, training.TrainConfig(steps=50))
    assert max(abs(a - b) for a, b in zip(ours.losses, theirs.losses)) < 1e-4


def test_the_hand_written_loop_runs_without_autograd(reference, splits):
    seen = []

    def backward_mlp(**inputs):
        seen.append(torch.is_grad_enabled())
        seen.extend(t.requires_grad for t in inputs.values() if isinstance(t, torch.Tensor))
        return reference(**inputs)

    training.train(backward_mlp, splits, training.TrainConfig(steps=5))
    assert seen and not any(seen)


def test_the_learning_rate_drops_tenfold_halfway():
    config = training.TrainConfig()
    assert (config.lr_at(0), config.lr_at(99_999), config.lr_at(100_000)) == (0.1, 0.1, 0.01)
    short = training.TrainConfig(steps=300)
    assert (short.lr_at(149), short.lr_at(150)) == (0.1, 0.01)
    assert config.is_lecture_run and not short.is_lecture_run


def test_a_stub_fails_at_the_first_step_and_is_known_for_a_stub(splits):
    def backward_mlp(**inputs):
        raise NotImplementedError

    with pytest.raises(training.BackwardError) as info:
        training.train(backward_mlp, splits, training.TrainConfig(steps=3))
    assert info.value.stub and info.value.step == 0


@pytest.mark.parametrize(
    "returned, message",
    [
        (lambda g: {k: v for k, v in g.items() if k != "dW1"}, "returned no dW1 yet"),
        (
            lambda g: {**g, "db1": g["db1"].view(1, -1)},
            r"db1 has shape \(1, 200\), but b1 is \(200,\)",
        ),
        (lambda g: {**g, "dC": g["dC"] * math.nan}, "dC is not finite"),
        (lambda g: list(g.values()), "returned a list, not a dict"),
        (lambda g: {**g, "db2": 0.0}, "db2 is a float, not a tensor"),
    ],
    ids=["missing", "shape", "nan", "not-a-dict", "not-a-tensor"],
)
def test_an_unusable_answer_is_explained_in_one_line_at_the_first_step(
    reference, splits, returned, message
):
    def backward_mlp(**inputs):
        return returned(reference(**inputs))

    with pytest.raises(training.BackwardError, match=message) as info:
        training.train(backward_mlp, splits, training.TrainConfig(steps=3))
    assert not info.value.stub and "\n" not in str(info.value) and info.value.step == 0


def test_a_failure_in_the_middle_of_the_run_names_its_step(reference, splits):
    broken = failing_on_call(reference, 7, ZeroDivisionError("division by zero"))
    with pytest.raises(training.BackwardError, match="failed at step 6: ZeroDivisionError") as info:
        training.train(broken, splits, training.TrainConfig(steps=20))
    assert info.value.step == 6 and isinstance(info.value.error, ZeroDivisionError)


def test_ctrl_c_stops_cleanly_and_still_reports(reference, splits):
    stopped = failing_on_call(reference, 51, KeyboardInterrupt())
    seen = []
    result = training.train(stopped, splits, SHORT, progress=lambda *a: seen.append(a))
    assert (result.stopped, result.steps_done, len(result.losses)) == ("interrupted", 50, 50)
    assert math.isfinite(result.train_loss) and result.bn is not None
    assert seen[-1][0] == 50  # the progress bar is told where it stopped


def test_ctrl_c_during_a_comparison_keeps_both_runs_at_the_same_step(reference, splits):
    stopped = failing_on_call(reference, 31, KeyboardInterrupt())
    c = training.compare(stopped, splits, training.TrainConfig(steps=100))
    assert c.yours.stopped == "interrupted"
    assert len(c.yours.losses) == len(c.autograd.losses) == 30


def test_a_loss_that_blows_up_stops_the_run(reference, splits):
    calls = 0

    def backward_mlp(**inputs):
        nonlocal calls
        calls += 1
        grads = reference(**inputs)
        return {k: v * (math.nan if calls == 20 else 1.0) for k, v in grads.items()}

    result = training.train(backward_mlp, splits, SHORT)
    assert (result.stopped, result.steps_done) == ("diverged", 21)
    assert not math.isfinite(result.losses[-1]) and result.bn is None


def test_parameters_that_blow_up_stop_the_run_even_with_a_finite_loss(reference, splits):
    calls = 0

    def backward_mlp(**inputs):
        nonlocal calls
        calls += 1
        grads = reference(**inputs)
        if calls == 20:  # bnbias becomes inf, tanh saturates, and the loss stays finite
            grads["dbnbias"] = torch.full_like(grads["dbnbias"], math.inf)
        return grads

    result = training.train(backward_mlp, splits, training.TrainConfig(steps=40))
    assert math.isfinite(result.losses[-1])
    assert (result.stopped, result.bn) == ("diverged", None)


def test_progress_is_reported_every_hundred_steps_and_at_the_end(reference, splits):
    seen = []
    training.train(
        reference, splits, training.TrainConfig(steps=250), progress=lambda *a: seen.append(a)
    )
    assert [s[0] for s in seen] == [100, 200, 250]
    assert all(s[1] == 250 and math.isfinite(s[2]) and s[3] > 0 for s in seen)


def test_calibration_is_the_mean_and_unbiased_variance_over_the_training_set(splits):
    p = lecture.init_params(torch.Generator().manual_seed(1), n_hidden=16)
    bn = training.calibrate(p, splits.Xtr)
    hpreact = p.C[splits.Xtr].view(len(splits.Xtr), -1) @ p.W1 + p.b1
    torch.testing.assert_close(bn.bnmean, hpreact.mean(0, keepdim=True))
    torch.testing.assert_close(bn.bnvar, hpreact.var(0, keepdim=True))
    logits = training.logits_calibrated(p, bn, splits.Xdev)
    assert logits.shape == (len(splits.Xdev), 27)


def test_samples_are_names_and_the_seed_decides_them(reference, splits):
    result = training.train(reference, splits, SHORT)
    a = training.sample(result.params, result.bn, 20)
    assert len(a) == 20
    assert all(set(name) <= set(lecture.VOCAB[1:]) for name in a)
    assert a == training.sample(result.params, result.bn, 20)
    assert a != training.sample(result.params, result.bn, 20, seed=7)


def test_small_batches_train_on_one_thread_and_the_setting_is_put_back(reference, splits):
    assert training.step_threads(training.TrainConfig()) == 1
    assert training.step_threads(training.TrainConfig(batch_size=4096)) == torch.get_num_threads()
    before, seen = torch.get_num_threads(), []

    def backward_mlp(**inputs):
        seen.append(torch.get_num_threads())
        return reference(**inputs)

    training.train(backward_mlp, splits, training.TrainConfig(steps=3))
    assert seen == [1, 1, 1] and torch.get_num_threads() == before


@pytest.mark.skipif(not SHARED_NAMES.is_file(), reason="no shared copy of names.txt here")
def test_a_short_run_on_the_lecture_names_heads_the_lecture_way(reference):
    from pytest_ninja.levels.names import read_words

    splits = training.Splits.from_words(read_words(SHARED_NAMES))
    result = training.train(reference, splits, training.TrainConfig(steps=1000))
    assert 2.3 < result.val_loss < 2.8  # on its way from 3.3 to the lecture's 2.11
    names = training.sample(result.params, result.bn, 20)
    assert sum(len(n) for n in names) / 20 > 2


# -- `pytest-ninja train`: the gate on kata 14, --force, the progress bar, the speed ------------

COMMAND = ["--steps", "200", "--no-plot"]
KATA = find("14_backward_mlp")


def thirty_two_times_too_large() -> str:
    """The reference, with every gradient 32x too large (the 1/n of the loss forgotten)."""
    inputs = ", ".join(KATA.inputs)
    return (SOLUTIONS / "14_backward_mlp.py").read_text().replace(
        "def backward_mlp(", "def right(", 1
    ) + (
        f"\n\ndef backward_mlp({inputs}):\n"
        f"    grads = right({inputs})\n"
        "    return {k: v * 32 for k, v in grads.items()}\n"
    )


LECTURE_LOOP = """\
    dC = torch.zeros_like(C)
    demb = dembcat.view(emb.shape)
    for k in range(Xb.shape[0]):
        for j in range(Xb.shape[1]):
            ix = Xb[k, j]
            dC[ix] += demb[k, j]
"""


def with_the_lectures_loop() -> str:
    """The reference, with the embedding's gradient gathered by the lecture's double loop."""
    source = (SOLUTIONS / "14_backward_mlp.py").read_text()
    one_op = (
        "    dC = torch.zeros_like(C)  # (27, 10)\n"
        "    dC.index_add_(0, Xb.view(-1), dembcat.view(-1, C.shape[1]))\n"
    )
    assert one_op in source
    return source.replace(one_op, LECTURE_LOOP)


def test_a_backward_with_every_gradient_32_times_too_large_is_refused_before_training(
    here, words, capsys
):
    write_kata(here, thirty_two_times_too_large())
    assert cli.main(["train", "--names", str(words), *COMMAND]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""  # no training, not even its header
    first, headline, *rest = captured.err.splitlines()
    assert first.startswith(
        "pytest-ninja train: your backward_mlp fails 6 of 7 checks of kata 14: dC, dW1, dW2, "
        "db2, dbngain, dbnbias: training on it would teach the model wrong gradients"
    )
    assert headline.startswith("  dC | exact: False | approximate: False")
    assert "likely: n = 32 times too large" in captured.err
    assert "`pytest katas/14_backward_mlp.py`" in rest[-1] and "--force" in rest[-1]
    assert "Traceback" not in captured.err


def test_with_force_the_same_backward_trains_and_says_so_at_the_start_and_in_the_report(
    here, words, capsys
):
    write_kata(here, thirty_two_times_too_large())
    assert cli.main(["train", "--force", "--names", str(words), *COMMAND]) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert first.startswith("--force: your backward_mlp fails 6 of 7 checks of kata 14 (dC, dW1")
    assert "training on it anyway" in first
    report = out.split("training with your backward_mlp (katas/14_backward_mlp.py)\n")[1]
    assert "trained with --force on a backward_mlp that fails kata 14 (dC, dW1, dW2" in report
    assert "20 names sampled" in report


def test_a_correct_backward_passes_the_gate_and_trains_as_before(here, words, capsys):
    lay_out(here, solved=("14_backward_mlp",))
    assert cli.main(["train", "--names", str(words), *COMMAND]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("training with your backward_mlp (katas/14_backward_mlp.py)\n")
    assert re.search(r"train +\d\.\d{4} +2\.07 +[+-]\d\.\d{4}", captured.out)
    assert "20 names sampled" in captured.out
    assert "--force" not in captured.out and captured.err == ""


def test_a_stub_is_sent_back_to_its_kata_even_with_force(here, capsys):
    lay_out(here)  # every kata still a stub
    assert cli.main(["train", "--force", "--names", "missing.txt"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert "backward_mlp in katas/14_backward_mlp.py is still a stub" in line


def test_the_reference_is_named_and_never_located(here, words, capsys):
    from pytest_ninja.levels import bundled

    assert cli.main(["train", "--reference", "--compare", "--names", str(words), *COMMAND]) == 0
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "training with the dojo's reference backward_mlp\n" in captured.out
    folder = bundled("solutions")
    assert str(folder) not in text and str(folder.resolve()) not in text
    assert "solutions" not in text and "14_backward_mlp.py" not in text


def test_the_loop_detector_finds_the_lectures_double_loop_for_dC_at_its_line():
    source = with_the_lectures_loop()
    line = source.splitlines().index("    for k in range(Xb.shape[0]):") + 1
    assert python_loops(source) == [Loop(line, embedding=True)]  # the outer loop, once


def test_the_loop_detector_finds_nothing_in_the_reference_solution():
    assert python_loops((SOLUTIONS / "14_backward_mlp.py").read_text()) == []


def test_the_loop_detector_counts_only_loops_inside_backward_mlp():
    source = (
        "for i in range(3):\n"  # line 1: outside, at import
        "    pass\n"
        "def helper(x):\n"
        "    while x:\n"  # line 4: in another function
        "        x -= 1\n"
        "def backward_mlp(Xb, C):\n"
        "    grad = C * 0\n"
        "    for t in Xb.view(-1):\n"  # line 8: the embedding, under another name
        "        grad[t] = grad[t] + 1\n"
        "    while False:\n"  # line 10: some other loop
        "        pass\n"
        '    return {"dC": grad}\n'
    )
    assert python_loops(source) == [Loop(8, embedding=True), Loop(10, embedding=False)]
    assert python_loops("def backward_mlp(:\n") == []  # does not parse: nothing to say


def test_slower_than_autograd_is_said_with_the_loop_that_likely_causes_it():
    lines = slower_lines(0.34, "your backward_mlp", [Loop(41, True)], "14_backward_mlp.py")
    assert lines == [
        "your backward_mlp runs at 0.34x autograd's speed",
        "  likely cause: a Python loop at 14_backward_mlp.py:41 runs once per example or token: "
        "`dC.index_add_(0, Xb.view(-1), demb.view(-1, 10))` does it in one op",
    ]
    loops = [Loop(20, False), Loop(30, True), Loop(40, False)]
    other = slower_lines(0.5, "your backward_mlp", loops, "k.py")
    assert "a Python loop at k.py:30 runs once per example" in other[1]  # dC's loop first
    assert other[1].endswith("(more loops at lines 20, 40)")
    plain = slower_lines(0.5, "your backward_mlp", [Loop(20, False)], "k.py")[1]
    assert plain.startswith("  likely cause: a Python loop at k.py:20 runs its body one item")


def test_slower_with_no_visible_cause_says_only_the_speed_and_faster_says_nothing():
    assert slower_lines(0.8, "your backward_mlp", [], "k.py") == [
        "your backward_mlp runs at 0.80x autograd's speed"
    ]
    assert slower_lines(1.3, "your backward_mlp", [Loop(41, True)], "k.py") == []
    assert slower_lines(math.nan, "your backward_mlp", [Loop(41, True)], "k.py") == []


def test_compare_names_the_loop_when_the_learners_steps_are_slower(
    here, words, capsys, monkeypatch
):
    path = write_kata(here, with_the_lectures_loop())
    line = path.read_text().splitlines().index("    for k in range(Xb.shape[0]):") + 1
    monkeypatch.setattr(training.Comparison, "speedup", property(lambda self: 0.34))
    assert cli.main(["train", "--compare", "--names", str(words), *COMMAND]) == 0
    out = capsys.readouterr().out
    speed = out.split("speed of a step: ")[1].splitlines()
    assert speed[1] == "your backward_mlp runs at 0.34x autograd's speed"
    assert speed[2].startswith(f"  likely cause: a Python loop at 14_backward_mlp.py:{line} ")


def test_the_time_left_comes_from_the_rate_so_far_and_only_once_there_is_one():
    assert time_left(0, 200_000, 0.0) == ""  # the first call: no rate yet
    assert time_left(100, 200_000, 0.0) == ""
    assert time_left(500, 1000, 10.0) == "~10s left"
    assert time_left(100, 200_000, 0.0415) == "~1m23s left"
    assert time_left(1000, 200_000, 30.0) == "~1h39m left"
    assert time_left(200_000, 200_000, 80.0) == ""  # done


def test_the_progress_bar_shows_the_time_left_in_plain_lines_and_at_a_terminal():
    plain = io.StringIO()
    bar = ProgressBar(plain, tty=False)
    for step in range(100, 200_001, 100):
        bar(step, 200_000, 2.1, step / 2500)
    bar.close()
    lines = plain.getvalue().splitlines()
    assert lines[0] == "step  20,000/200,000  loss 2.1000  2,500 steps/s  ~1m12s left"
    assert lines[-1] == "step 200,000/200,000  loss 2.1000  2,500 steps/s"

    terminal = io.StringIO()
    bar = ProgressBar(terminal, "side by side:", tty=True, interval=0.0, width=80)
    bar(0, 1000, math.nan, 0.0)  # nothing silly before there is a rate
    bar(100, 1000, 2.5, 0.1)
    bar(1000, 1000, 2.5, 1.0)
    bar.close()
    drawn = terminal.getvalue().split("\r")[1:]
    assert "left" not in drawn[0] and "steps/s  ~1s left" in drawn[1]
    assert all(len(d.rstrip("\n")) == 79 for d in drawn) and "left" not in drawn[-1]
