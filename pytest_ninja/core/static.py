"""A look at a kata's source before it runs: refuse what only a shortcut needs.

A backward pass by hand needs torch's tensor operations and nothing else. Importing the
dojo's own package, autograd (`torch.autograd`, `torch.func`, functorch), introspection
(`inspect`, `gc`, `ctypes`, `importlib`) or reaching into frames (`sys._getframe`, `f_back`,
`f_locals`, ...) is refused with a line that says where and why. This stops the honest but
tempted, not a determined attacker: in-process grading cannot (README, reliability).
"""

from __future__ import annotations

import ast

REFUSED_MODULES = (
    "pytest_ninja",
    "torch.autograd",
    "torch.func",
    "functorch",
    "inspect",
    "gc",
    "ctypes",
    "importlib",
    "builtins",
)
REFUSED_ATTRIBUTES = {
    "autograd": "autograd is switched off in the dojo: write the gradient by hand",
    "func": "torch.func is autograd too: write the gradient by hand",
    "backward": "autograd is switched off in the dojo: write the gradient by hand",
    "enable_grad": "autograd is switched off in the dojo: write the gradient by hand",
    "set_grad_enabled": "autograd is switched off in the dojo: write the gradient by hand",
    "requires_grad_": "autograd is switched off in the dojo: write the gradient by hand",
    "_getframe": "reaching into the grader's frames is refused",
    "f_back": "reaching into the grader's frames is refused",
    "f_locals": "reaching into the grader's frames is refused",
    "f_globals": "reaching into the grader's frames is refused",
    "tb_frame": "reaching into the grader's frames is refused",
    "gi_frame": "reaching into the grader's frames is refused",
    "__globals__": "reaching into the grader's globals is refused",
    "__subclasses__": "introspection is refused in a kata",
    "modules": "reaching into loaded modules (sys.modules) is refused in a kata",
    "__builtins__": "introspection is refused in a kata",
}
REFUSED_NAMES = {
    "__import__": "importing by name is refused in a kata",
    "globals": "reading the grader's globals is refused",
    "vars": "introspection is refused in a kata",
    "eval": "eval is refused in a kata: write the code itself",
    "exec": "exec is refused in a kata: write the code itself",
}


def _refused_module(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in REFUSED_MODULES)


def refusal(source: str, filename: str) -> str | None:
    """One line saying what the source does that a kata may not, or None when it is fine.

    A file that does not parse is left to the import, which reports the syntax error.
    """
    try:
        tree = ast.parse(source, filename)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        where = f"{filename}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _refused_module(alias.name):
                    return (
                        f"{where}: `import {alias.name}` is refused in a kata: a backward "
                        "pass by hand needs torch's tensor operations only"
                    )
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = [f"{module}.{a.name}" for a in node.names]
            if _refused_module(module) or any(_refused_module(n) for n in names):
                return (
                    f"{where}: `from {module} import ...` is refused in a kata: a backward "
                    "pass by hand needs torch's tensor operations only"
                )
        elif isinstance(node, ast.Attribute) and node.attr in REFUSED_ATTRIBUTES:
            return f"{where}: `.{node.attr}` is refused: {REFUSED_ATTRIBUTES[node.attr]}"
        elif isinstance(node, ast.Name) and node.id in REFUSED_NAMES:
            return f"{where}: `{node.id}` is refused: {REFUSED_NAMES[node.id]}"
        elif (
            isinstance(node, ast.keyword)
            and node.arg == "requires_grad"
            and not (isinstance(node.value, ast.Constant) and node.value.value is False)
        ):
            return f"{where}: `requires_grad=` is refused: {REFUSED_ATTRIBUTES['backward']}"
    return None
