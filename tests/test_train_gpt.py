"""Level 2's training: the dojo's AdamW against torch's, nanoGPT's init, makemore's split, the
loop with the reference backward_gpt beside autograd, sampling; and `pytest-ninja train
--level 2` end to end: the gate on kata 23, a backward_gpt that raises, returns the wrong keys
or makes training diverge, each told in one line.

Short runs on a names file the tests make from the dojo's shipped word list, so nothing is
downloaded and the whole file stays quick.
"""

from __future__ import annotations

import math
import re

import pytest
import torch
from helpers import SOLUTIONS, lay_out, run_cli, write_kata

from pytest_ninja.cli import main as cli
from pytest_ninja.core.loading import load_function
from pytest_ninja.levels import find
from pytest_ninja.levels.gpt import model, training
from pytest_ninja.levels.gpt.adamw import AdamW

KATA = find("23_backward_gpt")
SHORT = training.TrainConfig(steps=40)


@pytest.fixture(scope="module")
def reference():
    return load_function(SOLUTIONS / KATA.filename, KATA)


@pytest.fixture(scope="module")
def splits():
    return training.Splits.from_words(model.shipped_words() * 3)


# -- AdamW, the init, the schedule, the split ---------------------------------------------------


def test_the_dojos_adamw_takes_torchs_steps(tmp_path):
    g = torch.Generator().manual_seed(0)
    ours = [torch.randn(5, 3, generator=g), torch.randn(3, generator=g)]
    theirs = [t.clone().requires_grad_(True) for t in ours]
    adamw = AdamW(ours, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1)
    torch_adamw = torch.optim.AdamW(
        [{"params": theirs[:1], "weight_decay": 0.1}, {"params": theirs[1:], "weight_decay": 0.0}],
        lr=1.0,
        betas=(0.9, 0.99),
        eps=1e-8,
    )
    for step in range(25):
        lr = 0.05 / (1 + step)  # a different rate every step, as the schedule gives
        grads = [torch.randn(t.shape, generator=g) for t in ours]
        with torch.no_grad():
            adamw.step(grads, lr)
        for t, grad in zip(theirs, grads):
            t.grad = grad.clone()
        for group in torch_adamw.param_groups:
            group["lr"] = lr
        torch_adamw.step()
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b.detach(), rtol=1e-6, atol=1e-7)
    assert ours[1].dim() == 1 and adamw.decayed == [ours[0]]  # the bias does not decay


def test_the_training_init_is_nanogpts():
    params = training.init_params(torch.Generator().manual_seed(1))
    assert {k: tuple(v.shape) for k, v in params.items()} == model.parameter_shapes(model.Config())
    for name, t in params.items():
        if t.dim() == 2:
            std = 0.02 / math.sqrt(2 * model.N_LAYER) if name.endswith("c_proj.weight") else 0.02
            assert abs(t.std().item() - std) < 0.1 * std, name
            assert abs(t.mean().item()) < 0.1 * std, name
        elif name.endswith(".weight"):
            assert torch.equal(t, torch.ones_like(t)), name  # a LayerNorm's gain
        else:
            assert torch.equal(t, torch.zeros_like(t)), name  # a bias
    again = training.init_params(torch.Generator().manual_seed(1))
    assert all(torch.equal(params[k], again[k]) for k in params)


def test_the_learning_rate_warms_up_then_decays_to_its_floor():
    config = training.TrainConfig()
    lrs = [config.lr_at(i) for i in range(config.steps)]
    assert lrs[0] == pytest.approx(config.lr / 100) and lrs[99] == pytest.approx(config.lr)
    assert lrs[-1] == pytest.approx(config.min_lr)
    assert all(a >= b for a, b in zip(lrs[100:], lrs[101:]))
    assert training.TrainConfig(steps=40).warmup_steps == 4


