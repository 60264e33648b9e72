"""Whatever a kata does, the run goes on: each bad kata gets one clear line, the others are
graded as before, and the panel is still drawn."""

from __future__ import annotations

import textwrap

import pytest
from helpers import dojo, lay_out
from shortcuts import SHORTCUTS

BAD = {
    "endless_loop": (
        "07_backward_tanh.py",
        """
        def backward_tanh(hpreact, h, dh):
            while True:
                pass
        """,
        "backward_tanh ran for more than 0.5 s and was stopped: an endless loop?",
    ),
    "swallowing_loop": (
        "07_backward_tanh.py",
        """
        def backward_tanh(hpreact, h, dh):
            while True:
                try:
                    pass
                except Exception:
                    pass
        """,
        "ran for more than 0.5 s",
    ),
    "system_exit": (
        "07_backward_tanh.py",
        """
        import sys

        def backward_tanh(hpreact, h, dh):
            sys.exit(3)
        """,
        "backward_tanh raised SystemExit: 3 (07_backward_tanh.py:5: sys.exit(3))",
    ),
    "keyboard_interrupt": (
        "07_backward_tanh.py",
        """
        def backward_tanh(hpreact, h, dh):
            raise KeyboardInterrupt
        """,
        "backward_tanh raised KeyboardInterrupt",
    ),
    "in_place": (
        "07_backward_tanh.py",
        """
        def backward_tanh(hpreact, h, dh):
            dh *= 1 - h**2
            return dh
        """,
        "changed its input `dh` in place",
    ),
    "autograd": (
        "07_backward_tanh.py",
        """
        import torch

        def backward_tanh(hpreact, h, dh):
            out = torch.tanh(hpreact)
            out.backward(dh)
            return hpreact.grad
        """,
        "autograd is switched off in the dojo",
    ),
    "returns_a_list": (
        "07_backward_tanh.py",
        """
        def backward_tanh(hpreact, h, dh):
            return ((1 - h**2) * dh).tolist()
        """,
        "dhpreact must be a tensor of shape (32, 64), not a list",
    ),
    "returns_a_number": (
        "07_backward_tanh.py",
        """
        def backward_tanh(hpreact, h, dh):
            return 0.5
        """,
        "not a float",
    ),
    "returns_a_tuple": (
        "06_backward_linear2.py",
        """
        def backward_linear2(h, W2, b2, dlogits):
            return dlogits @ W2.T, h.T @ dlogits, dlogits.sum(0)
        """,
        "must return a dict keyed by dh, dW2, db2; it returned a tuple",
    ),
    "huge_allocation": (
        "07_backward_tanh.py",
        """
        import torch

        def backward_tanh(hpreact, h, dh):
            return torch.empty(10**15)
        """,
        "backward_tanh raised RuntimeError",
    ),
    "another_device": (
        "07_backward_tanh.py",
        """
        import torch

        def backward_tanh(hpreact, h, dh):
            return torch.empty(h.shape, device="meta")
        """,
        "dhpreact is on meta, the dojo grades on cpu: return it with .to('cpu')",
    ),
    "float16": (
        "07_backward_tanh.py",
        """
        def backward_tanh(hpreact, h, dh):
            return ((1 - h**2) * dh).half()
        """,
        "dhpreact is a float16 tensor: return float32 or float64 (too coarse",
    ),
    "integer": (
        "07_backward_tanh.py",
        """
        def backward_tanh(hpreact, h, dh):
            return dh.long()
        """,
        "dhpreact is an int64 tensor: return float32 or float64",
    ),
    "misspelled_key": (
        "06_backward_linear2.py",
        """
        def backward_linear2(h, W2, b2, dlogits):
            return {"dW_2": h.T @ dlogits}
        """,
        "unknown key `dW_2` (did you mean `dW2`?)",
    ),
    "import_time_error": (
        "07_backward_tanh.py",
        """
        import nonexistent_module_for_the_dojo
        """,
        "07_backward_tanh.py fails on import: ModuleNotFoundError",
    ),
    "renamed_function": (
        "07_backward_tanh.py",
        """
        def backward_tan(hpreact, h, dh):
            return dh
        """,
        "has no function `backward_tanh` (it defines backward_tan)",
    ),
    "prints_a_lot": (
        "07_backward_tanh.py",
        """
        def backward_tanh(hpreact, h, dh):
            for i in range(20000):
                print("debugging", i)
            return (1 - h**2) * dh
        """,
        None,
    ),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_bad_kata_gets_one_clear_line_and_the_rest_is_graded(pytester, case):
    filename, source, says = BAD[case]
    katas = lay_out(pytester.path, solved=("01_backward_loss",))
    (katas / filename).write_text(textwrap.dedent(source))
    limit = "0.5" if "loop" in case else "10"
    result = dojo(pytester, "katas", "--ninja-timeout", limit)
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 1  # 01 is still graded
    if says is None:
        assert outcomes["passed"] == 2
    else:
        result.stdout.fnmatch_lines([f"*{says}*"])
    result.stdout.fnmatch_lines(["*dojo: katas/*", "*/14 katas, */35 checks"])
    result.stdout.no_fnmatch_line("*INTERNALERROR*")
    result.stdout.no_fnmatch_line("*Traceback*")
    assert "debugging 19999" not in result.stdout.str()


def test_the_time_limit_can_be_set_in_the_ini_file(pytester):
    katas = lay_out(pytester.path)
    (katas / "07_backward_tanh.py").write_text(
        "def backward_tanh(hpreact, h, dh):\n    while True:\n        pass\n"
    )
    pytester.makeini("[pytest]\nninja_timeout = 0.3\n")
    result = dojo(pytester, "katas/07_backward_tanh.py")
    result.stdout.fnmatch_lines(["*ran for more than 0.3 s*"])


@pytest.mark.parametrize("value", ["abc", "-1", "nan"])
def test_a_bad_time_limit_in_the_ini_file_is_an_error_naming_where_it_came_from(pytester, value):
    lay_out(pytester.path)
    pytester.makeini(f"[pytest]\nninja_timeout = {value}\n")
    result = dojo(pytester, "katas")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*pytest-ninja: ninja_timeout in tox.ini is {value!r}*"])
    assert "Traceback" not in result.stderr.str()


def test_a_bad_time_limit_flag_is_an_error_naming_the_flag(pytester):
    lay_out(pytester.path)
    result = dojo(pytester, "katas", "--ninja-timeout", "-2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*pytest-ninja: --ninja-timeout is '-2.0'*"])


