"""The notebook's set-up cell as a learner on a fresh runtime meets it: a Python without the
dojo, the wheel `pip wheel --no-deps .` builds uploaded next to the notebook, the notebook run
from its first cell in a kernel of that Python.

The fresh environment borrows this one's packages (torch, ipykernel, pip, ...) through a .pth
file, as tests/test_wheel.py's does, so the install needs no network: only the dojo is
missing, and the set-up cell installs it from the wheel.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import nbformat
import pytest
from helpers import ROOT, SOLUTIONS, borrowing_venv, build_wheel
from nbclient import NotebookClient

from pytest_ninja.core.loading import function_source
from pytest_ninja.loop.notebook import build as nb_build

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX venv layout")
KERNEL = "ninja-fresh-runtime"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A folder with the wheel, and a kernel named KERNEL whose Python has no dojo."""
    where = tmp_path_factory.mktemp("fresh")
    build_wheel(ROOT, where / "dist")
    python = borrowing_venv(where / "venv", pip=False)
    spec = where / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": KERNEL, "language": "python"})
    )
    return where, python


def test_the_setup_cell_installs_the_uploaded_wheel_where_the_dojo_is_missing(fresh, monkeypatch):
    where, python = fresh
    missing = subprocess.run(
        [str(python), "-c", "import pytest_ninja"], cwd=where, capture_output=True, text=True
    )
    assert missing.returncode != 0  # the fresh runtime has no dojo
    monkeypatch.setenv("JUPYTER_PATH", str(where / "jupyter"))
    learner = where / "learner"
    learner.mkdir()
    nb_build.write_notebook(learner / "dojo.ipynb")
    nb = nbformat.read(learner / "dojo.ipynb", as_version=4)
    setup = nb.cells[1]
    wheel = next((where / "dist").glob("*.whl"))
    upload = nbformat.v4.new_code_cell(f"import shutil; shutil.copy({str(wheel)!r}, '.')")
    answer = "\n".join(function_source(SOLUTIONS / "07_backward_tanh.py", "backward_tanh"))
    tanh = nbformat.v4.new_code_cell(f"%%kata 07\n{answer}\n")
    where_from = nbformat.v4.new_code_cell("import pytest_ninja; print(pytest_ninja.__file__)")
    # first without the wheel uploaded, then with it, as a learner who forgot would
    nb.cells = [nb.cells[0], setup, upload, nbformat.from_dict(setup), tanh, where_from]
    NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=300,
        allow_errors=True,
        resources={"metadata": {"path": str(learner)}},
    ).execute()
    forgot = nb.cells[1].outputs[-1]
    assert forgot.output_type == "error" and forgot.ename == "FileNotFoundError"
    assert forgot.evalue == f"upload {nb_build.WHEEL} next to this notebook first (see above)"
    installed = nb.cells[3].outputs
    assert not [o for o in installed if o.output_type == "error"], installed
    assert any("the dojo is loaded" in o.get("text", "") for o in installed)
    assert "07 backward_tanh: passed" in nb.cells[4].outputs[0].data["text/plain"]
    assert str(where / "venv") in nb.cells[5].outputs[0].text
    shutil.rmtree(where / "venv")  # a few hundred files: not kept for the rest of the run
