"""The comparison rule: type, dtype, shape, finiteness and the tolerance, one by one."""

from __future__ import annotations

import numpy as np
import torch

from pytest_ninja.core.compare import RTOL, compare

REF = torch.linspace(-1, 1, 64, dtype=torch.float64).reshape(1, 64)


def test_a_float32_rounding_of_the_reference_passes():
    c = compare("dbnmeani", REF.float(), REF, 1.0)
    assert c.ok and c.maxdiff < RTOL / 10


def test_float64_is_accepted():
    assert compare("x", REF.clone(), REF, 1.0).ok


def test_an_error_just_above_the_tolerance_fails_and_names_the_worst_entry():
    got = REF.clone()
    got[0, 17] += 2 * RTOL
    c = compare("x", got, REF, 1.0)
    assert not c.ok and c.worst == (0, 17)
    assert "worst entry [0, 17]" in c.worst_line()
    assert c.lecture_line().startswith("exact: False | approximate: False | maxdiff: 0.0002")


def test_a_dropped_keepdim_dimension_is_explained():
    c = compare("dbnmeani", REF.reshape(64).float(), REF, 1.0)
    assert c.reason == "shape"
    assert "shape (64,) but must have shape (1, 64)" in c.detail and "keepdim=True" in c.detail


def test_a_broadcast_left_unsummed_is_explained():
    c = compare("dbnmeani", torch.zeros(32, 64), REF, 1.0)
    assert "dimension 0 is 32, should be 1" in c.detail and "sum" in c.detail


def test_a_transposed_answer_is_pointed_out():
    c = compare("dW", torch.zeros(64, 1), REF, 1.0)
    assert "transposed" in c.detail


def test_half_precision_and_integers_are_refused_with_a_reason():
    assert "too coarse" in compare("x", REF.half(), REF, 1.0).detail
    assert "float32 or float64" in compare("x", REF.long(), REF, 1.0).detail


def test_numpy_arrays_lists_and_numbers_are_refused_consistently():
    for value in (REF.numpy(), REF.tolist(), 1.0, (REF,)):
        c = compare("x", value, REF, 1.0)
        assert c.reason == "type" and "must be a tensor of shape (1, 64)" in c.detail
    assert "torch.from_numpy" in compare("x", np.zeros((1, 64)), REF, 1.0).detail


def test_nan_and_inf_are_reported_with_their_position():
    got = REF.clone()
    got[0, 3] = float("nan")
    c = compare("x", got, REF, 1.0)
    assert c.reason == "nonfinite" and "[0, 3]" in c.detail


def test_the_tolerance_scales_with_the_given_magnitude_not_the_references():
    tiny = torch.full((1, 64), 1e-12, dtype=torch.float64)
    noise = tiny + 1e-9
    assert not compare("db1", noise, tiny, 1e-12).ok
    assert compare("db1", noise, tiny, 1e-3).ok
