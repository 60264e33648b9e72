"""The pytest options of the learner's loop: flags and ini keys, resolved once (no torch).

Each setting is a flag and, where a learner may set it for their own loop, an ini key with
the same help text; a flag wins over the ini key. Settings that decide a score (the stress
seed) are flags only: a student owns the repository's configuration files. A bad value is a
ValueError that names where it came from (the plugin makes it a usage error).
"""

from __future__ import annotations

from pytest_ninja.core.settings import DEFAULTS, Settings

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


def seconds(text: str, where: str) -> float:
    """A time limit in seconds from a flag or an ini key; ValueError names where it came from."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{where} is {text!r}, not a number of seconds") from None
    if not value >= 0 or value == float("inf"):  # also refuses nan
        raise ValueError(f"{where} is {text!r}: give a number of seconds >= 0 (0: no limit)")
    return value


def resolve(config) -> Settings:
    """The settings of this run; ValueError (for a usage error) on a bad value."""
    timeout = config.getoption("ninja_timeout")
    if timeout is not None:
        timeout = seconds(str(timeout), "--ninja-timeout")
    else:
        where = f"ninja_timeout in {config.inipath.name}" if config.inipath else "ninja_timeout"
        timeout = seconds(str(config.getini("ninja_timeout")), where)
    seed = config.getoption("ninja_stress_seed")
    workerinput = getattr(config, "workerinput", None)  # an xdist worker: its controller's seed
    if workerinput and "ninja_stress_seed" in workerinput:
        seed = workerinput["ninja_stress_seed"]
    return Settings(time_limit=timeout or None, stress_seed=seed)