def test_the_split_keeps_min_1000_or_10_percent_to_validate_whatever_the_seed(splits):
    words = model.shipped_words() * 3
    assert len(splits.Xval) == min(1000, len(words) // 10)
    assert len(splits.Xtr) + len(splits.Xval) == len(words)
    assert splits.Xtr.shape[1] == model.BLOCK_SIZE and not splits.empty
    again = training.Splits.from_words(words)
    assert torch.equal(again.Xval, splits.Xval)
    assert training.Splits.from_words(["anna", "bob"]).empty


# -- the loop ----------------------------------------------------------------------------------


def test_training_with_the_reference_learns_and_measures(reference, splits):
    result = training.train(reference, splits, SHORT)
    assert (result.steps_done, len(result.losses), result.stopped) == (40, 40, None)
    assert result.losses[0] == pytest.approx(math.log(27), abs=0.1)  # nanoGPT's init: uniform
    assert sum(result.losses[-10:]) / 10 < result.losses[0] - 0.5
    assert math.isfinite(result.train_loss) and math.isfinite(result.val_loss)
    assert result.seconds <= result.wall_seconds


def test_the_reference_follows_autograd_step_for_step(reference, splits):
    c = training.compare(reference, splits, training.TrainConfig(steps=30))
    assert len(c.yours.losses) == len(c.autograd.losses) == 30
    assert max(abs(a - b) for a, b in zip(c.yours.losses, c.autograd.losses)) < 1e-5
    assert set(c.divergence) == set(model.parameter_shapes(model.Config()))
    # every parameter within rounding, but the keys' bias, whose exact gradient is 0
    keys_bias = {f"h.{i}.attn.c_attn.bias" for i in range(model.N_LAYER)}
    assert max(v for k, v in c.divergence.items() if k not in keys_bias) < 1e-5
    assert max(c.divergence[k] for k in keys_bias) < 1e-3
    for i in range(model.N_LAYER):
        drift = (
            c.yours.params[f"h.{i}.attn.c_attn.bias"] - c.autograd.params[f"h.{i}.attn.c_attn.bias"]
        ).abs()
        C = model.N_EMBD
        assert drift[:C].max() < 1e-5 and drift[2 * C :].max() < 1e-5  # queries', values'
    assert training.divergence_note("h.0.attn.c_attn.bias") and not training.divergence_note("wte")
    assert abs(c.yours.val_loss - c.autograd.val_loss) < 1e-4 and c.speedup > 0


def test_the_hand_written_loop_runs_without_autograd(reference, splits):
    seen = []

    def backward_gpt(idx, targets, params, cache, n_head):
        seen.append(torch.is_grad_enabled())
        seen.extend(t.requires_grad for t in (*params.values(), *cache.values()))
        return reference(idx, targets, params, cache, n_head)

    training.train(backward_gpt, splits, training.TrainConfig(steps=3))
    assert seen and not any(seen)


def failing(reference, on_call: int, answer):
    """The reference, whose on_call-th answer (counting from 1) is `answer(grads)`."""
    calls = 0

    def backward_gpt(idx, targets, params, cache, n_head):
        nonlocal calls
        calls += 1
        grads = reference(idx, targets, params, cache, n_head)
        return answer(grads) if calls == on_call else grads

    return backward_gpt


def raise_(error):
    raise error


@pytest.mark.parametrize(
    "answer, message",
    [
        (lambda g: {k: v for k, v in g.items() if k != "wpe"}, "returned no gradient for wpe"),
        (lambda g: {**g, "h.0.ln_1.wieght": g["wpe"]}, r"unknown key 'h.0.ln_1.wieght' \(did"),
        (lambda g: list(g.values()), "returned a list, not a dict"),
        (lambda g: {**g, "wte": g["wte"].T}, r"grads\['wte'\] has shape \(48, 27\)"),
        (lambda g: {**g, "ln_f.bias": g["ln_f.bias"] * math.nan}, "is not finite"),
    ],
    ids=["missing", "unknown", "not-a-dict", "shape", "nan"],
)
def test_an_unusable_answer_is_explained_in_one_line_at_the_first_step(
    reference, splits, answer, message
):
    with pytest.raises(training.BackwardError, match=message) as info:
        training.train(failing(reference, 1, answer), splits, training.TrainConfig(steps=3))
    assert "\n" not in str(info.value) and info.value.step == 0 and not info.value.stub


def test_a_failure_in_the_middle_of_the_run_names_its_step(reference, splits):
    broken = failing(reference, 7, lambda g: raise_(ZeroDivisionError("division by zero")))
    with pytest.raises(training.BackwardError, match="failed at step 6: ZeroDivisionError"):
        training.train(broken, splits, training.TrainConfig(steps=20))


def test_gradients_that_turn_to_nan_stop_the_run_as_diverged(reference, splits):
    nan = failing(reference, 5, lambda g: {k: v * math.nan for k, v in g.items()})
    result = training.train(nan, splits, training.TrainConfig(steps=20))
    assert (result.stopped, result.steps_done) == ("diverged", 6)
    assert math.isnan(result.val_loss)


def test_ctrl_c_during_a_comparison_stops_both_runs_at_the_same_step_and_measures(
    reference, splits
):
    stopped = failing(reference, 31, lambda g: raise_(KeyboardInterrupt()))
    c = training.compare(stopped, splits, training.TrainConfig(steps=100))
    assert c.yours.stopped == "interrupted"
    assert len(c.yours.losses) == len(c.autograd.losses) == 30
    assert math.isfinite(c.yours.val_loss) and math.isfinite(c.autograd.val_loss)


def test_samples_are_names_of_at_most_the_block_size_and_the_seed_decides_them(reference, splits):
    params = training.train(reference, splits, SHORT).params
    names = training.sample(params, 20, seed=1)
    assert len(names) == 20 and all(len(n) <= model.BLOCK_SIZE for n in names)
    assert all(set(n) <= set(model.VOCAB[1:]) for n in names)
    assert names == training.sample(params, 20, seed=1)
    assert names != training.sample(params, 20, seed=2)


def test_the_loss_over_a_split_counts_every_target_but_the_ignored(splits):
    params = training.init_params(torch.Generator().manual_seed(3))
    logits = model.forward(params, model.Config(), splits.Xval, splits.Yval).tensors["logits"]
    expected = torch.nn.functional.cross_entropy(
        logits.view(-1, 27), splits.Yval.view(-1), ignore_index=-1
    ).item()
    got = training.split_loss(params, model.Config(), splits.Xval, splits.Yval)
    assert got == pytest.approx(expected, rel=1e-5)


# -- `pytest-ninja train --level 2` -------------------------------------------------------------

COMMAND = ["train", "--level", "2", "--steps", "30", "--no-plot"]


def solution_when(condition: str, then: str) -> str:
    """The reference solution, doing `then` (a statement) when `condition` holds: a batch of
    32 is training's, never grading's, so the gate passes and training meets it."""
    source = (SOLUTIONS / KATA.filename).read_text()
    return source.replace("def backward_gpt(", "def right(", 1) + (
        "\n\ndef backward_gpt(idx, targets, params, cache, n_head):\n"
        "    grads = right(idx, targets, params, cache, n_head)\n"
        f"    if {condition}:\n"
        f"        {then}\n"
        "    return grads\n"
    )


def test_the_reference_trains_compares_and_samples(tmp_path, words):
    png = tmp_path / "loss.png"
    args = [*COMMAND[:-1], "--reference", "--compare", "--names", str(words), "--plot", str(png)]
    done = run_cli(args, tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("training with the dojo's reference backward_gpt\n")
    assert "  30 steps of 32 names, 2 layers, 4 heads, 48 channels (58,704 parameters)" in out
    assert re.search(r"  train \d\.\d{4}\n  val   \d\.\d{4}\n", out)
    assert "side by side with autograd" in out
    assert re.search(r"largest divergence of the parameters: \S+ by \d\.\d\de-\d\d", out)
    assert re.search(r"speed of a step: reference [\d,]+ steps/s, autograd [\d,]+ steps/s", out)
    assert "20 names sampled from the model (seed 3417):" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert done.stderr == ""


def test_a_learners_passing_backward_gpt_passes_the_gate_and_trains(here, words, capsys):
    lay_out(here, solved=("23_backward_gpt",), levels=(2,))
    assert cli.main([*COMMAND, "--names", str(words)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("training with your backward_gpt (katas/23_backward_gpt.py)\n")
    assert "20 names sampled" in captured.out and captured.err == ""


def test_a_stub_is_sent_back_to_kata_23_in_one_line(here, capsys):
    lay_out(here, levels=(2,))
    assert cli.main([*COMMAND, "--names", "missing.txt"]) == 1
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert "backward_gpt in katas/23_backward_gpt.py is still a stub" in line
    assert captured.out == ""


@pytest.mark.parametrize(
    "then, message",
    [
        ("raise ZeroDivisionError('division by zero')", "failed at step 0: ZeroDivisionError"),
        ("del grads['wpe']", "returned no gradient for wpe yet"),
        ("grads['bogus'] = grads['wpe']", "returned an unknown key 'bogus'"),
    ],
    ids=["raises", "missing-key", "unknown-key"],
)
def test_a_backward_that_passes_the_gate_but_fails_in_training_is_one_line(
    here, words, capsys, then, message
):
    write_kata(here, solution_when("idx.shape[0] == 32", then), KATA.id)
    assert cli.main([*COMMAND, "--names", str(words)]) == 1
    captured = capsys.readouterr()
    first, *rest = captured.err.splitlines()
    assert first.startswith("pytest-ninja train: ") and message in first
    assert "check it with `pytest katas/23_backward_gpt.py`" in first
    assert not rest and "Traceback" not in captured.err


def test_a_backward_that_makes_training_diverge_is_one_line(here, words, capsys):
    source = (SOLUTIONS / KATA.filename).read_text().replace(
        "def backward_gpt(", "def right(", 1
    ) + (
        "\n\nCALLS = []\n\n\n"
        "def backward_gpt(idx, targets, params, cache, n_head):\n"
        "    grads = right(idx, targets, params, cache, n_head)\n"
        "    if idx.shape[0] == 32:  # training's batches, never grading's\n"
        "        CALLS.append(1)\n"
        "        if len(CALLS) == 6:  # the sixth step's gradients are nan\n"
        "            grads = {k: v * float('nan') for k, v in grads.items()}\n"
        "    return grads\n"
    )
    write_kata(here, source, KATA.id)
    assert cli.main([*COMMAND, "--names", str(words)]) == 1
    first, *rest = capsys.readouterr().err.splitlines()
    assert first.startswith("pytest-ninja train: training blew up by step 7 (the loss or a")
    assert "your backward_gpt (katas/23_backward_gpt.py)" in first and not rest


def test_level_2_without_its_katas_says_how_to_add_them(here, capsys):
    lay_out(here)  # a workspace of level 1 alone, as init makes it
    assert cli.main(["train", "--level", "2"]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert "there is no katas/23_backward_gpt.py" in line
    assert "`pytest-ninja init . --level 2` adds level 2's katas" in line
    assert "train with --level 2 --reference" in line


def test_level_2_trains_on_the_cpu_only(here, capsys):
    assert cli.main(["train", "--level", "2", "--reference", "--device", "cuda"]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line == (
        "pytest-ninja train: --device cuda: level 2 trains on the cpu only (leave out --device)"
    )
