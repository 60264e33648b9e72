"""Exercise 4's training loop, side by side with autograd, calibration and sampling.

Short runs on the dojo's shipped word list (and on the lecture's names.txt when a copy is
here), so the whole file stays quick.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from helpers import SOLUTIONS

from pytest_ninja import lecture, training
from pytest_ninja.catalogue import find
from pytest_ninja.loading import load_function

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


def test_a_stub_is_caught_by_the_probe_before_any_data(reference):
    def backward_mlp(**inputs):
        raise NotImplementedError

    with pytest.raises(training.BackwardError) as info:
        training.probe(backward_mlp)
    assert info.value.stub
    training.probe(reference)  # a working one goes through


@pytest.mark.parametrize(
    "returned, message",
    [
        (lambda g: {k: v for k, v in g.items() if k != "dW1"}, "returned no dW1 yet"),
        (lambda g: {**g, "db1": g["db1"].view(1, -1)}, r"db1 has shape \(1, 8\), but b1 is \(8,\)"),
        (lambda g: {**g, "dC": g["dC"] * math.nan}, "dC is not finite"),
        (lambda g: list(g.values()), "returned a list, not a dict"),
        (lambda g: {**g, "db2": 0.0}, "db2 is a float, not a tensor"),
    ],
    ids=["missing", "shape", "nan", "not-a-dict", "not-a-tensor"],
)
def test_an_unusable_answer_is_explained_in_one_line(reference, returned, message):
    def backward_mlp(**inputs):
        return returned(reference(**inputs))

    with pytest.raises(training.BackwardError, match=message) as info:
        training.probe(backward_mlp)
    assert not info.value.stub and "\n" not in str(info.value)


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
    from pytest_ninja.names import read_words

    splits = training.Splits.from_words(read_words(SHARED_NAMES))
    result = training.train(reference, splits, training.TrainConfig(steps=1000))
    assert 2.3 < result.val_loss < 2.8  # on its way from 3.3 to the lecture's 2.11
    names = training.sample(result.params, result.bn, 20)
    assert sum(len(n) for n in names) / 20 > 2
