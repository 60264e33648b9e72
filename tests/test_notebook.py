"""`from pytest_ninja import cmp`: the lecture's checker, with shapes and diagnosis."""

from __future__ import annotations

import subprocess
import sys

import torch

from pytest_ninja import cmp


def graph():
    g = torch.Generator().manual_seed(0)
    hprebn = torch.randn(32, 64, generator=g, requires_grad=True)
    bnmeani = hprebn.mean(0, keepdim=True)
    bnmeani.retain_grad()
    loss = ((hprebn - bnmeani) ** 2 * torch.randn(32, 64, generator=g)).sum()
    loss.backward()
    return bnmeani


def test_a_right_gradient_prints_the_lectures_line_and_returns_none_as_the_lectures_does(capsys):
    t = graph()
    assert cmp("bnmeani", t.grad.clone(), t) is None  # a notebook shows no `Out: True`
    assert capsys.readouterr().out == (
        "bnmeani         | exact: True | approximate: True | maxdiff: 0\n"
    )


def test_the_lectures_64_shaped_answer_is_refused_with_a_keepdim_hint(capsys):
    t = graph()
    assert cmp("bnmeani", t.grad.reshape(64), t) is None
    out = capsys.readouterr().out
    assert "has shape (64,) but must have shape (1, 64)" in out and "keepdim=True" in out


def test_a_wrong_gradient_names_the_worst_entry_and_the_likely_mistake(capsys):
    t = graph()
    cmp("bnmeani", -t.grad, t)
    cmp("bnmeani", 32 * t.grad, t)
    out = capsys.readouterr().out.splitlines()
    assert "approximate: False" in out[0]
    assert "worst entry" in out[1] and "likely: the sign is flipped" in out[1]
    assert "likely: n = 32 times too large: a 1/n is missing" in out[3]


def test_a_tensor_without_grad_is_explained(capsys):
    assert cmp("x", torch.zeros(2), torch.zeros(2)) is None
    assert "retain_grad" in capsys.readouterr().out


def test_importing_cmp_lazily_keeps_the_package_import_light():
    code = "import sys, pytest_ninja; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert out.strip() == "False"


def test_importing_the_package_imports_neither_torch_nor_ipython_until_a_notebook_needs_it():
    code = (
        "import sys, pytest_ninja; print('torch' in sys.modules, 'IPython' in sys.modules); "
        "pytest_ninja.load_ipython_extension, pytest_ninja.check; "
        "print('torch' in sys.modules, 'IPython' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.split() == ["False", "False", "True", "True"], done.stderr
