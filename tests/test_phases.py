"""The lecture model and the two phases' caches: shapes, seeds and constructed properties
(level 1's; level 2's are in test_level2.py)."""

from __future__ import annotations

import torch

from pytest_ninja.core.level import level_of
from pytest_ninja.levels import BY_ID, KATAS
from pytest_ninja.levels.mlp import caches as phases
from pytest_ninja.levels.mlp import model as lecture
from pytest_ninja.levels.mlp.katas import shape_of


def test_the_lecture_cache_has_the_lectures_shapes():
    c = phases.cache(phases.LECTURE)
    assert (c.n, c.tensors["W1"].shape[1]) == (32, 64)
    for name in (*lecture.ATOMS, *lecture.PARAMETER_NAMES, "Xb", "Yb"):
        text = shape_of(name).removesuffix(" int64").replace("n_hidden", "64").replace("n", "32")
        assert tuple(c.tensors[name].shape) == eval(text), name


def test_the_lecture_model_has_4137_parameters_and_12297_at_200_hidden():
    g = torch.Generator().manual_seed(lecture.SEED)
    assert lecture.init_params(g).count() == 4137
    assert lecture.init_params(g, n_hidden=200).count() == 12297


def test_biases_and_batchnorm_are_not_zero_and_one():
    c = phases.cache(phases.LECTURE)
    for name in ("b1", "b2", "bnbias"):
        assert c.tensors[name].abs().min() > 0
    assert (c.tensors["bngain"] - 1).abs().max() > 0.05


def test_the_caches_are_identical_every_time_they_are_built():
    a = phases._build(phases.LECTURE, lecture.SEED, 64, phases.lecture_batch)
    b = phases.cache(phases.LECTURE)
    for name in ("Xb", "C", "loss", "hpreact"):
        assert torch.equal(a.tensors[name], b.tensors[name])


def test_the_lecture_loss_is_near_the_lectures_initial_loss():
    # The lecture's first batch gives ~3.3 for a near-uniform 27-way guess (ln 27 = 3.30).
    assert 3.0 < phases.cache(phases.LECTURE).tensors["loss"].item() < 3.8


def test_the_stress_cache_is_built_to_stress():
    s = phases.cache(phases.STRESS)
    lec = phases.cache(phases.LECTURE)
    assert s.n != 32 and s.tensors["W1"].shape[1] != 64 and s.seed != lec.seed
    tokens = s.tensors["Xb"].flatten().tolist()
    assert len(set(tokens)) < len(tokens), "repeated tokens"
    assert phases.STRESS_ABSENT_TOKEN not in tokens, "a vocabulary entry absent from the batch"


def test_every_stress_seed_keeps_the_constructed_properties():
    for seed in range(20):
        g = torch.Generator().manual_seed(seed)
        Xb, Yb = phases.stress_batch(g)
        assert torch.equal(Xb[0], Xb[1])
        assert (Xb != phases.STRESS_ABSENT_TOKEN).all()
        assert Xb.shape == (phases.STRESS_BATCH, 3) and Yb.dtype == torch.int64


def test_near_zero_gradients_are_near_zero_only_in_the_lecture_phase():
    lec = phases.cache(phases.LECTURE).loss_grads
    assert lec["b1"].abs().max() < 1e-8
    assert lec["logit_maxes"].abs().max() < 1e-8
    for kata, out in (
        (BY_ID["10_backward_linear1"], "db1"),
        (BY_ID["05_backward_max_shift"], "dlogit_maxes"),
    ):
        stress = phases.problem(kata, phases.STRESS)
        assert stress.expected[out].abs().max() > 1e-2


def test_each_call_gets_fresh_inputs_so_the_cache_cannot_be_corrupted():
    kata = BY_ID["07_backward_tanh"]
    problem = phases.problem(kata, phases.LECTURE)
    first = problem.fresh_inputs()
    first["h"].zero_()
    assert problem.fresh_inputs()["h"].abs().sum() > 0
    assert phases.cache(phases.LECTURE).tensors["h"].abs().sum() > 0


def test_every_kata_gets_exactly_its_inputs_in_float32_or_int64():
    for kata in KATAS:  # of every level, in every phase of its level
        level = level_of(kata)
        for phase in level.phases:
            inputs = level.problem(kata, phase.name, None).inputs
            assert tuple(inputs) == kata.inputs
            for name, value in inputs.items():
                if kata.shape(name, level.shape_of) == "int":
                    assert type(value) is int, (kata.id, name)
                    continue
                tensors = value if kata.group(name) else {name: value}  # a dict's, key by key
                assert set(tensors) == set(kata.group(name) or (name,)), (kata.id, name)
                for tensor in tensors.values():
                    assert tensor.dtype in (torch.float32, torch.int64), (kata.id, name)
                    assert not tensor.requires_grad, (kata.id, name)


SEEDS = (None, *range(20), 2**31 - 1)


def test_the_eps_batch_has_hidden_units_of_eps_level_variance_for_every_seed():
    for seed in SEEDS:
        c = phases.cache(phases.EPS, seed)
        bnvar = c.tensors["bnvar"][0]
        for j, variance in enumerate(phases.EPS_VARIANCES):
            assert abs(bnvar[j].item() / variance - 1) < 1e-3, (seed, j)
            assert abs(c.tensors["hprebn"][:, j].mean().item() - phases.EPS_MEAN) < 1e-6
        assert bnvar[len(phases.EPS_VARIANCES) :].min() > 1e-2  # the others are normal


def test_the_saturated_batch_overflows_an_unshifted_exp_and_keeps_probabilities_finite():
    for seed in SEEDS:
        t = phases.cache(phases.SATURATED, seed).tensors
        logits, probs = t["logits"], t["probs"]
        assert abs(logits.max().item() - phases.SATURATED_TOP) < 1e-3
        assert torch.isinf(logits.float().exp()).any(), seed  # the unshifted exp overflows
        assert (logits.max(1).values - logits.min(1).values).max() <= phases.SATURATED_GAP + 1
        assert probs.float().min() > 1e-30 and (1 / probs.float()).isfinite().all(), seed
        assert probs.max(1).values.mean() > 0.7  # saturated: most rows nearly one-hot


def test_the_small_batch_has_4_rows_and_keeps_the_stress_batchs_properties():
    for seed in SEEDS:
        t = phases.cache(phases.SMALL, seed).tensors
        assert t["Xb"].shape == (4, 3) and torch.equal(t["Xb"][0], t["Xb"][1])
        assert (t["Xb"] != phases.STRESS_ABSENT_TOKEN).all()


def test_every_stress_batch_has_its_own_sizes_and_random_upstream_gradients():
    sizes = set()
    for phase in phases.PHASES[1:]:
        c = phases.cache(phase)
        assert c.random_upstream and c.n not in (2, 3, 32)
        sizes.add((c.n, c.tensors["W1"].shape[1]))
    assert len(sizes) == len(phases.PHASES) - 1
