"""`python -m pytest_ninja.cli`: the `pytest-ninja` command."""

import sys

from pytest_ninja.cli.main import main

sys.exit(main())
