"""Loads the dojo's plugin when the package is not installed (a plain checkout).

Installed, the `pytest11` entry point has already registered it as `ninja` before this file is
read, so registering again is skipped; `-p no:ninja` blocks it in both cases.
"""

import sys
from pathlib import Path


def pytest_addhooks(pluginmanager):
    if pluginmanager.has_plugin("ninja") or pluginmanager.is_blocked("ninja"):
        return
    root = str(Path(__file__).parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    from pytest_ninja import plugin

    pluginmanager.register(plugin, "ninja")
