"""`python -m pytest_ninja`: the command line (`python -I -m pytest_ninja grade ...` grades a
class with nothing of the current folder on the path)."""

import sys

from pytest_ninja.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
