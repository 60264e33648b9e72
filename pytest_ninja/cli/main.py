"""The `pytest-ninja` command: wiring only, one subcommand, one `Command`.

A `Command` is a pair: a function adding its arguments to its sub-parser, and a function from
the parsed arguments to an exit code. The workspace commands (`init`, `hint`, `status`,
`reset`, `watch`, `notebook`, `stubs`) come from `commands`, `train` from `train`; every
command that works in a workspace gets `--dir WORKSPACE` here (default: the current folder).

Every command ends the same way: exit 0 when it did its job; a usage error (a kata that does
not exist, a missing or bad argument, a folder that is not a workspace: argparse's, or a
`commands.Usage`) is one line on stderr first (`pytest-ninja hint: no kata '42': ...`), the
detail after, exit 2; what goes wrong on the learner's side while it runs (`train`'s
`Failure`) is one line on stderr, exit 1; Ctrl-C stops it with exit 130. Never a traceback.

Nothing heavy is imported at module level: torch waits until a command needs it, so
`pytest-ninja --help` is instant.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

from pytest_ninja.cli import commands
from pytest_ninja.cli import grade as grade_command
from pytest_ninja.cli import init as init_command
from pytest_ninja.cli import train as train_command
from pytest_ninja.cli.commands import Usage
from pytest_ninja.cli.train import INTERRUPTED, Failure


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None] | None
    run: Callable[[argparse.Namespace], int]
    in_workspace: bool = True  # it takes --dir, the workspace it works in


COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command("init", init_command.HELP, init_command.init_arguments, init_command.init, False),
        Command("hint", commands.HINT_HELP, commands.hint_arguments, commands.hint),
        Command("status", commands.STATUS_HELP, None, commands.status),
        Command("reset", commands.RESET_HELP, commands.reset_arguments, commands.reset),
        Command("watch", commands.WATCH_HELP, commands.watch_arguments, commands.watch),
        Command("train", train_command.HELP, train_command.train_arguments, train_command.train),
        Command("stubs", commands.STUBS_HELP, commands.stubs_arguments, commands.stubs),
        Command(
            "grade", grade_command.HELP, grade_command.grade_arguments, grade_command.grade, False
        ),
        Command(
            "notebook",
            commands.NOTEBOOK_HELP,
            commands.notebook_arguments,
            commands.notebook,
            in_workspace=False,
        ),
    )
}


class Parser(argparse.ArgumentParser):
    """argparse, with its usage errors in the dojo's pattern: the error's own line first
    (`pytest-ninja reset: unrecognized arguments: --bogus`), the usage after, exit 2."""

    subcommands: dict[str, argparse.ArgumentParser]

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message}\n{self.format_usage()}")

    def parse_args(self, args=None, namespace=None):
        """As argparse's, but an argument a command does not know is that command's error."""
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:
            parser = getattr(self, "subcommands", {}).get(getattr(parsed, "command", None), self)
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        return parsed


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="pytest-ninja",
        description="The backprop dojo: write makemore's backward pass by hand, kata by kata "
        "(graded by `pytest katas/`), then train the lecture's model with it.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parser.subcommands = {}
    for cmd in COMMANDS.values():
        p = parser.subcommands[cmd.name] = sub.add_parser(
            cmd.name, help=cmd.help, description=cmd.help
        )
        if cmd.add_arguments is not None:
            cmd.add_arguments(p)
        if cmd.in_workspace:
            commands.add_dir(p)
    return parser


def _error(command: str, message: str) -> None:
    sys.stdout.flush()
    first, *rest = str(message).splitlines() or [""]
    print("\n".join([f"pytest-ninja {command}: {first}", *rest]), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """The command line's entry point; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse has already explained
        return exc.code if isinstance(exc.code, int) else 2
    if args.command is None:
        print(f"pytest-ninja: name a command ({', '.join(COMMANDS)})", file=sys.stderr)
        parser.print_help(sys.stderr)
        return 2
    try:
        return COMMANDS[args.command].run(args)
    except Usage as exc:
        _error(args.command, str(exc))
        return 2
    except Failure as exc:
        _error(args.command, str(exc))
        return 1
    except KeyboardInterrupt:
        sys.stdout.flush()
        print(f"\npytest-ninja {args.command}: stopped", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:  # `pytest-ninja hint 09 | head -3`: the reader had enough
        _quiet_stdout()
        return 0


def _quiet_stdout() -> None:
    """Point stdout at the null device, so the flush at exit does not fail again on the pipe
    its reader closed."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
