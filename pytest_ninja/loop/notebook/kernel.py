"""Grading in the learner's own kernel, leaving it as it was found.

A notebook grades in the process the learner works in, so whatever the grading (or the
learner's function, which runs inside it) changes in torch's or Python's global state is put
back afterwards: the thread count, grad mode, the default dtype and device, the random number
generators (torch's, CUDA's once it is in use, Python's, numpy's once imported), the working
directory and the warnings filters. Inside, the dojo grades as `pytest katas/` does: autograd
on for building the references, float32 by default, on the CPU.
"""

from __future__ import annotations

import os
import random
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import torch


def _default_device() -> torch.device | None:
    getter = getattr(torch, "get_default_device", None)  # torch 2.3 and newer
    return getter() if getter is not None else None


@contextmanager
def as_found() -> Iterator[None]:
    """Run the block as the terminal grades, then give the kernel back its global state."""
    threads = torch.get_num_threads()
    grad = torch.is_grad_enabled()
    dtype = torch.get_default_dtype()
    device = _default_device()
    rng = torch.get_rng_state()
    cuda_rng = torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None
    python_rng = random.getstate()
    numpy = sys.modules.get("numpy")
    numpy_rng = numpy.random.get_state() if numpy is not None else None
    cwd = os.getcwd()
    with warnings.catch_warnings():
        try:
            torch.set_grad_enabled(True)
            torch.set_default_dtype(torch.float32)
            if device is not None and device.type != "cpu":
                torch.set_default_device("cpu")
            yield
        finally:
            if os.getcwd() != cwd:
                os.chdir(cwd)
            if numpy_rng is not None:
                numpy.random.set_state(numpy_rng)
            random.setstate(python_rng)
            if cuda_rng is not None:
                torch.cuda.set_rng_state_all(cuda_rng)
            torch.set_rng_state(rng)
            if device is not None and _default_device() != device:
                torch.set_default_device(device)
            torch.set_default_dtype(dtype)
            torch.set_grad_enabled(grad)
            if torch.get_num_threads() != threads:
                torch.set_num_threads(threads)
