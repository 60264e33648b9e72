"""Torch and the grader as they were (`core.integrity`): a change is named and put back."""

from __future__ import annotations

import pytest
import torch

from pytest_ninja.core import grading, integrity


@pytest.fixture
def baseline():
    integrity.begin()
    yield
    integrity.end()


def test_nothing_changed_is_nothing_to_say(baseline):
    assert integrity.restored() is None


def test_a_method_patched_on_the_tensor_class_is_named_and_put_back(baseline):
    abs_ = torch.Tensor.abs
    T = torch.Tensor
    T.abs = lambda self: self * 0
    assert integrity.restored() == "torch.Tensor.abs"
    assert torch.Tensor.abs is abs_
    assert torch.tensor([-2.0]).abs().item() == 2.0


def test_an_inherited_operator_added_to_the_tensor_class_is_a_change_too(baseline):
    torch.Tensor.__sub__ = lambda self, other: self * 0
    assert integrity.restored() == "torch.Tensor.__sub__"
    assert "__sub__" not in vars(torch.Tensor)
    assert (torch.ones(1) - torch.zeros(1)).item() == 1.0


def test_the_graders_own_functions_and_classes_are_watched(baseline):
    compare = grading.compare
    grading.compare = lambda *a, **k: None
    assert integrity.restored() == "pytest_ninja.core.grading.compare"
    assert grading.compare is compare
    grading.Described.__init__ = lambda self, *a: None
    assert integrity.restored() == "pytest_ninja.core.grading.Described.__init__"
    # a builtin shadowed in one of the grader's modules is a change too
    grading.len = lambda x: 0
    assert integrity.restored() == "pytest_ninja.core.grading.len"
    assert not hasattr(grading, "len")


def test_a_function_mode_left_on_and_a_default_dtype_changed_are_undone(baseline):
    from torch.overrides import TorchFunctionMode

    TorchFunctionMode().__enter__()
    assert "a TorchFunctionMode was left on" in integrity.restored()
    assert torch._C._len_torch_function_stack() == 0
    torch.set_default_dtype(torch.float64)  # forges nothing: set back, and torch.Storage with it
    assert integrity.restored() is None
    assert torch.get_default_dtype() is torch.float32


def test_a_submodule_imported_is_no_change(baseline):
    import torch.distributions  # noqa: F401  (adds an attribute to torch: harmless)

    assert integrity.restored() is None


def test_without_a_baseline_nothing_is_checked_and_watching_scopes_one():
    assert not integrity.active() and integrity.restored() is None
    with integrity.watching():
        assert integrity.active()
        torch.Tensor.abs_grader_test = 1
        assert integrity.restored() == "torch.Tensor.abs_grader_test"
    assert not integrity.active()
