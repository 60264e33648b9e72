"""How katas are graded, resolved once from flags and ini keys (no torch here).

Each setting is a flag and, where a learner may set it for their own loop, an ini key with
the same help text; a flag wins over the ini key. Settings that decide a score (the stress
seed) are flags only: a student owns the repository's configuration files.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """How a kata is graded."""

    time_limit: float | None = 10.0  # seconds per call of the learner's function; None: none
    stress_seed: int | None = None  # None: the dojo's fixed stress seed


DEFAULTS = Settings()
TIMEOUT_HELP = "seconds a kata's function may run before it is stopped (default 10; 0: no limit)"
SEED_HELP = "seed of the stress phase's cache and random upstream gradients (default: fixed)"


def add_options(parser) -> None:
    group = parser.getgroup("ninja", "pytest-ninja: the backprop dojo")
    group.addoption(
        "--ninja-timeout", type=float, default=None, metavar="SECONDS", help=TIMEOUT_HELP
    )
    parser.addini("ninja_timeout", TIMEOUT_HELP, default=str(DEFAULTS.time_limit))
    group.addoption("--ninja-stress-seed", type=int, default=None, metavar="SEED", help=SEED_HELP)
    group.addoption(
        "--ninja-reveal",
        action="store_true",
        default=False,
        help="print the reference solution of every kata that passed, after yours",
    )


def resolve(config) -> Settings:
    timeout = config.getoption("ninja_timeout")
    if timeout is None:
        try:
            timeout = float(config.getini("ninja_timeout"))
        except ValueError:
            timeout = DEFAULTS.time_limit
    return Settings(time_limit=timeout or None, stress_seed=config.getoption("ninja_stress_seed"))
