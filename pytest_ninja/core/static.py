"""A look at a kata's source before it runs: refuse what only a shortcut needs.

A backward pass by hand needs torch's tensor operations and nothing else. Importing the
dojo's own package, autograd (`torch.autograd`, `torch.func`, functorch, torch's private
`_C` and `_functorch`, ATen's own kernels in `torch.ops`), introspection (`inspect`, `gc`,
`ctypes`, `importlib`, `pkgutil`, `runpy`), other processes (`subprocess`, `multiprocessing`,
`os.system`), reaching into frames (`sys._getframe`, `f_back`, `f_locals`, ...), names
spelled as strings (`getattr` and `setattr` with a name computed or refused, `__builtins__`),
`compile`, code objects made into functions (`types.FunctionType`, `__code__`, `marshal`),
watching torch's calls (`torch.overrides`, function and dispatch modes), ending the process
(`os._exit`, `atexit`), assigning into torch (`torch.Tensor.abs = ...`) and switching autograd
on by assignment (`x.requires_grad = True`) are refused with a line that says where and why;
so is each of these in a module of the learner's own that a kata imports
(`refusal_in_imports`). Python cannot make such a check complete: it nudges the
honest but tempted, and class grading does not rely on it (README, the threat model).
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
    "pkgutil",
    "runpy",
    "subprocess",
    "multiprocessing",
    "torch._C",
    "torch._functorch",
    "torch.ops",
    "torch.overrides",
    "torch.utils._python_dispatch",
    "marshal",
    "atexit",
)
PRIVATE_TORCH = "torch's private and kernel-level routes are refused in a kata: write it by hand"
OTHER_PROCESS = "running other processes is refused in a kata"
WATCHING = "watching torch's calls is refused in a kata: write the gradient by hand"
MADE_CODE = "making functions out of code objects is refused in a kata: write the code itself"
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
    "_C": PRIVATE_TORCH,
    "_functorch": PRIVATE_TORCH,
    "ops": PRIVATE_TORCH,
    "system": OTHER_PROCESS,
    "popen": OTHER_PROCESS,
    "_exit": "ending the grader's process is refused in a kata",
    "overrides": WATCHING,
    "TorchFunctionMode": WATCHING,
    "TorchDispatchMode": WATCHING,
    "__torch_function__": WATCHING,
    "__torch_dispatch__": WATCHING,
    "FunctionType": MADE_CODE,
    "CodeType": MADE_CODE,
    "__code__": MADE_CODE,
}
REFUSED_NAMES = {
    "__import__": "importing by name is refused in a kata",
    "globals": "reading the grader's globals is refused",
    "vars": "introspection is refused in a kata",
    "eval": "eval is refused in a kata: write the code itself",
    "exec": "exec is refused in a kata: write the code itself",
    "compile": "compile is refused in a kata: write the code itself",
    "__builtins__": "introspection is refused in a kata",
    "__torch_function__": WATCHING,
    "__torch_dispatch__": WATCHING,
}
WATCHERS = ("__torch_function__", "__torch_dispatch__")  # the hooks a tensor-like defines
TORCH_NAMES = ("torch", "F", "nn")  # how a kata names torch and its modules
CHANGING_TORCH = (
    "changing torch is refused in a kata: the dojo grades with torch as it is (write the "
    "gradient by hand)"
)
BY_NAME = ("getattr", "setattr", "delattr", "hasattr")


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
        elif isinstance(node, ast.Attribute) and node.attr == "requires_grad":
            if isinstance(node.ctx, ast.Store):
                return (
                    f"{where}: setting `.requires_grad` is refused: "
                    f"{REFUSED_ATTRIBUTES['backward']}"
                )
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in WATCHERS:
            return f"{where}: defining `{node.name}` is refused: {WATCHING}"
        elif refused := _by_name(node):
            return f"{where}: {refused}"
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            if any(_into_torch(t) for t in targets):
                return f"{where}: {CHANGING_TORCH}"
    return None


def _into_torch(target: ast.AST) -> bool:
    """Whether an assignment's target is an attribute of torch (`torch.Tensor.abs = ...`)."""
    if isinstance(target, ast.Tuple | ast.List):
        return any(_into_torch(t) for t in target.elts)
    if not isinstance(target, ast.Attribute):
        return False
    root = target.value
    while isinstance(root, ast.Attribute):
        root = root.value
    return isinstance(root, ast.Name) and root.id in TORCH_NAMES


def _by_name(node: ast.AST) -> str | None:
    """`getattr(x, name)` and its kin, with a name that is computed or refused."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return None
    if node.func.id not in BY_NAME or len(node.args) < 2:
        return None
    name = node.args[1]
    call = node.func.id
    if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
        return f"`{call}` with a computed name is refused in a kata: write the attribute itself"
    if name.value in REFUSED_ATTRIBUTES:
        return f"`{call}(..., {name.value!r})` is refused: {REFUSED_ATTRIBUTES[name.value]}"
    return None


def refusal_in_imports(source: str, folder, depth: int = 3) -> str | None:
    """The refusal of a module of the learner's own that the source imports: a `.py` file in
    the kata's folder or the folder above it (the workspace), read as text, never imported."""
    from pathlib import Path

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    folders = [Path(folder), Path(folder).parent]
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module.split(".")[0]]
        for name in names:
            for where in folders:
                for path in (where / f"{name}.py", where / name / "__init__.py"):
                    if not path.is_file():
                        continue
                    text = path.read_text("utf-8", errors="replace")
                    found = refusal(text, path.name)
                    if found is None and depth > 1:
                        found = refusal_in_imports(text, path.parent, depth - 1)
                    if found:
                        return f"{found} (in {path.name}, which the kata imports)"
    return None
