"""Where each grading system wants a grade, and what it needs around it.

A `Platform` says what its environment must hold, where its document goes unless the teacher
says otherwise, how a grading's scores become the files it reads (`Output`s: written whole,
or appended to, as GitHub's files are), and the exit code it expects. Plain data: the grading
command writes the outputs, or prints them in a dry run.

- `classroom50`: `./result.json` and `./release-body.md` for Classroom 50's runner; exit 0.
- `github` (legacy): GitHub Classroom's reporter document, base64, to `$GITHUB_OUTPUT`; a job
  summary; exit 0 so that the reporter runs.
- `gradescope`: `/autograder/results/results.json`; exit 0.
- `junit`: a JUnit XML file for any CI; exit 1 unless every kata passes.
- `exit-code`: nothing written; exit 0 exactly when every kata passes (one
  `autograding.json` entry per kata).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pytest_ninja.classroom import classroom50, contract
from pytest_ninja.classroom.documents import (
    classroom_output,
    github_document,
    gradescope_document,
    junit_document,
    markdown_table,
)
from pytest_ninja.classroom.scoring import Graded, Scheme, Score, error_scores


@dataclass(frozen=True)
class Output:
    """One file to write: its path (or the variable naming it), its text, append or not."""

    path: Path
    text: str
    append: bool = False
    shown_as: str = ""  # how a person names it: `$GITHUB_OUTPUT`, or the path
    replaces: str = ""  # in GitHub's `key=value` file appended to: an entry this one replaces

    @property
    def name(self) -> str:
        return self.shown_as or str(self.path)


def all_passed(scores: list[Score]) -> int:
    return 0 if all(s.score == s.points and s.word == "pass" for s in scores) else 1


@dataclass(frozen=True)
class Platform:
    name: str
    help: str
    default_out: str | None  # where the document goes unless --out says otherwise
    render: Callable[[Graded, Mapping[str, str], Path | None], list[Output]]
    needs: Callable[[Mapping[str, str], Path | None], list[str]] = lambda env, out: []
    exit_code: Callable[[list[Score]], int] = lambda scores: 0
    dry_env: Mapping[str, str] = None  # stand-ins for the variables a dry run lacks

    def out_path(self, out: str | None) -> Path | None:
        chosen = out or self.default_out
        return Path(chosen) if chosen else None


def _json(document: dict) -> str:
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


# -- Classroom 50 --------------------------------------------------------------------------


def _classroom50(graded, env, out) -> list[Output]:
    scores = graded.scores
    document = classroom50.result_document(scores, env)
    wrong = contract.problems(document, env)
    if wrong:  # never hand the runner a file it refuses: that costs the student the push
        why = "the grader made a document Classroom 50 would refuse: " + wrong[0]
        scores = error_scores(Scheme(tuple(s.kata for s in scores), _points(scores)), why)
        document = classroom50.result_document(scores, env)
    body = classroom50.release_body(scores, graded.note)
    return [Output(out, _json(document)), Output(out.with_name("release-body.md"), body)]


def _points(scores: list[Score]) -> dict[str, int]:
    return {s.kata.id: s.points for s in scores}


def _classroom50_needs(env, out) -> list[str]:
    missing = classroom50.missing_env(env)
    if not missing:
        return []
    return [
        f"not inside Classroom 50's runner: {', '.join(missing)} "
        f"{'is' if len(missing) == 1 else 'are'} not set",
        "  nothing was written. To try it on your own machine, add --dry-run.",
    ]


# -- GitHub Classroom (legacy) and GitHub Actions ------------------------------------------


def _github(graded, env, out) -> list[Output]:
    document = github_document(graded.scores, graded.rerun)
    outputs = []
    if out is not None:
        outputs.append(Output(out, _json(document)))
    if env.get("GITHUB_OUTPUT"):
        line = classroom_output(document) + "\n"
        path = Path(env["GITHUB_OUTPUT"])
        outputs.append(Output(path, line, True, "$GITHUB_OUTPUT", replaces="result"))
    if not outputs:  # only in a dry run (`needs` refuses the rest): the document, to be seen
        outputs.append(Output(Path("result.json"), _json(document), shown_as="the document"))
    if env.get("GITHUB_STEP_SUMMARY"):
        table = markdown_table(graded.scores, graded.note) + "\n"
        summary = Path(env["GITHUB_STEP_SUMMARY"])
        outputs.append(Output(summary, table, True, "$GITHUB_STEP_SUMMARY"))
    return outputs


def _github_needs(env, out) -> list[str]:
    if env.get("GITHUB_OUTPUT") or out is not None:
        return []
    return [
        "not inside GitHub Actions: $GITHUB_OUTPUT is not set",
        "  give --out FILE to write the reporter's document there, or add --dry-run.",
    ]


# -- Gradescope, JUnit, an exit code -------------------------------------------------------


def _gradescope(graded, env, out) -> list[Output]:
    return [Output(out, _json(gradescope_document(graded.scores, graded.note)))]


def _gradescope_needs(env, out) -> list[str]:
    if out.parent.is_dir():
        return []
    return [
        f"{out.parent} does not exist: this is not Gradescope's autograder",
        "  give --out PATH for the results file, or add --dry-run.",
    ]


def _junit(graded, env, out) -> list[Output]:
    return [Output(out, junit_document(graded.scores, graded.note))]


PLATFORMS: dict[str, Platform] = {
    p.name: p
    for p in (
        Platform(
            "classroom50",
            "Classroom 50's result.json and release-body.md (exit 0)",
            "result.json",
            _classroom50,
            _classroom50_needs,
            dry_env=classroom50.DRY_RUN_ENV,
        ),
        Platform(
            "github",
            "GitHub Classroom's reporter document to $GITHUB_OUTPUT (legacy; exit 0)",
            None,
            _github,
            _github_needs,
        ),
        Platform(
            "gradescope",
            "Gradescope's results.json (exit 0)",
            "/autograder/results/results.json",
            _gradescope,
            _gradescope_needs,
        ),
        Platform(
            "junit",
            "a JUnit XML report (exit 1 unless every kata passes)",
            "ninja-junit.xml",
            _junit,
            exit_code=all_passed,
        ),
        Platform(
            "exit-code",
            "nothing written: exit 0 exactly when every kata passes",
            None,
            lambda graded, env, out: [],
            exit_code=all_passed,
        ),
    )
}


def without_key(text: str, key: str) -> str:
    """GitHub's `key=value` / `key<<DELIMITER ... DELIMITER` file without any entry of `key`."""
    kept, lines, i = [], text.splitlines(keepends=True), 0
    while i < len(lines):
        line = lines[i].rstrip("\r\n")
        name = line.split("=", 1)[0].split("<<", 1)[0].strip()
        if name == key and "<<" in line.split("=", 1)[0]:
            delimiter = line.split("<<", 1)[1]
            i += 1
            while i < len(lines) and lines[i].rstrip("\r\n") != delimiter:
                i += 1
        elif name != key:
            kept.append(lines[i])
        i += 1
    return "".join(kept)


def write(outputs: list[Output]) -> None:
    """Each output written whole (a temporary file, then renamed), or appended to."""
    from pytest_ninja.core import atomic

    for output in outputs:
        if output.replaces:  # whatever else wrote that key into the file, ours is the one
            text = output.path.read_text("utf-8") if output.path.exists() else ""
            output.path.write_text(without_key(text, output.replaces), encoding="utf-8")
        if output.append:
            with open(output.path, "a", encoding="utf-8") as f:
                f.write(output.text)
        else:
            output.path.parent.mkdir(parents=True, exist_ok=True)
            atomic.write_text(output.path, output.text)
