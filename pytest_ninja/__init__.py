"""pytest-ninja: a dojo for writing the backward pass of makemore's MLP by hand.

The pytest plugin (`pytest_ninja.plugin`) grades the katas in `katas/` against autograd.
Importing this package is cheap: nothing here imports torch.
"""

__version__ = "0.1.0"
