"""A wrong 2-D gradient as a picture: autograd's, the learner's, and where they differ.

The lecture looks at `plt.imshow(dlogits.detach(), cmap='gray')` to see what a gradient
does; the dojo shows a wrong answer the same way, beside autograd's and a map of the entries
outside the tolerance. Drawn with matplotlib's object API on the Agg canvas (never pyplot, so
the learner's figures and backend are left alone) into PNG bytes, and only when matplotlib
is installed: without it there is no picture, and the text says everything.
"""

from __future__ import annotations

import io

import torch

FIGSIZE = (10.0, 3.2)  # inches: three panels side by side
DPI = 80


def matplotlib_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def wrong_picture(
    name: str, got: torch.Tensor, expected: torch.Tensor, tol: float, phase: str
) -> bytes | None:
    """PNG bytes of the three panels for a 2-D answer of the right shape; None otherwise."""
    if (
        not isinstance(got, torch.Tensor)
        or got.dim() != 2
        or tuple(got.shape) != tuple(expected.shape)
        or not matplotlib_available()
    ):
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ours = expected.detach().double().cpu()
    yours = got.detach().double().cpu()
    wrong = ((yours - ours).abs() > tol).double()
    figure = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    # one scale for both answers, so a factor or a flipped sign shows as what it is
    lim = max(ours.abs().max().item(), yours.abs().max().item()) or 1.0
    panels = (
        (f"autograd's {name} (max |x| {ours.abs().max().item():.3g})", ours, -lim, lim),
        (f"yours, {phase} phase (max |x| {yours.abs().max().item():.3g})", yours, -lim, lim),
        (f"where they differ: {int(wrong.sum())} of {wrong.numel()} (white)", wrong, 0, 1),
    )
    for axes, (title, values, vmin, vmax) in zip(figure.subplots(1, 3), panels):
        axes.imshow(
            values.numpy(),
            cmap="gray",
            vmin=vmin,
            vmax=vmax,
            aspect="auto",
            interpolation="nearest",
        )
        axes.set_title(title, fontsize=10)
        axes.set_xlabel(f"{values.shape[1]} columns", fontsize=8)
        axes.set_ylabel(f"{values.shape[0]} rows", fontsize=8)
        axes.tick_params(labelsize=7)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
