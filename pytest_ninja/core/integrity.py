"""Torch and the grader as they were: what a kata changed in them is named, then put back.

The learner's loop runs the learner's code in the grader's own process (class grading does
not: `classroom.isolation`). A kata that patches torch (`torch.Tensor.abs = ...`), the
dojo's own modules, or pushes a `TorchFunctionMode` to watch the grader's tensors would make
every later comparison a lie. So the namespaces the grader relies on are recorded before any
learner code runs (`begin`: the loop's session, at its first kata file; a notebook's grading
of one cell, `watching`; the class grader's worker), and compared after a kata loads and after
each call of its function (`restored`): every entry changed, removed or (in a class, or one
of the dojo's own modules, where a new entry can shadow an inherited method or a builtin)
added is put back as it was, and the first one is named for the learner. A mode left on
torch's stacks is popped; a default dtype changed is set back (silently: it forges nothing).

This is a mirror's honesty, not a wall: Python cannot stop code that runs in-process from
reaching further (the README's threat model says so). It makes the shortcuts we know of fail
in words instead of passing.
"""

from __future__ import annotations

import builtins
import importlib
import math
import operator
import pkgutil
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
import torch.nn.functional

_MISSING = object()
# what Python itself writes there (the results a shell keeps, the warnings already shown),
# and pytest on the dojo's nodes (`_pytest...`)
IGNORED = frozenset({"_", "__", "___", "__warningregistry__"})

# torch's doors the grader walks through: its namespace, the tensor class, the functional API
_TORCH_MODULES = (
    "torch",
    "torch.nn",
    "torch.nn.functional",
    "torch.linalg",
    "torch.special",
    "torch.functional",
    "torch._tensor",
    "torch.overrides",
    "torch.autograd",
    "torch.autograd.grad_mode",
)


@dataclass
class _Space:
    """One namespace and what it held."""

    name: str
    target: object  # a module or a class
    held: dict
    strict: bool  # an entry added counts as a change too
    keys: tuple = field(init=False, repr=False)
    values: tuple = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.keys, self.values = tuple(self.held), tuple(self.held.values())

    @staticmethod
    def of(name: str, target: object, strict: bool) -> _Space:
        return _Space(name, target, dict(vars(target)), strict)

    def changed(self) -> list[str]:
        now = vars(self.target)
        # the common case, at C speed: every entry the same object, and none added
        if (not self.strict or len(now) == len(self.keys)) and all(
            map(operator.is_, map(now.get, self.keys), self.values)
        ):
            return []
        names = [k for k, v in self.held.items() if now.get(k, _MISSING) is not v]
        if self.strict:
            names += [k for k in now if k not in self.held]
        return [n for n in names if n not in IGNORED and not n.startswith("_pytest")]

    def put_back(self, names: list[str]) -> None:
        for key in names:
            try:
                if key in self.held:
                    setattr(self.target, key, self.held[key])
                else:
                    delattr(self.target, key)
            except (AttributeError, TypeError):
                pass  # an entry Python will not set back: it is still named as changed


def _ours(name: str) -> bool:
    return name == "pytest_ninja" or name.startswith("pytest_ninja.")


def _spaces_of_module(name: str, module: types.ModuleType, strict: bool) -> list[_Space]:
    spaces = [_Space.of(name, module, strict)]
    if _ours(name):  # and every class the dojo defines there
        for key, value in list(vars(module).items()):
            if isinstance(value, type) and getattr(value, "__module__", None) == name:
                spaces.append(_Space.of(f"{name}.{key}", value, True))
    return spaces


class Baseline:
    """What the grader relies on, as it was before any learner code ran."""

    def __init__(self) -> None:
        self.spaces: list[_Space] = [
            _Space.of("builtins", builtins, False),
            _Space.of("math", math, False),
            _Space.of("torch.Tensor", torch.Tensor, True),
        ]
        for name in _TORCH_MODULES:
            module = sys.modules.get(name)
            if module is not None:
                self.spaces.append(_Space.of(name, module, False))
        self.modules: set[str] = set()
        self.seen = 0  # how many modules were loaded when the dojo's were last looked for
        self.dtype = torch.get_default_dtype()
        self.adopt()

    def adopt(self) -> None:
        """Record the dojo's modules imported since (the grader imports some lazily)."""
        if len(sys.modules) == self.seen:
            return
        self.seen = len(sys.modules)
        for name, module in list(sys.modules.items()):
            if _ours(name) and name not in self.modules and isinstance(module, types.ModuleType):
                self.modules.add(name)
                self.spaces += _spaces_of_module(name, module, True)

    def restored(self) -> str | None:
        """Put back whatever changed since the baseline; the first change, named, or None."""
        found = []
        if torch.get_default_dtype() is not self.dtype:  # set back first, and silently: it
            torch.set_default_dtype(self.dtype)  # forges nothing, and torch rebinds names for it
        if torch._C._len_torch_function_stack():
            found.append("torch's function modes (a TorchFunctionMode was left on)")
            while torch._C._len_torch_function_stack():
                torch._C._pop_torch_function_stack()
        if torch._C._len_torch_dispatch_stack():
            found.append("torch's dispatch modes (a TorchDispatchMode was left on)")
            while torch._C._len_torch_dispatch_stack():
                torch._C._pop_torch_dispatch_stack()
        for space in self.spaces:
            names = space.changed()
            if names:
                found.append(f"{space.name}.{names[0]}")
                space.put_back(names)
        self.adopt()
        return found[0] if found else None


# the packages that grade, imported in full before a baseline is recorded (by name: the core
# never imports a level, it only asks that they be in before the learner's code)
GRADER = ("pytest_ninja.core", "pytest_ninja.levels")
_ACTIVE: list[Baseline] = []  # the baseline in force, if any: one list, never rebound


def begin(packages: tuple[str, ...] = GRADER) -> Baseline:
    """Record the baseline now, after every module of `packages` is imported (a module the
    grader imports later is recorded when it is first seen). Until `end`, `restored` checks
    against it."""
    for package in packages:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            importlib.import_module(info.name)
    _ACTIVE[:] = [Baseline()]
    return _ACTIVE[0]


def end() -> None:
    """Stop checking: what happens next is no kata's doing (the session is over)."""
    _ACTIVE.clear()


def active() -> bool:
    return bool(_ACTIVE)


@contextmanager
def watching(packages: tuple[str, ...] = GRADER) -> Iterator[None]:
    """Check against a baseline recorded now, unless one is in force already (a notebook
    cell's grading: what the learner's other cells do to torch is theirs)."""
    if _ACTIVE:
        yield
        return
    begin(packages)
    try:
        yield
    finally:
        end()


def restored() -> str | None:
    """What was changed since the baseline (now put back), or None; None when no baseline is
    in force."""
    return _ACTIVE[0].restored() if _ACTIVE else None


def changed_words(what: str) -> str:
    """The rest of a learner's line about a change: what the dojo did about it, and why."""
    return (
        f"it changed {what}, which the grader relies on; the dojo put it back. A backward "
        "pass by hand changes neither torch nor the dojo"
    )
