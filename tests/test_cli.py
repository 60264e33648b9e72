"""`pytest-ninja train` end to end: what a learner sees, for a good, a stubbed and a broken
backward_mlp, with --compare, Ctrl-C and no network. Short runs on small word lists."""

from __future__ import annotations

import hashlib
import io
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import torch
from helpers import SOLUTIONS, lay_out, run_cli, write_kata

from pytest_ninja.cli import main as cli
from pytest_ninja.cli import train as train_command
from pytest_ninja.levels import names

SHORT = ["--steps", "300", "--no-plot"]


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def test_help_is_instant_and_imports_no_torch(tmp_path):
    code = (
        "import sys, io, contextlib; from pytest_ninja.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out: code = main(['train', '--help'])\n"
        "print(code, 'torch' in sys.modules, '--compare' in out.getvalue())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.stdout.split() == ["0", "False", "True"], done.stderr


def test_every_command_is_listed_and_no_command_shows_the_help(capsys):
    assert cli.main([]) == 2
    captured = capsys.readouterr()
    listed = captured.err
    assert captured.out == "" and listed.startswith("pytest-ninja: name a command (init, ")
    for name in ("init", "hint", "status", "reset", "watch", "train"):
        assert re.search(rf"^\s+{name}\s", listed, re.M), name


def test_the_reference_trains_and_reports_beside_the_lecture(tmp_path, words):
    done = run_cli(["train", "--reference", "--names", str(words), *SHORT], tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "training with the dojo's reference backward_mlp" in out
    assert "  300 steps of 32, n_hidden 200 (12,297 parameters)" in out
    assert re.search(r"step +300/300 +loss \d\.\d{4} +[\d,]+ steps/s", out)
    assert re.search(r"train +\d\.\d{4} +2\.07 +[+-]\d\.\d{4}", out)
    assert re.search(r"val +\d\.\d{4} +2\.11 ", out)
    assert "the lecture's are after 200,000 steps" in out
    sampled = out.split("names sampled from the model (seed 2147483657):\n")[1]
    assert len(re.findall(r"[a-z()]+", sampled)) == 20
    assert done.stderr == ""


def test_a_learners_passing_backward_trains_from_their_katas(here, words, capsys):
    lay_out(here, solved=("14_backward_mlp",))
    assert cli.main(["train", "--names", str(words), *SHORT]) == 0
    out = capsys.readouterr().out
    assert "training with your backward_mlp (katas/14_backward_mlp.py)" in out
    assert "20 names sampled" in out


def test_another_workspace_is_found_with_dir(here, words, capsys):
    lay_out(here / "mine", solved=("14_backward_mlp",))
    assert cli.main(["train", "--dir", "mine", "--names", str(words), *SHORT]) == 0
    assert "your backward_mlp (mine/katas/14_backward_mlp.py)" in capsys.readouterr().out


def test_katas_is_a_list_of_kata_ids_elsewhere_and_no_option_of_train(here, capsys):
    assert cli.main(["train", "--katas", "mine"]) == 2
    captured = capsys.readouterr()
    first = captured.err.splitlines()[0]
    assert first == "pytest-ninja train: unrecognized arguments: --katas mine"
    assert captured.out == ""


def test_a_stub_says_so_in_one_line_before_any_data_is_read(here, capsys):
    lay_out(here)  # every kata still a stub
    assert cli.main(["train", "--names", "missing.txt"]) == 1
    captured = capsys.readouterr()
    line = one_line(captured.err)
    assert "backward_mlp in katas/14_backward_mlp.py is still a stub" in line
    assert "`pytest katas/14_backward_mlp.py`" in line
    assert captured.out == ""


def test_a_kata_that_fails_to_import_says_so_in_one_line(here, words, capsys):
    write_kata(here, "def backward_mlp(Xb, Yb\n")
    assert cli.main(["train", "--names", str(words)]) == 1
    line = one_line(capsys.readouterr().err)
    assert "14_backward_mlp.py has a syntax error" in line
    assert "`pytest katas/14_backward_mlp.py`" in line


def test_a_kata_that_fails_while_training_names_its_line(here, words, capsys):
    source = (SOLUTIONS / "14_backward_mlp.py").read_text()
    source = source.replace(
        "    dlogits /= n\n",
        "    dlogits /= n\n    CALLS.append(1)\n    if len(CALLS) > 5:\n        1 / 0\n",
    )
    write_kata(here, "CALLS = []\n" + source)
    assert cli.main(["train", "--names", str(words), *SHORT]) == 1
    line = one_line(capsys.readouterr().err)
    # grading before training imports its own copy of the module: CALLS counts training only
    assert "your backward_mlp (katas/14_backward_mlp.py) failed at step 5" in line
    assert "ZeroDivisionError" in line and "14_backward_mlp.py:" in line and "1 / 0" in line


def test_an_answer_of_the_wrong_shape_is_refused_by_the_kata_or_named_in_training(
    here, words, capsys
):
    source = (SOLUTIONS / "14_backward_mlp.py").read_text()
    write_kata(here, source.replace('"db1": db1,', '"db1": db1.view(1, -1),'))
    assert cli.main(["train", "--names", str(words)]) == 1
    err = capsys.readouterr().err
    assert "fails 1 of 7 checks of kata 14: db1" in err.splitlines()[0]
    assert "db1 has shape (1, 64) but must have shape (64,)" in err and "Traceback" not in err
    assert cli.main(["train", "--names", str(words), "--force"]) == 1
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "db1 has shape (1, 200), but b1 is (200,)" in line


def test_no_workspace_is_a_usage_error_pointing_at_the_options(here, capsys):
    assert cli.main(["train"]) == 2
    captured = capsys.readouterr()
    first, *rest = captured.err.splitlines()
    assert first == f"pytest-ninja train: no katas/ folder in {here.resolve()}"
    assert "pytest-ninja init DIR" in rest[0] and "--dir" in rest[0]
    assert "pytest-ninja train --reference" in rest[1]
    assert captured.out == "" and "Traceback" not in captured.err


def test_a_workspace_without_kata_14_says_how_to_put_it_back(here, capsys):
    (here / "ws" / "katas").mkdir(parents=True)
    assert cli.main(["train", "--dir", "ws"]) == 1
    line = one_line(capsys.readouterr().err)
    assert "there is no ws/katas/14_backward_mlp.py" in line
    assert "`pytest-ninja reset 14 --dir ws`" in line and "--reference" in line


def test_too_few_names_to_split_is_one_clear_line(here, capsys):
    (here / "two.txt").write_text("anna\nbob\n")
    assert cli.main(["train", "--reference", "--names", "two.txt"]) == 1
    assert "two.txt has too few names (2) to split" in one_line(capsys.readouterr().err)


def test_reference_and_dir_together_are_a_usage_error(here, capsys):
    assert cli.main(["train", "--reference", "--dir", "k"]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith("pytest-ninja train: --reference trains with the dojo's solution")
    assert "--dir with yours: choose one" in line


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available here")
def test_cuda_without_cuda_is_a_clear_message(here, capsys):
    assert cli.main(["train", "--reference", "--device", "cuda"]) == 1
    line = one_line(capsys.readouterr().err)
    assert "--device cuda: CUDA is not available here" in line


def test_offline_with_no_names_says_how_to_get_them(here, capsys, monkeypatch):
    import socket

    with socket.socket() as sock:  # a port on 127.0.0.1 nobody listens at: offline, no network
        sock.bind(("127.0.0.1", 0))
        monkeypatch.setattr(names, "NAMES_URL", f"http://127.0.0.1:{sock.getsockname()[1]}/x")
    assert cli.main(["train", "--reference", *SHORT]) == 1
    captured = capsys.readouterr()
    line = one_line(captured.err)
    assert "names.txt is not here and could not be downloaded" in line
    assert "--names PATH" in line and "NINJA_NAMES" in line
    assert "names.txt: downloading" in captured.out


def test_names_come_from_the_environment_variable(here, words, capsys, monkeypatch):
    monkeypatch.setenv(names.ENV_VAR, str(words))
    assert cli.main(["train", "--reference", *SHORT]) == 0
    assert "(NINJA_NAMES)" in capsys.readouterr().out


def test_names_are_downloaded_once_then_cached(here, words, capsys, monkeypatch):
    import http.server
    import threading

    body = words.read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        monkeypatch.setattr(names, "NAMES_URL", f"http://127.0.0.1:{httpd.server_address[1]}/n")
        monkeypatch.setattr(names, "NAMES_SHA256", hashlib.sha256(body).hexdigest())
        assert cli.main(["train", "--reference", *SHORT]) == 0
        assert "names.txt: downloading" in capsys.readouterr().out
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert cli.main(["train", "--reference", *SHORT]) == 0  # the server is gone: the cache serves
    assert "(cache)" in capsys.readouterr().out


def test_compare_shows_both_curves_the_divergence_and_both_speeds(here, words, capsys):
    assert cli.main(["train", "--reference", "--compare", "--names", str(words), *SHORT]) == 0
    out = capsys.readouterr().out
    assert "side by side with autograd (same init, same batches" in out
    rows = re.findall(r"^  ([\d,]+-[\d,]+) +(\d\.\d{4}) +(\d\.\d{4})$", out, re.M)
    assert len(rows) == 10 and rows[0][0] == "1-30" and rows[-1][0] == "271-300"
    assert all(abs(float(a) - float(b)) < 1e-3 for _, a, b in rows)
    worst = re.search(r"largest divergence of the parameters: (\w+) by (\S+) ", out)
    assert worst and float(worst.group(2)) < 1e-4
    speeds = r"speed of a step: reference [\d,]+ steps/s, autograd [\d,]+ steps/s"
    assert re.search(speeds + r" \(reference \d+\.\d\dx as fast\)", out)
    assert "autograd's run after calibration: train" in out


def test_the_loss_curve_is_saved_when_matplotlib_is_installed(here, words, capsys):
    pytest.importorskip("matplotlib")
    png = here / "out" / "loss.png"
    assert (
        cli.main(
            [
                "train",
                "--reference",
                "--compare",
                "--names",
                str(words),
                "--steps",
                "300",
                "--plot",
                str(png),
            ]
        )
        == 0
    )
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "loss curve: out/loss.png" in capsys.readouterr().out


def test_without_matplotlib_the_curve_is_skipped_with_a_word_on_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    line = train_command.plot_losses(tmp_path / "x.png", {"yours": [3.0, 2.0]}, lecture_run=False)
    assert "matplotlib is not installed" in line and "pytest-ninja[plot]" in line
    assert not (tmp_path / "x.png").exists()


def test_ctrl_c_stops_cleanly_and_still_reports(tmp_path, words):
    lay_out(tmp_path, solved=("14_backward_mlp",))
    cmd = "import sys; from pytest_ninja.cli.main import main; sys.exit(main(sys.argv[1:]))"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    proc = subprocess.Popen(
        [sys.executable, "-c", cmd, "train", "--names", str(words), "--no-plot"],
        cwd=tmp_path,
        env={**environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for line in proc.stdout:  # the last line before the loop starts
            if line.startswith("  names: "):
                break
        time.sleep(1.5)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == cli.INTERRUPTED, err
    stopped = re.search(r"stopped by Ctrl-C after ([\d,]+) of 200,000 steps", out)
    assert stopped and int(stopped.group(1).replace(",", "")) > 0
    assert re.search(r"train +\d\.\d{4} +2\.07", out) and "20 names sampled" in out
    assert "Traceback" not in err


def test_the_progress_bar_redraws_one_line_at_a_terminal():
    stream = io.StringIO()
    bar = train_command.ProgressBar(stream, tty=True, interval=0.0)
    for step in range(100, 1001, 100):
        bar(step, 1000, 2.5, step / 1000)
    bar.close()
    text = stream.getvalue()
    assert text.count("\r") == 10 and text.count("\n") == 1 and text.endswith("\n")
    assert "step   1,000/1,000 [####################] loss 2.5000  1,000 steps/s" in text


def test_the_progress_bar_prints_a_few_plain_lines_elsewhere():
    stream = io.StringIO()
    bar = train_command.ProgressBar(stream, tty=False)
    for step in range(100, 200_001, 100):
        bar(step, 200_000, 2.1, step / 2500)
    bar(200_000, 200_000, 2.1, 80.0)  # the final call repeats the last step
    bar.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10 and "\r" not in stream.getvalue()
    assert lines[0] == "step  20,000/200,000  loss 2.1000  2,500 steps/s  ~1m12s left"


def test_a_reader_that_closes_the_pipe_early_gets_no_traceback(tmp_path):
    """`pytest-ninja hint 22 --level 3 | head -1`: what the reader no longer wants is dropped
    quietly (here the reader is gone before the first line)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    command = [sys.executable, "-m", "pytest_ninja.cli", "hint", "22", "--level", "3"]
    try:
        done = subprocess.run(
            command, stdout=write_end, stderr=subprocess.PIPE, cwd=tmp_path, timeout=60
        )
    finally:
        os.close(write_end)
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
