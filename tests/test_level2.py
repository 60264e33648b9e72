"""Level 2, the character-level GPT: its model against plain torch, every gradient of
level2.md against autograd, its phases' constructed properties, and its katas graded."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from helpers import KATAS as KATA_DIR
from helpers import SOLUTIONS, dojo

from pytest_ninja.core.grading import grade_file
from pytest_ninja.core.result import Status
from pytest_ninja.levels import BY_ID, LEVELS
from pytest_ninja.levels.gpt import LEVEL, caches, model, phases

GPT_KATAS = pytest.mark.parametrize("kata", LEVEL.katas, ids=lambda k: k.id)
SEEDS = (None, *range(20))
STRESS_PHASES = phases.PHASES[1:]


def _g(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# ---- the model ---------------------------------------------------------------------------------


def plain_gpt(p: dict, config: model.Config, idx, targets):
    """The same GPT written straight with torch's own layers: logits and loss."""
    B, T = idx.shape
    C, NH = config.n_embd, config.n_head
    x = p["wte"][idx] + p["wpe"][:T]
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    for i in range(config.n_layer):
        h = f"h.{i}."
        a = F.layer_norm(x, (C,), p[h + "ln_1.weight"], p[h + "ln_1.bias"], eps=1e-5)
        q, k, v = F.linear(a, p[h + "attn.c_attn.weight"], p[h + "attn.c_attn.bias"]).split(C, 2)
        q, k, v = (t.reshape(B, T, NH, C // NH).permute(0, 2, 1, 3) for t in (q, k, v))
        scores = (q @ k.transpose(-1, -2)) * (C // NH) ** -0.5
        weights = torch.softmax(scores.masked_fill(~causal, -math.inf), dim=-1)
        y = (weights @ v).permute(0, 2, 1, 3).reshape(B, T, C)
        x = x + F.linear(y, p[h + "attn.c_proj.weight"], p[h + "attn.c_proj.bias"])
        m = F.layer_norm(x, (C,), p[h + "ln_2.weight"], p[h + "ln_2.bias"], eps=1e-5)
        m = F.gelu(
            F.linear(m, p[h + "mlp.c_fc.weight"], p[h + "mlp.c_fc.bias"]), approximate="tanh"
        )
        x = x + F.linear(m, p[h + "mlp.c_proj.weight"], p[h + "mlp.c_proj.bias"])
    x = F.layer_norm(x, (C,), p["ln_f.weight"], p["ln_f.bias"], eps=1e-5)
    logits = F.linear(x, p["wte"])
    loss = F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-1
    )
    return logits, loss


@pytest.mark.parametrize("phase", phases.PHASES)
def test_the_forward_in_atoms_is_the_plain_torch_gpt(phase):
    f = caches.forward(phase)
    t = f.graph.tensors
    params = {name: t[name].detach() for name in model.parameter_shapes(f.config)}
    logits, loss = plain_gpt(params, f.config, t["idx"], t["targets"])
    assert torch.allclose(t["logits"], logits, rtol=0, atol=1e-10)
    assert abs(t["loss"].item() - loss.item()) < 1e-10


def test_the_parameters_carry_nanogpts_names_and_shapes_and_wte_is_tied():
    config = model.Config()
    shapes = model.parameter_shapes(config)
    assert list(shapes)[:4] == ["wte", "wpe", "h.0.ln_1.weight", "h.0.ln_1.bias"]
    assert shapes["h.1.attn.c_attn.weight"] == (144, 48) and shapes["h.0.mlp.c_proj.weight"] == (
        48,
        192,
    )
    assert list(shapes)[-2:] == ["ln_f.weight", "ln_f.bias"] and "lm_head.weight" not in shapes
    params = model.init_params(_g(), config)
    assert model.parameter_count(params) == 58_704  # about 60k, as level2.md says
    assert all(p.dtype == torch.float32 for p in params.values())
    for name, p in params.items():  # nothing a forgotten weight or bias could hide behind
        if name.endswith("bias") or name.startswith("ln") or ".ln_" in name:
            assert not torch.all(p == 0) and not torch.all(p == 1), name


def test_the_init_uses_only_the_generator_it_is_given():
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    a = model.init_params(_g(7))
    assert torch.equal(before, torch.random.get_rng_state())
    b = model.init_params(_g(7))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_the_block_size_is_the_longest_shipped_name_plus_one():
    words = model.shipped_words()
    assert model.BLOCK_SIZE == max(map(len, words)) + 1 == 16
    assert len(words) == len(set(words)) >= 100
    assert all(set(w) <= set(model.VOCAB[1:]) for w in words)


def test_a_word_becomes_makemores_padded_input_and_target():
    X, Y = model.sequences(["ada", "bo"], block_size=6)
    assert X.tolist() == [[0, 1, 4, 1, 0, 0], [0, 2, 15, 0, 0, 0]]
    assert Y.tolist() == [[1, 4, 1, 0, -1, -1], [2, 15, 0, -1, -1, -1]]


def test_every_op_names_its_tensors_by_the_roles_a_kata_takes():
    ops = caches.forward(phases.LECTURE).graph.ops
    assert ops["h.0.ln_2"] == {
        "x": "h.0.x2",
        "weight": "h.0.ln_2.weight",
        "bias": "h.0.ln_2.bias",
        "mean": "h.0.ln_2.mean",
        "rstd": "h.0.ln_2.rstd",
        "out": "h.0.ln_2.out",
    }
    assert ops["h.1.mlp.c_fc"]["inp"] == "h.1.ln_2.out"
    assert ops["h.0.attn"]["qkv"] == "h.0.attn.c_attn.out"
    assert ops["loss"] == {"logits": "logits", "targets": "targets", "loss": "loss"}
    for kata in LEVEL.katas:  # a kata not placed by hand is cut out where its tensors are
        site = caches.site(kata, phases.LECTURE, ops)
        assert caches.needs(kata) <= set(ops[site]), kata.id


# ---- level2.md's gradients, each against autograd ----------------------------------------------


def _leaf(*shape, seed=0, scale=1.0):
    return (torch.randn(shape, generator=_g(seed), dtype=torch.float64) * scale).requires_grad_()


def _vjp(out, inputs, seed=99):
    up = torch.randn(out.shape, generator=_g(seed), dtype=torch.float64)
    return up, torch.autograd.grad((out * up).sum(), inputs)


def test_the_encoders_gradient_is_a_scatter_into_wte_and_a_sum_over_the_batch_into_wpe():
    T, V, block, C = 5, 7, 8, 4  # 3 sequences
    idx = torch.tensor([[1, 1, 2, 0, 1], [2, 3, 1, 1, 0], [6, 6, 6, 1, 2]])
    wte, wpe = _leaf(V, C), _leaf(block, C, seed=1)
    dx, (dwte, dwpe) = _vjp(wte[idx] + wpe[torch.arange(T)], (wte, wpe))
    mine = torch.zeros(V, C, dtype=torch.float64).index_add_(0, idx.flatten(), dx.reshape(-1, C))
    assert torch.allclose(dwte, mine) and (dwte[[4, 5]] == 0).all()
    assert torch.allclose(dwpe[:T], dx.sum(0)) and (dwpe[T:] == 0).all()


def test_the_linear_layers_gradient():
    inp, W, b = _leaf(2, 3, 4), _leaf(6, 4, seed=1), _leaf(6, seed=2)
    dout, (dinp, dW, db) = _vjp(inp @ W.T + b, (inp, W, b))
    assert torch.allclose(dinp, dout @ W)
    assert torch.allclose(dW, dout.reshape(-1, 6).T @ inp.reshape(-1, 4))
    assert torch.allclose(db, dout.sum((0, 1)))


def test_layernorms_gradient_is_its_three_paths_with_the_biased_variance():
    x, w, b = _leaf(2, 3, 5), _leaf(5, seed=1), _leaf(5, seed=2)
    mean = x.mean(-1, keepdim=True)
    rstd = (((x - mean) ** 2).mean(-1, keepdim=True) + 1e-5) ** -0.5
    xhat = (x - mean) * rstd
    dout, (dx, dw, db) = _vjp(xhat * w + b, (x, w, b))
    g = dout * w
    formula = rstd * (g - g.mean(-1, keepdim=True) - xhat * (g * xhat).mean(-1, keepdim=True))
    assert torch.allclose(dx, formula)
    assert torch.allclose(dw, (dout * xhat).sum((0, 1))) and torch.allclose(db, dout.sum((0, 1)))
    # and F.layer_norm is this very function
    assert torch.allclose(xhat * w + b, F.layer_norm(x, (5,), w, b, eps=1e-5))


def test_gelus_tanh_form_has_its_own_derivative_not_the_exact_gelus():
    x = torch.linspace(-5, 5, 1001, dtype=torch.float64).requires_grad_()
    k = math.sqrt(2 / math.pi)
    u = k * (x + 0.044715 * x**3)
    out = 0.5 * x * (1 + torch.tanh(u))
    assert torch.allclose(out, F.gelu(x, approximate="tanh"))
    dout, (dx,) = _vjp(out, (x,))
    th = torch.tanh(u)
    formula = dout * (0.5 * (1 + th) + 0.5 * x * (1 - th**2) * k * (1 + 3 * 0.044715 * x**2))
    assert torch.allclose(dx, formula)
    (exact,) = torch.autograd.grad(F.gelu(x).sum(), x)
    gap = (exact - dx / dout).abs().max().item()
    assert 5e-4 < gap < 1e-3  # small, and well above a tolerance of 1e-4


def test_the_causal_softmaxs_gradient_is_zero_where_it_is_masked():
    preatt = _leaf(2, 3, 4, 4)
    mask = torch.tril(torch.ones(4, 4))
    att = F.softmax(preatt.masked_fill(mask == 0, float("-inf")), dim=-1)
    datt, (dpreatt,) = _vjp(att, (preatt,))
    assert torch.allclose(dpreatt, att * (datt - (att * datt).sum(-1, keepdim=True)))
    assert (dpreatt[..., mask == 0] == 0).all() and (att[..., mask == 0] == 0).all()


def test_the_attentions_gradient_splits_dy_as_y_was_merged_and_stacks_dq_dk_dv():
    B, T, NH, hs = 2, 5, 3, 4
    C = NH * hs
    qkv = _leaf(B, T, 3 * C)
    q, k, v = (t.view(B, T, NH, hs).transpose(1, 2) for t in qkv.split(C, dim=2))
    preatt = q @ k.transpose(-2, -1) / math.sqrt(hs)
    mask = torch.tril(torch.ones(T, T))
    att = F.softmax(preatt.masked_fill(mask == 0, float("-inf")), dim=-1)
    y = (att @ v).transpose(1, 2).reshape(B, T, C)
    dy, (dqkv,) = _vjp(y, (qkv,))
    s = 1 / math.sqrt(hs)
    dy_h = dy.view(B, T, NH, hs).transpose(1, 2)
    dv = att.transpose(-2, -1) @ dy_h
    datt = dy_h @ v.transpose(-2, -1)
    dpreatt = att * (datt - (att * datt).sum(-1, keepdim=True))
    dq, dk = s * dpreatt @ k, s * dpreatt.transpose(-2, -1) @ q
    merged = torch.cat([d.transpose(1, 2).reshape(B, T, C) for d in (dq, dk, dv)], dim=2)
    assert torch.allclose(dqkv, merged)
    # and it is torch's own causal attention
    plain = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert torch.allclose(y, plain.transpose(1, 2).reshape(B, T, C))


def test_cross_entropy_with_ignored_targets_divides_by_the_valid_ones_only():
    logits = _leaf(3, 4, 6)
    targets = torch.tensor([[1, 2, 0, -1], [5, 0, -1, -1], [-1, -1, -1, -1]])
    loss = F.cross_entropy(logits.view(-1, 6), targets.view(-1), ignore_index=-1)
    (dlogits,) = torch.autograd.grad(loss, logits)
    valid = targets != -1
    onehot = F.one_hot(targets.clamp(min=0), 6) * valid.unsqueeze(-1)
    formula = (F.softmax(logits, -1) - onehot) * valid.unsqueeze(-1) / valid.sum()
    assert torch.allclose(dlogits, formula) and (dlogits[2] == 0).all()


def test_a_residuals_gradient_keeps_both_branches_and_the_tied_wte_collects_both_of_its_own():
    x = _leaf(2, 3, 4)
    W = _leaf(4, 4, seed=1)
    dx2, (dx,) = _vjp(x + torch.tanh(x @ W.T), (x,))
    assert torch.allclose(dx, dx2 + (dx2 * (1 - torch.tanh(x @ W.T) ** 2)) @ W)
    # the whole GPT: wte's gradient is the output layer's plus the encoder's
    f = caches.forward(phases.LECTURE)
    t = f.graph.tensors
    dlogits, dx_enc = f.loss_grads["logits"], f.loss_grads["x"]
    C = t["wte"].shape[1]
    out_layer = dlogits.reshape(-1, 27).T @ t["ln_f.out"].detach().reshape(-1, C)
    encoder = torch.zeros_like(out_layer).index_add_(0, t["idx"].flatten(), dx_enc.reshape(-1, C))
    assert torch.allclose(f.loss_grads["wte"], out_layer + encoder)


# ---- the phases --------------------------------------------------------------------------------


def test_the_lecture_phase_is_the_gpt_on_8_names_of_the_block_size():
    f = caches.forward(phases.LECTURE)
    t = f.graph.tensors
    assert t["idx"].shape == (8, 16) and f.config == model.Config()
    assert (t["idx"][:, 0] == 0).all() and (t["targets"] == -1).any()
    assert f.valid == int((t["targets"] != -1).sum()) and 3.0 < t["loss"].item() < 6.0
    for kata in LEVEL.katas:
        problem = LEVEL.problem(kata, phases.LECTURE, None)
        assert problem.n == f.valid  # the loss's mean is over the valid targets


def test_the_caches_are_identical_every_time_they_are_built():
    a = caches._build(phases.STRESS, phases.STRESS_SEED).graph.tensors
    b = caches.forward(phases.STRESS).graph.tensors
    for name in ("idx", "targets", "wte", "h.1.attn.att", "loss"):
        assert torch.equal(a[name], b[name])


def _sizes(phase: str) -> tuple[int, int, int, int]:
    r = caches.REGIMES[phase]
    return r.batch, r.time, r.channels, r.heads


@pytest.mark.parametrize("phase", STRESS_PHASES)
def test_every_stress_batch_has_its_sizes_a_row_ignored_whole_and_unused_rows_of_wpe(phase):
    encoder = LEVEL.katas[0]
    for seed in SEEDS:
        f = caches.forward(phase, seed)
        t = f.graph.tensors
        B, T = t["idx"].shape
        assert T < model.BLOCK_SIZE and t["wpe"].shape[0] == model.BLOCK_SIZE
        assert (B, T, f.config.n_embd, f.config.n_head) == _sizes(phase)
        assert (t["targets"][-1] == -1).all() and (t["targets"][:-1] != -1).any()
        assert caches.ABSENT_TOKEN not in t["idx"].tolist()
        assert (f.loss_grads["logits"][-1] == 0).all()  # the ignored row contributes nothing
        dwpe = LEVEL.problem(encoder, phase, seed).expected["dwpe"]
        assert (dwpe[T:] == 0).all() and (dwpe[:T] != 0).all()
    sizes = {_sizes(p) for p in phases.PHASES}
    assert len(sizes) == len(phases.PHASES)


def test_the_eps_batch_has_layernorm_rows_of_eps_level_variance_where_kata_16_is_cut():
    layernorm = LEVEL.katas[1]
    for seed in SEEDS:
        f = caches.forward(phases.EPS, seed)
        var = f.graph.tensors["h.0.ln_1.var"][..., 0]
        for (b, t), variance in zip(phases.EPS_ROWS, phases.EPS_VARIANCES):
            assert abs(var[b, t].item() / variance - 1) < 1e-3, (seed, b, t)
        idx = f.graph.tensors["idx"]
        others = torch.ones_like(var, dtype=torch.bool)
        for b, t in phases.EPS_ROWS:  # and any other row of the same token at that position
            others[:, t] &= idx[:, t] != idx[b, t]
        assert var[others].min() > 1e-2
        assert caches.site(layernorm, phases.EPS, f.graph.ops) == "h.0.ln_1"


def test_the_saturated_batch_overflows_an_unshifted_exp_and_one_shifted_by_the_mean():
    for seed in SEEDS:
        logits = caches.forward(phases.SATURATED, seed).graph.tensors["logits"].detach()
        assert logits.max() >= phases.SATURATED_TOP - 1e-3
        assert torch.isinf(logits.float().exp()).any(), seed
        assert torch.isinf((logits - logits.mean(-1, keepdim=True)).float().exp()).any(), seed
        assert torch.softmax(logits.float(), -1).isfinite().all()


def test_the_tail_batch_puts_every_gelu_input_of_kata_18_in_gelus_negative_tail():
    gelu = LEVEL.katas[3]
    for seed in SEEDS:
        x = LEVEL.problem(gelu, phases.TAIL, seed).inputs["x"]
        assert -5.0 < x.min() and x.max() < -0.4, seed
        assert abs(x.mean().item() - phases.TAIL_MEAN) < 1e-3


def test_the_linear_kata_is_cut_where_out_has_more_channels_than_in():
    linear = LEVEL.katas[2]
    for phase in phases.PHASES:
        weight = LEVEL.problem(linear, phase, None).inputs["weight"]
        assert weight.shape[0] == 4 * weight.shape[1]


def test_the_attention_kata_gets_the_head_count_as_an_int():
    attention = LEVEL.katas[5]
    for phase in phases.PHASES:
        problem = LEVEL.problem(attention, phase, None)
        n_head = problem.inputs["n_head"]
        assert type(n_head) is int and n_head == caches.forward(phase).config.n_head
        assert problem.inputs["att"].shape[1] == n_head


# ---- the katas, graded -------------------------------------------------------------------------


@GPT_KATAS
def test_each_solution_passes_every_phase_and_each_stub_is_todo(kata):
    solved = grade_file(SOLUTIONS / kata.filename, kata)
    assert all(c.status is Status.PASSED for c in solved.checks.values()), solved.checks
    stub = grade_file(KATA_DIR / kata.filename, kata)
    assert all(c.status is Status.TODO for c in stub.checks.values())


def test_pytest_solutions_grades_every_level_2_check(pytester):
    for kata in LEVEL.katas:
        (pytester.path / kata.filename).write_text((SOLUTIONS / kata.filename).read_text())
    result = dojo(pytester, "-q")
    result.assert_outcomes(passed=sum(len(k.outputs) for k in LEVEL.katas))


def test_level_2_is_registered_after_level_1():
    assert [level.name for level in LEVELS] == ["mlp", "gpt"] and LEVELS[1] is LEVEL
    assert [k.number for k in LEVEL.katas] == list(range(15, 24))


def test_a_check_of_a_dict_kata_is_selected_by_its_id_without_dots(pytester):
    block = BY_ID["22_backward_block"]
    (pytester.path / block.filename).write_text((SOLUTIONS / block.filename).read_text())
    one = dojo(pytester, "-v", f"{block.filename}::dln_1_weight")
    one.assert_outcomes(passed=1)
    assert f"{block.filename}::dln_1_weight PASSED" in one.stdout.str()
    layer = dojo(pytester, "-q", "-k", "dmlp_c_fc")
    layer.assert_outcomes(passed=2)  # mlp.c_fc.weight and mlp.c_fc.bias
    # the key as the learner knows it names the same check
    dotted = dojo(pytester, "-v", f"{block.filename}::dln_1.weight")
    dotted.assert_outcomes(passed=1)
    assert f"{block.filename}::dln_1_weight PASSED" in dotted.stdout.str()
