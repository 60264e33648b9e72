"""What a learner sees when running `pytest katas/`, end to end through the plugin."""

from __future__ import annotations

import textwrap

import pytest
from helpers import SOLUTIONS, dojo, lay_out

from pytest_ninja.levels import FIRST, KATAS, LEVELS, total_checks

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")


def write_kata(pytester: pytest.Pytester, filename: str, source: str, folder: str = "katas"):
    path = pytester.path / folder / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


def test_every_solution_passes_both_phases(pytester: pytest.Pytester):
    for f in SOLUTIONS.glob("[0-9][0-9]_*.py"):
        (pytester.path / f.name).write_text(f.read_text())
    result = dojo(pytester)
    result.assert_outcomes(passed=total_checks())
    every = f"*{len(KATAS)}/{len(KATAS)} katas, {total_checks()}/{total_checks()} checks"
    headings = [
        f"*level {lv.number}: {lv.title} ({len(lv.katas)}/{len(lv.katas)} katas)" for lv in LEVELS
    ]
    result.stdout.fnmatch_lines([*headings, every, "*every kata passed*"])


def test_every_stub_reports_todo_and_the_run_fails(pytester: pytest.Pytester):
    lay_out(pytester.path)
    result = dojo(pytester, "katas")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert result.parseoutcomes() == {"todo": total_checks(FIRST)}
    result.stdout.fnmatch_lines(["*01 backward_loss * todo * 0/1", "*0/14 katas, 0/35 checks"])
    result.stdout.no_fnmatch_line("*level 1:*")  # one level: no heading
    result.stdout.no_fnmatch_line("*Traceback*")
    result.stdout.no_fnmatch_line("*NotImplementedError*")


def test_a_todo_check_says_todo_in_one_line(pytester: pytest.Pytester):
    lay_out(pytester.path)
    result = dojo(pytester, "katas", "-v")
    result.stdout.fnmatch_lines(
        [
            "katas/07_backward_tanh.py::dhpreact TODO*",
            "*next: katas/01_backward_loss.py:7",
            "*todo: implement backward_loss in 01_backward_loss.py",
        ]
    )


def test_replacing_one_stub_by_its_solution_turns_exactly_its_checks_green(pytester):
    lay_out(pytester.path, solved=("09_backward_bn_stats",))
    result = dojo(pytester, "katas", "-v")
    assert result.parseoutcomes() == {"passed": 6, "todo": total_checks(FIRST) - 6}
    result.stdout.fnmatch_lines(
        [
            "katas/09_backward_bn_stats.py::dbnvar PASSED*",
            "*09 backward_bn_stats * passed * 6/6",
            "*1/14 katas, 6/35 checks",
        ]
    )


def test_a_wrong_answer_fails_with_the_lecture_line_and_the_worst_entry(pytester):
    write_kata(
        pytester,
        "07_backward_tanh.py",
        """
        def backward_tanh(hpreact, h, dh):
            return (1 - hpreact**2) * dh
    """,
    )
    result = dojo(pytester, "katas")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "dhpreact | exact: False | approximate: False | maxdiff: *(tolerance *)",
            "worst entry [[]*, *[]]: expected *, got *",
            "failed in the lecture phase*",
        ]
    )
    result.stdout.no_fnmatch_line("*pytest_ninja*")
    result.stdout.no_fnmatch_line("*Traceback*")


def test_a_wrong_shape_fails_with_the_shape_and_a_keepdim_hint(pytester):
    source = (
        (SOLUTIONS / "08_backward_bn_affine.py")
        .read_text()
        .replace("dbnbias = dhpreact.sum(0, keepdim=True)", "dbnbias = dhpreact.sum(0)")
    )
    write_kata(pytester, "08_backward_bn_affine.py", source)
    result = dojo(pytester, "katas")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["dbnbias has shape (64,) but must have shape (1, 64): *keepdim=True*"]
    )


def test_a_parameter_the_kata_does_not_offer_is_refused_by_name(pytester):
    write_kata(
        pytester,
        "07_backward_tanh.py",
        """
        def backward_tanh(hpreact, h, dh, dhpreact):
            return dhpreact
    """,
    )
    result = dojo(pytester, "katas")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*backward_tanh asks for `dhpreact`, which this kata does not "
            "offer: its parameters are exactly hpreact, h, dh*"
        ]
    )


def test_a_missing_parameter_is_named(pytester):
    write_kata(
        pytester,
        "07_backward_tanh.py",
        """
        def backward_tanh(h, dh):
            return (1 - h**2) * dh
    """,
    )
    result = dojo(pytester, "katas")
    result.stdout.fnmatch_lines(["*backward_tanh is missing the parameter `hpreact`*"])


