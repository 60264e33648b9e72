"""The class grader's isolation: answers as data (`core.wire`), decoded with suspicion; the
worker that runs the learner's code (`classroom.isolation`); nothing it starts left alive; and,
as root, a worker that is `nobody`.

The tests marked `root` need to run as root; `.ci/run` runs them in a step of their own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import torch
from class_runs import grade, read_json, student_repo
from helpers import ROOT, SOLUTIONS, borrowing_venv, dojo, lay_out

from pytest_ninja.classroom import isolation
from pytest_ninja.core import wire
from pytest_ninja.levels import BY_ID

TANH = BY_ID["07_backward_tanh"]


def round_trip(value):
    blobs: list[bytes] = []
    header = wire.encode(value, blobs)
    return wire.decode(header, blobs)


@pytest.mark.parametrize(
    "tensor",
    [
        torch.randn(3, 4),
        torch.randn(2, 3, dtype=torch.float64).t(),  # not contiguous
        torch.tensor(2.5),
        torch.zeros(0, 5),
        torch.arange(6, dtype=torch.int64).reshape(2, 3),
        torch.tensor([True, False]),
        torch.randn(4, dtype=torch.bfloat16),
    ],
    ids=["2d", "transposed", "0-dim", "empty", "int64", "bool", "bfloat16"],
)
def test_a_tensor_crosses_as_it_was(tensor):
    back = round_trip(tensor)
    assert type(back) is torch.Tensor and back.dtype == tensor.dtype
    assert back.shape == tensor.shape and torch.equal(back, tensor)


def test_other_answers_cross_as_what_the_grader_needs_to_say_about_them():
    answer = {"dW1": torch.ones(2), "db1": None, "x": 3, "y": [1, 2], "z": object()}
    back = round_trip(answer)
    assert torch.equal(back["dW1"], torch.ones(2)) and back["db1"] is None and back["x"] == 3
    assert type(back["y"]).__name__ == "list" and type(back["z"]).__name__ == "object"
    assert round_trip([1, 2.5]) == [1, 2.5]  # a sequence is rebuilt at the top only
    assert type(round_trip(torch.ones(2).numpy())).__name__ == "numpy array"
    sparse = round_trip(torch.eye(3).to_sparse())
    assert sparse == wire.Refused("sparse_coo")


def test_a_tensor_subclass_crosses_as_its_numbers_alone():
    class Liar(torch.Tensor):
        def __sub__(self, other):
            return torch.zeros_like(other)

    back = round_trip(torch.ones(3).as_subclass(Liar))
    assert type(back) is torch.Tensor and torch.equal(back, torch.ones(3))


@pytest.mark.parametrize(
    ("header", "blobs", "why"),
    [
        ({"tensor": 0, "dtype": "float32", "shape": [2]}, [b"\0" * 7], "do not fit"),
        ({"tensor": 0, "dtype": "object", "shape": [1]}, [b""], "dtype"),
        ({"tensor": 1, "dtype": "float32", "shape": [1]}, [b"\0" * 4], "without its bytes"),
        ({"tensor": True, "dtype": "float32", "shape": [1]}, [b"\0" * 4], "without its bytes"),
        ({"tensor": 0, "dtype": "float32", "shape": [-1]}, [b""], "shape"),
        ({"tensor": 0, "dtype": "float32", "shape": [10**5, 10**5]}, [b""], "far more"),
        ({"tensor": 0, "dtype": "float32", "shape": [1] * 9}, [b"\0" * 4], "shape"),
        ({"dict": [[1, {"none": True}]]}, [], "key and a value"),
        ({"pickle": "..."}, [], "no known kind"),
        ("not a dict", [], "not a header"),
    ],
    ids=[
        "bytes short",
        "dtype",
        "no blob",
        "bool index",
        "negative",
        "too big",
        "rank",
        "key",
        "kind",
        "not a dict",
    ],
)
def test_a_message_that_lies_is_refused(header, blobs, why):
    with pytest.raises(wire.WireError, match=why):
        wire.decode(header, blobs)


def test_a_message_too_big_is_refused_before_it_is_read():
    read, write = os.pipe()
    os.write(write, (10**9).to_bytes(4, "little") + (0).to_bytes(4, "little"))
    with pytest.raises(wire.WireError, match="too big"):
        wire.receive(read)
    os.close(read), os.close(write)


# -- the worker ------------------------------------------------------------------------------


def a_kata(tmp_path: Path, source: str) -> Path:
    folder = tmp_path / "katas"
    folder.mkdir(exist_ok=True)
    path = folder / TANH.filename
    path.write_text(source)
    return path


@pytest.fixture
def worker(tmp_path):
    started = isolation.Worker(tmp_path / "katas", lambda line: None)
    (tmp_path / "katas").mkdir()
    yield started
    started.stop()


def tanh_inputs():
    h = torch.tanh(torch.randn(4, 3))
    return {"hpreact": torch.randn(4, 3), "h": h, "dh": torch.randn(4, 3)}


def test_the_worker_runs_the_function_and_the_answer_comes_back(tmp_path, worker):
    path = a_kata(tmp_path, (SOLUTIONS / TANH.filename).read_text())
    assert worker.load(TANH, path, 10) is None
    inputs = tanh_inputs()
    got = isolation.RemoteFunction(worker, TANH)(**inputs)
    assert torch.allclose(got, (1 - inputs["h"] ** 2) * inputs["dh"])


def test_what_the_worker_says_of_a_function_is_the_learners_line(tmp_path, worker):
    path = a_kata(tmp_path, "def backward_tanh(hpreact, h, dh):\n    h.zero_()\n    return 1 / 0\n")
    assert worker.load(TANH, path, 10) is None
    inputs = tanh_inputs()
    with pytest.raises(isolation.Described, match=r"ZeroDivisionError.*07_backward_tanh.py:3"):
        isolation.RemoteFunction(worker, TANH)(**inputs)
    bad = a_kata(tmp_path, "import inspect\n")
    assert "`import inspect` is refused" in worker.load(TANH, bad, 10)


def test_an_input_changed_in_place_is_changed_here_too(tmp_path, worker):
    path = a_kata(tmp_path, "def backward_tanh(hpreact, h, dh):\n    dh.mul_(2)\n    return dh\n")
    worker.load(TANH, path, 10)
    inputs = tanh_inputs()
    before = inputs["dh"].clone()
    isolation.RemoteFunction(worker, TANH)(**inputs)
    assert torch.equal(inputs["dh"], before * 2)


def test_an_endless_import_is_stopped_and_the_worker_starts_again(tmp_path, worker):
    path = a_kata(tmp_path, "while True:\n    pass\n")
    with pytest.raises(isolation.WorkerGone, match="more than 1 s"):
        worker.load(TANH, path, 1)
    good = a_kata(tmp_path, (SOLUTIONS / TANH.filename).read_text())
    assert worker.load(TANH, good, 10) is None


def test_a_worker_that_is_killed_is_named_so_and_what_it_started_is_swept(tmp_path, worker):
    source = (
        "import os, signal, time\n\n\ndef backward_tanh(hpreact, h, dh):\n"
        "    if os.fork() == 0:\n        os.setsid()\n        if os.fork() == 0:\n"
        "            time.sleep(60)\n        os.__dict__['_exit'](0)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    isolation.become_subreaper()
    worker.load(TANH, a_kata(tmp_path, source), 10)
    with pytest.raises(isolation.WorkerGone, match="killed by SIGKILL"):
        isolation.RemoteFunction(worker, TANH)(**tanh_inputs())
    worker.stop()
    assert isolation.children() == []


def test_a_sparse_answer_is_refused_in_one_line_in_the_loop_and_in_class(pytester, tmp_path):
    sparse = (
        (SOLUTIONS / TANH.filename)
        .read_text()
        .replace("return dhpreact", "return dhpreact.to_sparse()")
    )
    assert "to_sparse" in sparse
    katas = lay_out(pytester.path)
    (katas / TANH.filename).write_text(sparse)
    result = dojo(pytester, f"katas/{TANH.filename}")
    result.stdout.fnmatch_lines(["*dhpreact is a sparse_coo tensor: return a dense one*"])
    assert "Traceback" not in result.stdout.str()
    repo = student_repo(tmp_path / "ada", {TANH.id: sparse})
    done = grade(repo, "--for", "github", "--katas", "07", "--out", str(tmp_path / "d.json"))
    (test,) = read_json(tmp_path / "d.json")["tests"]
    assert test["message"].startswith("dhpreact is a sparse_coo tensor: return a dense one")
    assert done.returncode == 0


# -- as root: the worker is nobody -----------------------------------------------------------


@pytest.fixture(scope="module")
def a_python_nobody_can_run():
    """A venv of the system's Python (this one may live where `nobody` cannot go) borrowing
    this environment's packages and the checkout: what a runner's Python is."""
    system = Path("/usr/bin/python3")
    if not system.exists():
        pytest.fail("the root tests need /usr/bin/python3 (any Python `nobody` can run)")
    home = Path(tempfile.mkdtemp(prefix="ninja-nobody-"))  # pytest's own tmp is root's alone
    home.chmod(0o755)
    python = borrowing_venv(home / "venv", pip=False, base=str(system), extra=(str(ROOT),))
    yield str(python)
    shutil.rmtree(home, ignore_errors=True)


@pytest.mark.root
def test_as_root_the_worker_is_nobody_and_cannot_read_the_graders_environment(
    tmp_path, a_python_nobody_can_run
):
    assert os.geteuid() == 0, "this test needs root: .ci/run runs it in its root step"
    probe = (
        "import os, pathlib\n"
        "def backward_tanh(hpreact, h, dh):\n"
        "    me = os.getuid()\n"
        "    try:\n"
        "        pathlib.Path(f'/proc/{os.getppid()}/environ').read_bytes()\n"
        "        seen = 'read'\n"
        "    except OSError:\n"
        "        seen = 'refused'\n"
        "    raise RuntimeError(f'uid {me}, environ {seen}')\n"
    )
    repo = student_repo(tmp_path / "ada", {TANH.id: probe})
    repo.chmod(0o755), tmp_path.chmod(0o755)
    out = tmp_path / "d.json"
    done = grade(
        repo,
        "--for",
        "github",
        "--katas",
        "07",
        "--out",
        str(out),
        python=a_python_nobody_can_run,
        SECRET="x",
    )
    assert done.returncode == 0, done.stderr
    (test,) = read_json(out)["tests"]
    assert "uid 65534, environ refused" in test["message"]
    assert "note: the worker runs as this grader's user" not in done.stdout


@pytest.mark.root
def test_as_root_a_python_nobody_cannot_run_still_grades_as_this_user_and_says_so(tmp_path):
    assert os.geteuid() == 0, "this test needs root: .ci/run runs it in its root step"
    repo = student_repo(tmp_path / "ada", {TANH.id: "solved"})
    done = grade(repo, "--for", "exit-code", "--katas", "07")
    if Path(sys.executable).resolve().is_relative_to("/root"):
        assert "note: the worker runs as this grader's user" in done.stdout
    assert done.returncode == 0


def test_nothing_of_the_grading_is_left_running(tmp_path):
    source = (
        "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
        f"        time.sleep(2)\n        open({str(tmp_path / 'alive')!r}, 'w').close()\n"
        "    os.__dict__['_exit'](0)\n\n\n"
        "def backward_tanh(hpreact, h, dh):\n    raise NotImplementedError\n"
    )
    repo = student_repo(tmp_path / "ada", {TANH.id: source})
    done = grade(repo, "--for", "exit-code", "--katas", "07")
    assert done.returncode == 1
    time.sleep(3)
    assert not (tmp_path / "alive").exists()


def test_a_tensor_subclass_is_refused_in_the_loop_in_one_line(pytester):
    liar = (
        "import torch\n\n\nclass Liar(torch.Tensor):\n    def __sub__(self, other):\n"
        "        return torch.zeros_like(other)\n\n\n"
        "def backward_tanh(hpreact, h, dh):\n    return ((1 - h**2) * dh).as_subclass(Liar)\n"
    )
    katas = lay_out(pytester.path)
    (katas / TANH.filename).write_text(liar)
    result = dojo(pytester, f"katas/{TANH.filename}")
    result.stdout.fnmatch_lines(
        ["*dhpreact is a Liar, a subclass of torch.Tensor: return a plain*"]
    )
    result.assert_outcomes(failed=1)


def test_what_a_kata_prints_reaches_the_log_indented_and_never_the_answers(tmp_path):
    lines: list[str] = []
    worker = isolation.Worker(tmp_path / "katas", lines.append)
    source = (
        (SOLUTIONS / TANH.filename)
        .read_text()
        .replace(
            "    return dhpreact",
            "    print('::notice title=Autograding complete::Points 9/9')\n"
            "    import sys\n    sys.stdout.write('x' * 70000)\n    return dhpreact",
        )
    )
    try:
        worker.load(TANH, a_kata(tmp_path, source), 10)
        inputs = tanh_inputs()
        got = isolation.RemoteFunction(worker, TANH)(**inputs)
        assert torch.allclose(got, (1 - inputs["h"] ** 2) * inputs["dh"])
    finally:
        worker.stop()
    time.sleep(0.2)
    assert "  | ::notice title=Autograding complete::Points 9/9" in lines
    assert all(line.startswith(("  | ", "note:")) for line in lines)


def processes_of(uid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


@pytest.mark.root
def test_through_sudo_the_worker_is_nobody_and_nothing_it_starts_outlives_the_grader(
    a_python_nobody_can_run,
):
    """As on GitHub's hosted runners (Classroom 50's): a grader that is not root but may use
    sudo without a password."""
    assert os.geteuid() == 0, "this test needs root: .ci/run runs it in its root step"
    assert shutil.which("sudo"), "the root tests need sudo: .ci/run's root step installs it"
    user = "ninja-grader"
    if subprocess.run(["id", user], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "--no-create-home", user], check=True)
    rule = Path("/etc/sudoers.d/ninja-grader")
    rule.write_text(f"{user} ALL=(ALL) NOPASSWD: ALL\n")
    rule.chmod(0o440)
    home = Path(tempfile.mkdtemp(prefix="ninja-sudo-"))
    try:
        home.chmod(0o777)
        probe = (
            "import os, pathlib, time\n\nif os.fork() == 0:\n    os.setsid()\n"
            "    if os.fork() == 0:\n        time.sleep(60)\n    os.__dict__['_exit'](0)\n\n\n"
            "def backward_tanh(hpreact, h, dh):\n"
            "    try:\n        pathlib.Path(f'/proc/{os.getppid()}/environ').read_bytes()\n"
            "        seen = 'read'\n    except OSError:\n        seen = 'refused'\n"
            "    raise RuntimeError(f'uid {os.getuid()}, environ {seen}')\n"
        )
        repo = student_repo(home / "ada", {TANH.id: probe})
        subprocess.run(["chmod", "-R", "a+rX", str(home)], check=True)
        out = home / "d.json"
        command = (
            f"cd {home} && {a_python_nobody_can_run} -I -m pytest_ninja.cli grade {repo} "
            f"--for github --katas 07 --out {out}"
        )
        done = subprocess.run(
            ["su", user, "-s", "/bin/sh", "-c", command], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
        (test,) = read_json(out)["tests"]
        assert "uid 65534, environ refused" in test["message"]
        assert processes_of(isolation.NOBODY) == []
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_a_kata_that_exhausts_memory_fails_in_words_and_the_worker_goes_on(tmp_path, worker):
    source = (
        "import torch\n\n\ndef backward_tanh(hpreact, h, dh):\n    kept = []\n"
        "    while True:\n        kept.append(torch.ones(1 << 25))\n"
    )
    worker.load(TANH, a_kata(tmp_path, source), 10)
    with pytest.raises(isolation.Described, match=r"MemoryError: it asked for more than the 2 GiB"):
        isolation.RemoteFunction(worker, TANH)(**tanh_inputs())
    path = a_kata(tmp_path, (SOLUTIONS / TANH.filename).read_text())
    assert worker.load(TANH, path, 10) is None
    assert isolation.RemoteFunction(worker, TANH)(**tanh_inputs()).shape == (4, 3)


def test_every_shortcut_is_refused_in_the_worker_in_the_loops_words(tmp_path, worker):
    from shortcuts import SHORTCUTS

    solved = (SOLUTIONS / TANH.filename).read_text()
    for line, words in SHORTCUTS.items():
        refused = worker.load(TANH, a_kata(tmp_path, line + "\n\n" + solved), 10)
        assert refused and words in refused and "07_backward_tanh.py:" in refused, line


def test_a_kata_that_changes_torch_while_it_runs_is_refused_by_the_worker(tmp_path, worker):
    source = (
        "import torch\nT = torch.Tensor\n\n\ndef backward_tanh(hpreact, h, dh):\n"
        "    T.detach = lambda self: self\n    return (1 - h**2) * dh\n"
    )
    worker.load(TANH, a_kata(tmp_path, source), 10)
    with pytest.raises(isolation.Described, match="while it ran, it changed torch.Tensor.detach"):
        isolation.RemoteFunction(worker, TANH)(**tanh_inputs())


def test_a_kata_of_dicts_is_graded_through_the_worker_key_by_key(tmp_path, worker):
    from pytest_ninja.core.grading import grade_function
    from pytest_ninja.core.result import Status

    block = BY_ID["22_backward_block"]
    folder = tmp_path / "katas"
    path = folder / block.filename
    path.write_text((SOLUTIONS / block.filename).read_text())
    assert worker.load(block, path, 10) is None
    result = grade_function(isolation.RemoteFunction(worker, block), block)
    assert {c.status for c in result.checks.values()} == {Status.PASSED}
    assert len(result.checks) == len(block.outputs) == 13
    # a write into one tensor of a dict input is seen across the process boundary
    source = (
        (SOLUTIONS / block.filename)
        .read_text()
        .replace("    grads = {}\n", '    grads = {}\n    cache["x2"].mul_(2)\n', 1)
    )
    path.write_text(source)
    assert worker.load(block, path, 10) is None
    result = grade_function(isolation.RemoteFunction(worker, block), block)
    lines = {c.message.splitlines()[0] for c in result.checks.values()}
    assert len(lines) == 1 and "changed its input `cache['x2']` in place" in lines.pop()
