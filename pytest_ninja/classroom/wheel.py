"""The dojo as one wheel file, for the teacher's bundles to install from.

`dojo_wheel` repacks the package as it is installed right now (an editable checkout or a wheel
install alike): the package's own files, the katas' stubs under `pytest_ninja/dojo/katas/`,
and a dist-info made from the installed distribution's metadata, with its RECORD. The same
package makes the same wheel, byte for byte. It is a grading build: it holds no reference
solution (the learner's code runs beside it, and grading needs none: the references come from
autograd), and it goes into the teacher's bundles only.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import zipfile
from pathlib import Path

import pytest_ninja
from pytest_ninja.levels import KATAS, bundled

DISTRIBUTION = "pytest-ninja"
PACKAGE = "pytest_ninja"
TAG = "py3-none-any"
# as pyproject.toml declares them ([project.scripts], [project.entry-points.pytest11])
ENTRY_POINTS = """[console_scripts]
pytest-ninja = pytest_ninja.cli.main:main

[pytest11]
ninja = pytest_ninja.plugin
"""
JUNK = (".pyc", ".pyo", "~", ".swp", ".orig", ".rej")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed: the same package makes the same wheel, byte for byte


class BundleError(Exception):
    """The installed dojo cannot make a bundle; the message says why, in one line."""


def wheel_name(version: str) -> str:
    return f"{PACKAGE}-{version}-{TAG}.whl"


def installed() -> importlib.metadata.Distribution:
    try:
        return importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise BundleError(
            "pytest-ninja is not installed, so its wheel cannot be made: "
            "`pip install -e .` in the checkout, or `pip install pytest-ninja`"
        ) from None


def _is_junk(path: Path) -> bool:
    return (
        "__pycache__" in path.parts
        or any(part.startswith(".") for part in path.parts)
        or path.name.endswith(JUNK)
        or ".bak" in path.name
    )


def package_files() -> dict[str, Path]:
    """Every file of the wheel's package, by its name in the wheel: the package's own files
    (no `__pycache__`), then the stubs under `pytest_ninja/dojo/katas/`: no reference
    solution, which a learner's code graded beside the install could read."""
    root = Path(pytest_ninja.__file__).resolve().parent
    files = {}
    for path in sorted(root.rglob("*")):
        inside = path.relative_to(root)
        if path.is_file() and inside.parts[0] != "dojo" and not _is_junk(inside):
            files[f"{PACKAGE}/{inside.as_posix()}"] = path
    for kind in ("katas",):  # never the solutions: the learner's code runs beside this install
        try:
            folder = bundled(kind)
        except FileNotFoundError as exc:
            raise BundleError(str(exc)) from None
        have = {p.name: p for p in sorted(folder.glob("[0-9][0-9]_*.py"))}
        lacking = [k.filename for k in KATAS if k.filename not in have]
        if lacking:
            raise BundleError(f"the dojo's {kind} lack {', '.join(lacking)} (in {folder})")
        files.update({f"{PACKAGE}/dojo/{kind}/{name}": path for name, path in have.items()})
    return files


def metadata_text(dist: importlib.metadata.Distribution) -> str:
    meta = dist.metadata
    lines = ["Metadata-Version: 2.1", f"Name: {meta['Name']}", f"Version: {meta['Version']}"]
    for key in ("Summary", "License", "Requires-Python"):
        if meta.get(key):
            lines.append(f"{key}: {meta[key]}")
    lines += [f"Provides-Extra: {extra}" for extra in meta.get_all("Provides-Extra") or []]
    lines += [f"Requires-Dist: {req}" for req in dist.requires or []]
    return "\n".join(lines) + "\n"


def wheel_text() -> str:
    return (
        f"Wheel-Version: 1.0\nGenerator: pytest-ninja bundle\nRoot-Is-Purelib: true\nTag: {TAG}\n"
    )


def licenses(dist: importlib.metadata.Distribution) -> dict[str, bytes]:
    """The distribution's license files, by their name under the dist-info's `licenses/`."""
    found = {}
    for name in dist.metadata.get_all("License-File") or []:
        text = dist.read_text(f"licenses/{name}") or dist.read_text(name)
        if text:
            found[name] = text.encode("utf-8")
    return found


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, ZIP_TIME)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def dojo_wheel(into: Path) -> Path:
    """The dojo's grading wheel in `into`, repacked from the installed package: its files,
    the bundled katas (no solutions), and a dist-info from the installed distribution's
    metadata."""
    dist = installed()
    version = dist.version
    info = f"{PACKAGE}-{version}.dist-info"
    contents = {name: path.read_bytes() for name, path in package_files().items()}
    contents[f"{info}/METADATA"] = metadata_text(dist).encode("utf-8")
    contents[f"{info}/WHEEL"] = wheel_text().encode("utf-8")
    contents[f"{info}/entry_points.txt"] = ENTRY_POINTS.encode("utf-8")
    contents[f"{info}/top_level.txt"] = f"{PACKAGE}\n".encode()
    for name, data in licenses(dist).items():
        contents[f"{info}/licenses/{name}"] = data
    record = [record_line(name, data) for name, data in contents.items()]
    contents[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    into = Path(into)
    into.mkdir(parents=True, exist_ok=True)
    target = into / wheel_name(version)
    partial = target.with_name(target.name + ".part")
    with zipfile.ZipFile(partial, "w") as archive:
        for name, data in contents.items():
            _add(archive, name, data)
    partial.replace(target)
    return target
