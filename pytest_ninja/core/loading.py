"""Import a kata file by its path and find the learner's function in it.

Each file is imported as itself under a name of its own (never through `sys.path`), so
`katas/NN_name.py` and `solutions/NN_name.py` can be graded side by side,
and a file saved again is imported afresh. A notebook cell's source is run the same way
(`load_source`): refused, compiled and checked as a file is. Whatever goes wrong becomes a
`KataLoadError` with one line for the learner.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import inspect
import linecache
import re
import sys
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path

from pytest_ninja.core.level import Kata
from pytest_ninja.core.static import refusal, refusal_in_imports


class KataLoadError(Exception):
    """The kata file cannot be graded; the message is for the learner."""


def function_line(path: Path, name: str) -> int:
    """The 1-based line of `def name(` in a file, read as text (nothing imported), or 1."""
    try:
        text = Path(path).read_text("utf-8", errors="replace")
    except OSError:
        return 1
    found = re.search(rf"^def {re.escape(name)}\b", text, re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else 1


def function_source(path: Path, name: str) -> list[str]:
    """The lines of `def name(...)` and its body, read as text (nothing imported)."""
    try:
        text = Path(path).read_text("utf-8", errors="replace")
    except OSError:
        return []
    lines = text.splitlines()
    try:
        tree = ast.parse(text)
    except SyntaxError:
        tree = None
    if tree is not None:
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                return lines[start - 1 : node.end_lineno]
    start = function_line(path, name) - 1  # a file that does not parse: by its indentation
    body = lines[start : start + 1]
    for line in lines[start + 1 :]:
        if line.strip() and not line.startswith((" ", "\t")):
            break
        body.append(line)
    while body and not body[-1].strip():
        body.pop()
    return body


def learner_frame(exc: BaseException, path: Path) -> str:
    """`file:line: code` of the deepest frame in the learner's file, or ''."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == path]
    if isinstance(exc, SyntaxError) and exc.filename and Path(exc.filename) == path:
        text = (exc.text or "").strip()
        return f"{path.name}:{exc.lineno}: {text}"
    if not frames:
        return ""
    f = frames[-1]
    return f"{path.name}:{f.lineno}: {(f.line or '').strip()}"


def exception_line(exc: BaseException, path: Path) -> str:
    """`ZeroDivisionError: division by zero (NN_name.py:14: return 1/0)`."""
    where = learner_frame(exc, path)
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return f"{text} ({where})" if where else text


def import_file(path: Path):
    """Import a file as a fresh module named after its absolute path."""
    path = path.resolve()
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    name = f"pytest_ninja_kata_{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise KataLoadError(f"{path.name} cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules.pop(name, None)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise KataLoadError(
            f"{path.name} has a syntax error: {exc.msg} ({learner_frame(exc, path)})"
        ) from None
    except BaseException as exc:  # the learner's module may raise anything, even SystemExit
        if isinstance(exc, KeyboardInterrupt) and not learner_frame(exc, path):
            raise
        raise KataLoadError(f"{path.name} fails on import: {exception_line(exc, path)}") from None
    return module


def check_signature(func: Callable, kata: Kata) -> None:
    """The function's parameters must be exactly the kata's inputs, by name."""
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        raise KataLoadError(f"{kata.name} is not a plain function") from None
    offered = ", ".join(kata.inputs)
    for p in params.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise KataLoadError(
                f"{kata.name} takes *{p.name}: name its parameters, which are exactly {offered}"
            )
    extra = [p for p in params if p not in kata.inputs]
    if extra:
        raise KataLoadError(
            f"{kata.name} asks for `{extra[0]}`, which this kata does not offer: "
            f"its parameters are exactly {offered}"
        )
    missing = [p for p in kata.inputs if p not in params]
    if missing:
        raise KataLoadError(
            f"{kata.name} is missing the parameter `{missing[0]}`: its "
            f"parameters are exactly {offered}"
        )


def _restore_before(name: str) -> None:
    """Torch and the grader put back as they were before the learner's code loads; a change
    made earlier (a test module of the learner's own, at collection) is told as a warning."""
    from pytest_ninja.core import integrity  # torch: only once a kata is loaded

    changed = integrity.restored()
    if changed:
        warnings.warn(
            f"pytest-ninja: something loaded before {name} changed {changed}; the dojo put it "
            "back, and grades with torch and itself as they are",
            stacklevel=3,
        )


def load_function(path: Path, kata: Kata) -> Callable:
    """The learner's function for this kata, imported from its file and checked."""
    try:
        source = Path(path).read_text("utf-8", errors="replace")
    except OSError as exc:
        raise KataLoadError(f"{Path(path).name} cannot be read: {exc.strerror}") from None
    refused = refusal(source, Path(path).name) or refusal_in_imports(source, Path(path).parent)
    if refused:
        raise KataLoadError(refused)
    from pytest_ninja.core import integrity  # torch: only once a kata is loaded

    _restore_before(Path(path).name)
    try:
        module = import_file(path)
    finally:
        changed = integrity.restored()
    if changed:
        raise KataLoadError(
            f"{Path(path).name} was refused: when it was imported, "
            + integrity.changed_words(changed)
        )
    func = getattr(module, kata.name, None)
    if func is None:
        found = [
            n
            for n, v in vars(module).items()
            if inspect.isfunction(v) and getattr(v, "__module__", None) == module.__name__
        ]
        also = f" (it defines {', '.join(found)})" if found else ""
        raise KataLoadError(f"{path.name} has no function `{kata.name}`{also}")
    if not callable(func):
        raise KataLoadError(f"`{kata.name}` in {path.name} is not a function")
    check_signature(func, kata)
    return func


def load_source(source: str, kata: Kata, filename: str, namespace: dict) -> Callable:
    """The learner's function for this kata, defined by running `source` (a notebook cell)
    in `namespace` (the learner's): refused, compiled and checked as a kata file is.

    `filename` names the source in messages and tracebacks (`%%kata 07:3: ...`); its lines
    are kept in `linecache`, so tracebacks and `inspect.getsource` show them.
    """
    refused = refusal(source, filename)
    if refused:
        raise KataLoadError(refused)
    path = Path(filename)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        code = compile(source, filename, "exec")
    except SyntaxError as exc:
        raise KataLoadError(
            f"{filename} has a syntax error: {exc.msg} ({learner_frame(exc, path)})"
        ) from None
    from pytest_ninja.core import integrity  # torch: only once a kata is loaded

    before = dict(namespace)
    _restore_before(filename)
    try:
        exec(code, namespace)
    except BaseException as exc:  # the learner's cell may raise anything, even SystemExit
        if isinstance(exc, KeyboardInterrupt) and not learner_frame(exc, path):
            raise
        raise KataLoadError(f"{filename} fails when run: {exception_line(exc, path)}") from None
    finally:
        changed = integrity.restored()
    if changed:
        words = integrity.changed_words(changed)
        raise KataLoadError(f"{filename} was refused: when it ran, {words}")
    defined = [  # by this run of the source, not left over from an earlier one
        n
        for n, v in namespace.items()
        if inspect.isfunction(v) and before.get(n) is not v and v.__code__.co_filename == filename
    ]
    if kata.name not in defined:
        also = f" (it defines {', '.join(defined)})" if defined else ""
        raise KataLoadError(f"{filename} has no function `{kata.name}`{also}")
    func = namespace[kata.name]
    check_signature(func, kata)
    return func
