"""The teacher's template repository: the files `pytest-ninja init DIR --classroom` adds.

- `.github/workflows/classroom.yml`: GitHub Classroom's workflow (`Autograding Tests`, job
  `run-autograding-tests`), one pytest run with `--ninja-classroom`, a fallback step that hands
  the reporter a valid error document if grading dies, then the reporter;
- `.github/classroom/autograding.json`: the older generation, one entry per kata;
- `gradescope/setup.sh` and `gradescope/run_autograder`: Gradescope's autograder.

Where graders install the dojo from is `source`: a pip requirement (a repository URL and a
tag, or a wheel's URL). Nothing assumes a package index has the dojo.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from pytest_ninja import __version__
from pytest_ninja.classroom.scoring import (
    Scheme,
    classroom_document,
    error_scores,
    gradescope_document,
)
from pytest_ninja.core.level import Kata
from pytest_ninja.levels import KATAS

DEFAULT_SOURCE = f"pytest-ninja @ git+https://github.com/pytest-ninja/pytest-ninja@v{__version__}"
CPU_TORCH = "pip install torch --index-url https://download.pytorch.org/whl/cpu"
PYTHON = "3.11"


@dataclass(frozen=True)
class Assignment:
    """What the teacher chose: the katas, their points, and where the dojo comes from."""

    katas: tuple[Kata, ...]
    points: dict[str, float]
    source: str = DEFAULT_SOURCE
    timeout: float = 10.0

    @property
    def scheme(self) -> Scheme:
        return Scheme(self.katas, self.points)

    def flags(self) -> str:
        parts = [f"--ninja-timeout {self.timeout:g}"]
        if set(self.katas) != set(KATAS):
            parts.append("--ninja-kata " + ",".join(k.id[:2] for k in self.katas))
        points = ",".join(
            f"{k.id[:2]}={p:g}"
            for k, p in ((k, self.points.get(k.id, 1.0)) for k in self.katas)
            if p != 1.0
        )
        if points:
            parts.append(f"--ninja-points {points}")
        return " ".join(parts)


def _install(a: Assignment) -> str:
    return f"{CPU_TORCH}\n          pip install '{a.source}'"


def classroom_workflow(a: Assignment) -> str:
    crashed = error_scores(
        a.scheme, "grading did not finish (out of memory or time?): see the job's log"
    )
    fallback = base64.b64encode(
        json.dumps(classroom_document(crashed), separators=(",", ":")).encode()
    ).decode()
    return f"""# GitHub Classroom autograding for pytest-ninja katas (made by pytest-ninja init).
# One pytest run grades every kata with partial credit; the reporter sends the score.
name: Autograding Tests
on:
  push:
  repository_dispatch:
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    timeout-minutes: 20
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
      - name: Set up Python
        uses: actions/setup-python@v5
        with:
          python-version: "{PYTHON}"
      - name: Install CPU-only torch and the dojo
        run: |
          {_install(a)}
      - name: Grade the katas
        id: katas
        timeout-minutes: 10
        run: python -m pytest katas --ninja-classroom -p no:cacheprovider {a.flags()}
      - name: Hand the reporter an error document if grading died
        id: fallback
        if: always() && steps.katas.outputs.result == ''
        run: echo "result={fallback}" >> "$GITHUB_OUTPUT"
      - name: Autograding Reporter
        if: always()
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
          KATAS_RESULTS: "${{{{ steps.katas.outputs.result || steps.fallback.outputs.result }}}}"
        with:
          runners: katas
"""


def autograding_json(a: Assignment) -> str:
    setup = f"{CPU_TORCH} && pip install '{a.source}'"
    tests = []
    for i, kata in enumerate(a.katas):
        tests.append(
            {
                "name": kata.id,
                "setup": setup if i == 0 else "",
                "run": f"python -m pytest katas --ninja-kata {kata.id[:2]} -p no:cacheprovider "
                f"--ninja-timeout {a.timeout:g} --ninja-hidden-seed",
                "input": "",
                "output": "",
                "comparison": "included",
                "timeout": 10,
                "points": int(round(a.points.get(kata.id, 1.0))),
            }
        )
    return json.dumps({"tests": tests}, indent=2) + "\n"


def gradescope_setup(a: Assignment) -> str:
    return f"""#!/usr/bin/env bash
# Gradescope autograder setup for pytest-ninja (made by pytest-ninja init).
# Memory: `import torch` needs more than Gradescope's default 768 MB; give the autograder
# at least 2 GB in the assignment's settings.
set -euo pipefail
apt-get update -qq
apt-get install -y -qq python3 python3-pip python3-venv
python3 -m venv /autograder/venv
. /autograder/venv/bin/activate
{CPU_TORCH}
pip install '{a.source}'
"""


def gradescope_run(a: Assignment) -> str:
    crashed = gradescope_document(
        error_scores(a.scheme, "grading did not finish (out of memory or time?)")
    )
    return f"""#!/usr/bin/env bash
# Gradescope runs this for every submission (made by pytest-ninja init).
set -uo pipefail
results=/autograder/results/results.json
mkdir -p /autograder/results
cd /autograder/submission
target=katas
[ -d katas ] || target=.
/autograder/venv/bin/python -m pytest "$target" --ninja-gradescope="$results" \\
    -p no:cacheprovider {a.flags()}
if [ ! -s "$results" ]; then  # grading died: still hand Gradescope a valid document
  cat > "$results" <<'JSON'
{json.dumps(crashed, indent=1)}
JSON
fi
"""


def classroom_files(a: Assignment) -> dict[str, str]:
    return {
        ".github/workflows/classroom.yml": classroom_workflow(a),
        ".github/classroom/autograding.json": autograding_json(a),
        "gradescope/setup.sh": gradescope_setup(a),
        "gradescope/run_autograder": gradescope_run(a),
    }
