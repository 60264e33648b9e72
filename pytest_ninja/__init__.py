"""pytest-ninja: a dojo for writing the backward pass of makemore's MLP by hand.

The pytest plugin (`pytest_ninja.plugin`) grades the katas in `katas/` against autograd. In a
notebook, `%load_ext pytest_ninja` adds the `%%kata` magic that grades a cell in place
(`pytest-ninja notebook` writes the dojo as one), `check(fn)` grades a function, and
`from pytest_ninja import cmp` is the lecture's `cmp` with the dojo's checks.
Importing this package is cheap: torch and IPython are imported only when one is first used.
"""

__version__ = "0.1.0"
__all__ = ["check", "cmp", "load_ipython_extension"]


def __getattr__(name: str):
    if name == "cmp":
        from pytest_ninja.levels.mlp.cmp import cmp

        return cmp
    if name == "check":
        from pytest_ninja.loop.notebook.grade import check

        return check
    if name == "load_ipython_extension":
        from pytest_ninja.loop.notebook.magics import load_ipython_extension

        return load_ipython_extension
    raise AttributeError(f"module 'pytest_ninja' has no attribute {name!r}")
