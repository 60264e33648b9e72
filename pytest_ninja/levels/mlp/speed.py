"""Why a level-1 backward pass is slow: the Python loops in the learner's `backward_mlp`.

Found with `ast` (nothing imported or run); the classic one is the lecture's own double loop
that adds `demb` into the rows of `dC` one token at a time, which `index_add_` does in one op.
`pytest-ninja train --compare` names it when the learner's steps are slower than autograd's.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class Loop:
    """A Python `for` or `while` loop in the learner's backward_mlp."""

    line: int  # in the file
    embedding: bool  # it adds into rows of dC, one example or token at a time


def python_loops(source: str, name: str = "backward_mlp") -> list[Loop]:
    """The outermost `for`/`while` loops inside the function `name` of a file's source.

    Each runs in Python on every training step, which makes a step slow; nothing is imported
    or run. A file that does not parse has none.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    defined = [
        node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name
    ]
    if not defined:
        return []
    func = defined[-1]  # as Python would: the last definition wins
    dC = {"dC"} | _returned_as(func, "dC")
    loops: list[Loop] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.For, ast.AsyncFor, ast.While)):
                loops.append(Loop(child.lineno, _writes_rows(child, dC)))
            else:
                visit(child)

    visit(func)
    return loops


def _returned_as(func: ast.AST, key: str) -> set[str]:
    """The variables the function returns under `key` in a dict literal."""
    found = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Dict):
            for k, v in zip(node.value.keys, node.value.values):
                if isinstance(k, ast.Constant) and k.value == key and isinstance(v, ast.Name):
                    found.add(v.id)
    return found


def _writes_rows(loop: ast.AST, names: set[str]) -> bool:
    """Whether the loop assigns to `name[...]` for one of the names (dC[ix] += ...)."""
    for node in ast.walk(loop):
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AugAssign)
            else []
        )
        for target in targets:
            if (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id in names
            ):
                return True
    return False


def slower_lines(speedup: float, name: str, loops: list[Loop], file_name: str) -> list[str]:
    """When the hand-written steps are slower than autograd's: how much, and the likely cause."""
    if not speedup < 1:  # also nan: nothing to say
        return []
    lines = [f"{name} runs at {speedup:.2f}x autograd's speed"]
    if not loops:
        return lines
    first = next((loop for loop in loops if loop.embedding), loops[0])  # the classic first
    others = [loop for loop in loops if loop is not first]
    where = f"{file_name}:{first.line}"
    if first.embedding:
        cause = (
            f"a Python loop at {where} runs once per example or token: "
            "`dC.index_add_(0, Xb.view(-1), demb.view(-1, 10))` does it in one op"
        )
    else:
        cause = (
            f"a Python loop at {where} runs its body one item at a time, on every step: "
            "one tensor op over the whole batch does the same work at once"
        )
    more = ""
    if others:
        at = "line" if len(others) == 1 else "lines"
        more = f" (more loops at {at} {', '.join(str(loop.line) for loop in others)})"
    lines.append(f"  likely cause: {cause}{more}")
    return lines
