"""pytest-ninja: a dojo for writing the backward pass of makemore's MLP by hand.

The pytest plugin (`pytest_ninja.plugin`) grades the katas in `katas/` against autograd; in a
notebook, `from pytest_ninja import cmp` is the lecture's `cmp` with the dojo's checks.
Importing this package is cheap: torch is imported only when `cmp` is first used.
"""

__version__ = "0.1.0"
__all__ = ["cmp"]


def __getattr__(name: str):
    if name == "cmp":
        from pytest_ninja.levels.mlp.cmp import cmp

        return cmp
    raise AttributeError(f"module 'pytest_ninja' has no attribute {name!r}")