def test_a_near_zero_gradient_answered_with_zeros_is_caught_by_the_stress_phase(pytester):
    source = (
        (SOLUTIONS / "10_backward_linear1.py")
        .read_text()
        .replace("db1 = dhprebn.sum(0)", "db1 = b1 * 0")
    )
    write_kata(pytester, "10_backward_linear1.py", source)
    result = dojo(pytester, "katas")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["db1 | exact: False | approximate: False*", "failed in the stress phase*"]
    )


def test_a_broken_kata_file_errors_clearly_and_the_others_are_still_graded(pytester):
    lay_out(pytester.path, solved=("07_backward_tanh",))
    write_kata(
        pytester, "01_backward_loss.py", "def backward_loss(logprobs, Yb, n):\n    return (\n"
    )
    write_kata(pytester, "02_backward_log.py", "raise RuntimeError('boom')\n")
    write_kata(
        pytester,
        "04_backward_exp.py",
        "def backward_expo(norm_logits, counts, dcounts):\n    pass\n",
    )
    result = dojo(pytester, "katas")
    outcomes = result.parseoutcomes()
    assert outcomes["passed"] == 1 and outcomes["failed"] == 3
    result.stdout.fnmatch_lines_random(
        [
            "*01_backward_loss.py has a syntax error: * (01_backward_loss.py:2: *",
            "*02_backward_log.py fails on import: RuntimeError: boom (02_backward_log.py:1: *",
            "*04_backward_exp.py has no function `backward_exp` (it defines backward_expo)*",
        ]
    )
    result.stdout.no_fnmatch_line("*INTERNALERROR*")


def test_an_exception_in_the_kata_is_one_line_pointing_at_the_learners_line(pytester):
    write_kata(
        pytester,
        "07_backward_tanh.py",
        """
        def backward_tanh(hpreact, h, dh):
            x = 1 / 0
            return x
    """,
    )
    result = dojo(pytester, "katas")
    result.stdout.fnmatch_lines(
        [
            "*backward_tanh raised ZeroDivisionError: division by zero "
            "(07_backward_tanh.py:3: x = 1 / 0)*"
        ]
    )


def test_a_dict_can_be_filled_one_key_at_a_time(pytester):
    write_kata(
        pytester,
        "06_backward_linear2.py",
        """
        def backward_linear2(h, W2, b2, dlogits):
            return {"db2": dlogits.sum(0), "dW2": None}
    """,
    )
    result = dojo(pytester, "katas")
    assert result.parseoutcomes() == {"passed": 1, "todo": 2}
    result.stdout.fnmatch_lines(["*06 backward_linear2 * todo * 1/3"])


def test_a_misspelled_key_is_named_with_a_suggestion(pytester):
    write_kata(
        pytester,
        "06_backward_linear2.py",
        """
        def backward_linear2(h, W2, b2, dlogits):
            return {"dB2": dlogits.sum(0)}
    """,
    )
    result = dojo(pytester, "katas")
    result.stdout.fnmatch_lines(["*unknown key `dB2` (did you mean `db2`?)*"])


def test_check_ids_are_the_file_and_the_gradient(pytester):
    lay_out(pytester.path)
    result = dojo(pytester, "katas", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["katas/09_backward_bn_stats.py::dbnvar"])
    ids = [line for line in result.outlines if "::" in line]
    assert len(ids) == total_checks(FIRST)
    assert [i.split("::")[1] for i in ids[:1]] == ["dlogprobs"]


def test_kata_files_of_the_same_name_are_graded_side_by_side(pytester):
    lay_out(pytester.path, levels=(1, 2))
    lay_out(pytester.path, solved=tuple(k.id for k in KATAS), folder="solutions", levels=(1, 2))
    result = dojo(pytester, "katas", "solutions")
    assert result.parseoutcomes() == {"passed": total_checks(), "todo": total_checks()}


def test_a_kata_file_named_on_the_command_line_is_not_imported_by_pytests_collector(pytester):
    lay_out(pytester.path, solved=("07_backward_tanh",))
    path = pytester.path / "katas" / "07_backward_tanh.py"
    path.write_text(path.read_text() + "\n\ndef test_not_a_test():\n    assert False\n")
    result = dojo(pytester, str(path))
    result.assert_outcomes(passed=1)


def test_the_plugin_can_be_switched_off(pytester):
    lay_out(pytester.path)
    result = dojo(pytester, "katas", "-p", "no:ninja")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_a_non_kata_file_is_left_to_pytest(pytester):
    pytester.makepyfile(test_other="def test_ok():\n    assert True\n")
    write_kata(pytester, "99_backward_nothing.py", "x = 1\n")
    result = dojo(pytester)
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*dojo:*")
