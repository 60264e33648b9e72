"""How an answer is compared with the reference: type, dtype, shape, finiteness, tolerance.

The rule, in one place. An answer passes when

    max |answer - reference|  <=  RTOL * scale

where the reference is autograd's gradient computed in float64 and `scale` is the largest
magnitude of the reference (`max |reference|`). Some gradients are sums of terms that cancel
to ~0 for the first phase's loss (a softmax is shift-invariant; a normalisation removes any
shift). Their reference is pure rounding noise, so their scale is taken from the terms they
sum instead (a kata's `scale_from`): a correct float32 answer is then never failed for its
rounding, and the stress phase, where those gradients are not ~0, still tells right from wrong.

RTOL sits between float32 rounding (~1e-7 relative, up to ~1e-6 after the cancellations in a
normalisation) and the smallest real mistake we know (a Bessel factor missing: ~3e-2 of a term):
`tests/test_margin.py` measures that every correct alternative stays below a tenth of the
tolerance and every wrong answer above ten times it. Exact equality is never asked for.
"""

from __future__ import annotations

import torch

from pytest_ninja.core.result import Comparison

RTOL = 1e-4
ACCEPTED_DTYPES = (torch.float32, torch.float64)


def tolerance(scale: float) -> float:
    """The largest absolute error an answer may have, for a reference of this scale."""
    return RTOL * max(scale, torch.finfo(torch.float32).tiny)


def fmt_shape(shape) -> str:
    dims = tuple(shape)
    return f"({dims[0]},)" if len(dims) == 1 else str(dims)


def _shape_hint(got: tuple[int, ...], want: tuple[int, ...]) -> str:
    if len(got) + 1 == len(want) and any(
        want[:i] + want[i + 1 :] == got for i in range(len(want)) if want[i] == 1
    ):
        return "a summed dimension was dropped: sum with keepdim=True to keep it"
    if len(got) == len(want) == 2 and got == want[::-1]:
        return "it is transposed (the two dimensions are swapped)"
    if len(got) == len(want):
        for i, (a, b) in enumerate(zip(got, want)):
            if a != b:
                hint = f"dimension {i} is {a}, should be {b}"
                if b == 1:
                    hint += ": a broadcast in the forward pass is a sum in the backward pass"
                return hint
    if len(got) == len(want) + 1 and got[0] == 1 and got[1:] == want:
        return "keepdim=True kept a dimension this tensor does not have: drop keepdim"
    if len(got) > len(want):
        return "it has more dimensions: was a broadcast dimension left unsummed?"
    return "it has fewer dimensions than the tensor it is the gradient of"


def _article(dtype) -> str:
    name = str(dtype).removeprefix("torch.")
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _describe(value) -> str:
    if value is None:
        return "None"
    if hasattr(value, "__array__") and hasattr(value, "dtype"):
        return f"a {type(value).__module__.split('.')[0]} array"
    return f"a {type(value).__name__}"


def _unravel(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The index of the `flat`-th entry (torch.unravel_index pays a slow first import)."""
    index = []
    for size in reversed(shape):
        flat, i = divmod(flat, size)
        index.append(i)
    return tuple(reversed(index))


def dense_only(name: str, layout) -> str:
    """The refusal of an answer that is not a plain dense tensor (sparse, say)."""
    kind = str(layout).removeprefix("torch.")
    return f"{name} is a {kind} tensor: return a dense one (.to_dense())"


def compare(name: str, got, expected: torch.Tensor, scale: float) -> Comparison:
    """Compare an answer with a float64 reference; the first problem found is reported."""
    tol = tolerance(scale)
    want = fmt_shape(expected.shape)
    if not isinstance(got, torch.Tensor):
        hint = " (torch.from_numpy converts it)" if "array" in _describe(got) else ""
        return Comparison(
            False,
            "type",
            f"{name} must be a tensor of shape {want}, not {_describe(got)}{hint}",
            tol=tol,
        )
    if type(got) is not torch.Tensor:  # a subclass may answer every question as it likes
        line = (
            f"{name} is a {type(got).__name__}, a subclass of torch.Tensor: return a plain tensor"
        )
        return Comparison(False, "type", line, tol=tol)
    if got.layout != torch.strided:
        return Comparison(False, "layout", dense_only(name, got.layout), tol=tol)
    if got.dtype not in ACCEPTED_DTYPES:
        why = (
            "too coarse for the check" if got.is_floating_point() else "gradients are real numbers"
        )
        return Comparison(
            False,
            "dtype",
            f"{name} is {_article(got.dtype)} tensor: return float32 or float64 ({why})",
            tol=tol,
        )
    if got.device != expected.device:
        return Comparison(
            False,
            "device",
            f"{name} is on {got.device}, the dojo grades on "
            f"{expected.device}: return it with .to('{expected.device}')",
            tol=tol,
        )
    if tuple(got.shape) != tuple(expected.shape):
        return Comparison(
            False,
            "shape",
            f"{name} has shape {fmt_shape(got.shape)} but must have "
            f"shape {want}: {_shape_hint(tuple(got.shape), tuple(expected.shape))}",
            tol=tol,
        )
    got64 = got.detach().double()
    finite = torch.isfinite(got64)
    if not bool(finite.all()):
        bad = tuple(int(i) for i in (~finite).nonzero()[0])
        value = got64[bad].item()
        return Comparison(
            False,
            "nonfinite",
            f"{name} has {value} at {list(bad)}: a division by zero or an overflow somewhere",
            tol=tol,
            worst=bad,
            got_at_worst=value,
            expected_at_worst=expected[bad].item(),
        )
    diff = (got64 - expected).abs()
    flat = int(diff.argmax()) if diff.numel() else 0
    worst = _unravel(flat, tuple(diff.shape))
    maxdiff = diff.max().item() if diff.numel() else 0.0
    ok = maxdiff <= tol
    exact = torch.equal(got.detach().to(expected.dtype).float(), expected.float())
    detail = "" if ok else f"{name} differs from autograd by up to {maxdiff:.3g}"
    return Comparison(
        ok,
        "values",
        detail,
        exact,
        maxdiff,
        tol,
        worst,
        expected[worst].item() if diff.numel() else 0.0,
        got64[worst].item() if diff.numel() else 0.0,
    )
