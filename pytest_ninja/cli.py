"""The `pytest-ninja` command: wiring only, one subcommand, one function.

A subcommand is a function from the parsed arguments to an exit code, with a function adding
its arguments to its sub-parser: the workspace commands (`init`, `hint`, `status`, `reset`,
`watch`) from `commands.py`, `train` from `train_command.py`. Nothing heavy is imported at
module level: torch waits until a command needs it, so `pytest-ninja --help` is instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

from . import commands as workspace_commands
from . import train_command
from .train_command import INTERRUPTED, Failure


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None] | None
    run: Callable[[argparse.Namespace], int]


COMMANDS: dict[str, Command] = {
    name: Command(name, help_text, add, run)
    for name, (help_text, add, run) in workspace_commands.COMMANDS.items()
}
COMMANDS["train"] = Command(
    "train", train_command.HELP, train_command.train_arguments, train_command.train
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pytest-ninja",
        description="The backprop dojo: write makemore's backward pass by hand, kata by kata "
        "(graded by `pytest katas/`), then train the lecture's model with it.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for cmd in COMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        if cmd.add_arguments is not None:
            cmd.add_arguments(p)
        if cmd.name in workspace_commands.NEEDS_DIR:
            workspace_commands.add_dir(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    """The command line's entry point; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse has already explained
        return exc.code if isinstance(exc.code, int) else 2
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return COMMANDS[args.command].run(args)
    except Failure as exc:
        sys.stdout.flush()
        print(f"pytest-ninja {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        sys.stdout.flush()
        print(f"\npytest-ninja {args.command}: stopped", file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
