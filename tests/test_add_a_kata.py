"""Adding a kata is one catalogue entry, a solution, hints and a row in the mistakes table.

The test does it as a maintainer would, in a copy of the repository: a kata numbered after the
last one of every level (`NEXT`) reverses a softmax, in level 1. It adds the four pieces, runs
the stub generator, grades `solutions/` and `katas/`, runs the tests that cover a kata's
pieces for the new one, builds the wheel and makes a learner's workspace from it. Nothing
else is touched: no count, no list, no stub by hand.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, borrowing_venv, build_wheel, run_python

from pytest_ninja.levels import KATAS, total_checks

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX venv layout")

NEXT = max(k.number for k in KATAS) + 1  # the new kata's number: after every level's katas
NEW = f"{NEXT:02d}_backward_softmax"

ENTRY = f"""\
    Kata(
        number={NEXT},
        name="backward_softmax",
        title="back through softmax in one step (exercise 2)",
        exercise=2,
        reverses=("probs = F.softmax(logits, 1)",),
        inputs=("logits", "probs", "dprobs"),
        outputs=("dlogits",),
        frontier=("probs",),
        backward=(Step("dlogits", ("dprobs",), "softmax"),),
    ),
"""
HINTS = f"""\
    "{NEW}": (
        "Every probability in a row depends on every logit of that row, through the sum.",
        "d probs_i / d logits_j is probs_i times (1 if i == j else 0, minus probs_j).",
        "Weigh dprobs by probs, then take away probs times that row's weighted sum.",
    ),
"""
EXAMPLE = f"""\
    "{NEW}": Example(
        given={{"logits": [[0, 0]], "dprobs": [[1, 0]]}},
        shows=(("probs", [[0.5, 0.5]], 1), ("dlogits", [[0.25, -0.25]], 2)),
    ),
"""
SOLUTION = f'''"""Kata {NEXT}, solved: back through softmax in one step."""


def backward_softmax(logits, probs, dprobs):
    # each row's Jacobian is diag(probs) - probs probs^T, applied to dprobs
    dlogits = probs * (dprobs - (probs * dprobs).sum(1, keepdim=True))  # (n, 27)
    return dlogits
'''
MISTAKE = f'''\
    wrong(
        "wrong_softmax_without_the_sum",
        "{NEW}",
        """
        def backward_softmax(logits, probs, dprobs):
            return probs * dprobs
        """,
        {{"dlogits": VALUES}},
    ),
'''


def insert_before(path: Path, anchor: str, text: str) -> None:
    source = path.read_text("utf-8")
    assert source.count(anchor) == 1, f"{anchor!r} in {path}"
    path.write_text(source.replace(anchor, text + anchor), "utf-8")


def copy_of_the_repository(where: Path) -> Path:
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    copy = where / "repo"
    for name in files:
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    return copy


def checked(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    copy = copy_of_the_repository(tmp_path_factory.mktemp("add"))
    level = copy / "pytest_ninja" / "levels" / "mlp"
    insert_before(level / "katas.py", ")\n\n# Every tensor", ENTRY)
    insert_before(level / "hints.py", "}\n\n# One worked example per kata", HINTS)
    insert_before(level / "hints.py", "}\n\n\nHINTS_OF_LEVEL", EXAMPLE)
    insert_before(copy / "tests" / "mistakes_table.py", ")\n\nRIGHT: tuple", MISTAKE)
    (copy / "solutions" / f"{NEW}.py").write_text(SOLUTION, "utf-8")
    out = checked(run_python(["-m", "pytest_ninja.cli", "stubs"], copy))
    assert "1 written" in out and f"katas/{NEW}.py" in out
    return copy


def test_the_stub_is_generated_from_the_entry(repo):
    stub = (repo / "katas" / f"{NEW}.py").read_text()
    assert "def backward_softmax(logits, probs, dprobs):" in stub
    assert "probs = F.softmax(logits, 1)" in stub and "raise NotImplementedError" in stub
    assert checked(run_python(["-m", "pytest_ninja.cli", "stubs", "--check"], repo))


def test_the_solution_passes_both_phases_and_the_stub_is_todo(repo):
    checks = total_checks() + 1
    out = checked(run_python(["-m", "pytest", "solutions", "-q", "-p", "no:cacheprovider"], repo))
    assert f"{checks} passed" in out and f"{len(KATAS) + 1}/{len(KATAS) + 1} katas" in out
    todo = run_python(["-m", "pytest", "katas", "-q", "-p", "no:cacheprovider"], repo)
    assert todo.returncode == 1 and f"{checks} todo" in todo.stdout
    assert f"{NEXT:02d} backward_softmax" in todo.stdout


def test_the_tests_of_a_katas_pieces_cover_the_new_one(repo):
    tests = ["tests/test_catalogue.py", "tests/test_hints.py", "tests/test_mistakes.py"]
    selected = ["-k", f"{NEW} or softmax_without_the_sum"]
    out = checked(
        run_python(["-m", "pytest", *tests, *selected, "-q", "-p", "no:cacheprovider"], repo)
    )
    assert "failed" not in out
    passed = int(out.strip().splitlines()[-1].split(" passed")[0].split()[-1])
    assert passed >= 8, out  # the stub, the solution, its hints and its mistakes row


def test_the_wheel_carries_it_and_init_makes_it(repo, tmp_path):
    wheel = build_wheel(repo, tmp_path / "dist")
    py = borrowing_venv(tmp_path / "venv")
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True)
    done = subprocess.run(
        [str(py), "-m", "pytest_ninja.cli", "init", "ws"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "ws" / "katas" / f"{NEW}.py").is_file()