def test_a_kata_that_changes_its_inputs_does_not_corrupt_the_next_one(pytester):
    katas = lay_out(pytester.path, solved=("07_backward_tanh", "08_backward_bn_affine"))
    (katas / "06_backward_linear2.py").write_text(
        textwrap.dedent("""
        def backward_linear2(h, W2, b2, dlogits):
            h.zero_()
            W2.zero_()
            dlogits.zero_()
            return {"dh": h, "dW2": W2, "db2": b2}
        """)
    )
    result = dojo(pytester, "katas")
    assert result.parseoutcomes()["passed"] == 4
    result.stdout.fnmatch_lines(["*changed its input `h` in place*"])


@pytest.mark.parametrize("line", SHORTCUTS, ids=range(len(SHORTCUTS)))
def test_a_shortcut_is_refused_before_the_kata_runs(pytester, line):
    katas = lay_out(pytester.path, solved=("07_backward_tanh",))
    path = katas / "07_backward_tanh.py"
    path.write_text(line + "\n\n" + path.read_text())
    result = dojo(pytester, "katas/07_backward_tanh.py")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"*07_backward_tanh.py:*{SHORTCUTS[line]}*"])


def test_a_shortcut_in_a_module_of_the_learners_own_is_refused_too(pytester):
    katas = lay_out(pytester.path, solved=("07_backward_tanh",))
    (katas / "helper.py").write_text("import torch\n\nSLOPE = torch.ops.aten.tanh_backward\n")
    path = katas / "07_backward_tanh.py"
    path.write_text("import helper\n\n" + path.read_text())
    result = dojo(pytester, "katas/07_backward_tanh.py")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*helper.py:3: `.ops` is refused*(in helper.py, which the kata*"])


def test_the_kata_sees_no_reference_answer_in_its_inputs_or_its_frames(pytester):
    katas = lay_out(pytester.path)
    (katas / "07_backward_tanh.py").write_text(
        textwrap.dedent("""
        def backward_tanh(hpreact, h, dh):
            for t in (hpreact, h, dh):
                assert t.grad is None and not t.requires_grad and t.grad_fn is None
            return (1 - h**2) * dh
        """)
    )
    dojo(pytester, "katas/07_backward_tanh.py").assert_outcomes(passed=1)


def test_a_real_ctrl_c_from_the_user_still_stops_the_run(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    katas = lay_out(tmp_path, solved=("01_backward_loss",))
    (katas / "07_backward_tanh.py").write_text(
        "import time\n\ndef backward_tanh(hpreact, h, dh):\n    print('started', flush=True)\n"
        "    time.sleep(60)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "katas", "-s", "--ninja-timeout", "0"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    for line in proc.stdout:
        if "started" in line:
            break
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out = proc.communicate(timeout=60)[0]
    assert proc.returncode == pytest.ExitCode.INTERRUPTED, out
    assert "KeyboardInterrupt" in out


def test_pytest_timeouts_backstop_stops_a_kata_once_for_all_its_checks(pytester):
    import time

    katas = lay_out(pytester.path)
    (katas / "09_backward_bn_stats.py").write_text(
        "def backward_bn_stats(hprebn, bnmeani, bndiff, bndiff2, bnvar, bnvar_inv, n, dbnraw):\n"
        "    while True:\n        pass\n"
    )
    started = time.monotonic()
    result = dojo(
        pytester, "katas/09_backward_bn_stats.py", "--ninja-timeout", "0", "--timeout", "1"
    )
    assert time.monotonic() - started < 4  # one wait of 1 s, not one per check
    result.assert_outcomes(failed=6)
    result.stdout.fnmatch_lines(
        ["*backward_bn_stats was stopped by pytest-timeout's time limit (Timeout (>1.0s)*"]
    )
    result.stdout.no_fnmatch_line("*INTERNALERROR*")


# -- a kata that changes torch or the grader (issue 19): refused in words, nothing revealed --

ZEROS_09 = (
    "import torch\n\n\ndef backward_bn_stats(hprebn, bnmeani, bndiff, bndiff2, bnvar, "
    "bnvar_inv, n, dbnraw):\n    z = torch.zeros_like\n"
    "    return z(bnvar_inv), z(bnvar), z(bndiff2), z(bndiff), z(bnmeani), z(hprebn)\n"
)
CHANGES = {
    "torch patched at import": (
        "import torch\nT = torch.Tensor\nT.abs = lambda self: self * 0\nT.__sub__ = T.__mul__\n",
        "07_backward_tanh.py was refused: when it was imported, it changed torch.Tensor.abs",
    ),
    "the grader patched at import": (
        "import os\nloaded = os.sys.__dict__['modules']\n"
        "loaded['pytest_ninja.core.grading'].__dict__['compare'] = lambda *a, **k: None\n",
        "when it was imported, it changed pytest_ninja.core.grading.compare",
    ),
    "a function mode left on at import": (
        "import torch\nmodes = torch.__dict__['overrides'].__dict__\n"
        "class Watch(modes['TorchFunctionMode']):\n    pass\n\nWatch().__enter__()\n",
        "when it was imported, it changed torch's function modes (a TorchFunctionMode was left",
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_kata_that_changes_torch_is_refused_and_later_katas_are_judged_honestly(pytester, change):
    katas = lay_out(pytester.path, solved=("07_backward_tanh",))
    source, words = CHANGES[change]
    path = katas / "07_backward_tanh.py"
    path.write_text(source + path.read_text())
    (katas / "09_backward_bn_stats.py").write_text(ZEROS_09)
    result = dojo(pytester, "katas/07_backward_tanh.py", "katas/09_backward_bn_stats.py")
    result.assert_outcomes(failed=7)
    result.stdout.fnmatch_lines([f"*{words}*the dojo put it back*"])
    assert "solution revealed" not in result.stdout.str()
    assert not (pytester.path / "solutions").exists()


def test_a_kata_that_changes_torch_while_it_runs_is_refused(pytester):
    katas = lay_out(pytester.path, solved=("07_backward_tanh",))
    path = katas / "07_backward_tanh.py"
    path.write_text(
        "import torch\nT = torch.Tensor\n\n\ndef backward_tanh(hpreact, h, dh):\n"
        "    T.detach = lambda self: self\n    return (1 - h**2) * dh\n"
    )
    result = dojo(pytester, "katas/07_backward_tanh.py")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*backward_tanh was refused: while it ran, it changed torch.Tensor.detach*"]
    )
    assert "solution revealed" not in result.stdout.str()


def test_a_test_module_that_patches_the_grader_at_collection_claims_nothing(pytester):
    lay_out(pytester.path)
    (pytester.path / "katas" / "test_claim.py").write_text(
        "import pytest_ninja.core.grading as grading\n"
        "from pytest_ninja.core.result import Status\n\n"
        "grading._find = lambda out, answers: grading._Finding(out, Status.PASSED)\n\n\n"
        "def test_nothing(record_property):\n"
        "    record_property('kata', '07_backward_tanh')\n"
        "    record_property('ninja_status', 'pass')\n"
    )
    result = dojo(pytester, "katas/07_backward_tanh.py", "katas/test_claim.py")
    outcomes = result.parseoutcomes()
    assert (outcomes.get("passed"), outcomes.get("todo")) == (1, 1)  # the test, and the stub
    result.stdout.fnmatch_lines(
        ["*something loaded before 07_backward_tanh.py changed pytest_ninja.core.grading._find*"]
    )
    result.stdout.fnmatch_lines(["*07 backward_tanh*todo*0/1*"])
    assert "solution revealed" not in result.stdout.str()
