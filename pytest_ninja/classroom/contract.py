"""Our own checker of Classroom 50's contract: is a `result.json` one its runner accepts?

Written from the contract (autograding.md, "Classroom 50"), not from the code that writes
our documents, so that the two can catch each other's mistakes. A rejected file gives the
student an error result (0/0) and no Release, as if they never submitted: every broken rule
comes back as one plain sentence for the teacher, and an empty list means the file is valid.
Plain data, no pytest.
"""

from __future__ import annotations

from collections.abc import Mapping

SCHEMA = "classroom50/result/v1"
BODY_LIMIT = 125_000  # GitHub refuses Release notes longer than this (characters)

# the top-level keys we write, and those the runner stamps itself (writing them is harmless)
OURS = ("schema", "classroom", "assignment", "submission", "commit", "release", "review")
TOTALS = ("score", "max-score")
STAMPED = ("owner", "assignment_type", "datetime", "graded_at", "submitted_by")
# a top-level key that must equal an environment variable of the run, when it is known
FROM_ENV = {
    "classroom": "CLASSROOM",
    "assignment": "ASSIGNMENT",
    "submission": "SUBMISSION_TAG",
    "commit": "COMMIT_URL",
    "release": "RELEASE_URL",
    "review": "REVIEW_URL",
}
ROW_KEYS = ("test-name", "passed", "score", "max-score")


def is_count(value: object) -> bool:
    """A JSON integer >= 0: a bool (a JSON true) and a float like 3.0 are not."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def count_problem(where: str, value: object) -> str | None:
    """The sentence saying why `value` is not a whole number >= 0, or None when it is one."""
    if is_count(value):
        return None
    if value is None:
        return f"{where} is missing"
    if isinstance(value, bool):
        return f"{where} is {str(value).lower()}, a boolean: write a whole number such as 3"
    if isinstance(value, float):
        return f"{where} is {value!r}, a decimal number: write a whole number such as 3"
    if isinstance(value, int):
        return f"{where} is {value}: it cannot be negative"
    return f"{where} is {value!r}, not a whole number"


def text_problem(where: str, value: object) -> str | None:
    """The sentence saying why `value` is not a non-empty string, or None when it is one."""
    if isinstance(value, str) and value:
        return None
    if value is None:
        return f"{where} is missing"
    if value == "":
        return f"{where} is empty"
    return f"{where} is {value!r}, not text"


def header_problems(document: dict, environ: Mapping[str, str] | None) -> list[str]:
    """The schema, the names of the class and the submission, the three links."""
    found = []
    if document.get("schema") != SCHEMA:
        found.append(f'"schema" is {document.get("schema")!r}: it must be {SCHEMA!r}')
    for key in OURS[1:]:
        problem = text_problem(f'"{key}"', document.get(key))
        if problem:
            found.append(problem)
            continue
        expected = (environ or {}).get(FROM_ENV[key])
        if expected is not None and document[key] != expected:
            found.append(
                f'"{key}" is {document[key]!r} but {FROM_ENV[key]} is {expected!r}: '
                "they must be equal"
            )
    submission = document.get("submission")
    if isinstance(submission, str) and submission and not submission.startswith("submit/"):
        found.append(f'"submission" is {submission!r}: a submission tag starts with "submit/"')
    return found


def total_problems(document: dict) -> list[str]:
    """The document's score and maximum: whole numbers >= 0, the score at most the maximum."""
    found = [p for key in TOTALS if (p := count_problem(f'"{key}"', document.get(key)))]
    score, most = document.get("score"), document.get("max-score")
    if not found and score > most:
        found.append(f'"score" is {score}, more than "max-score" ({most})')
    return found


def row_problems(index: int, row: object) -> list[str]:
    """One row of `tests`: a named kata, whether it passed, its score and maximum."""
    where = f"tests[{index}]"
    if not isinstance(row, dict):
        return [f"{where} is {type(row).__name__}, not an object with test-name, passed, score"]
    found = []
    for key in ROW_KEYS:
        if key not in row:
            found.append(f'{where} has no "{key}"')
    if "test-name" in row and (problem := text_problem(f'{where} "test-name"', row["test-name"])):
        found.append(problem)
    if "passed" in row and not isinstance(row["passed"], bool):
        found.append(f'{where} "passed" is {row["passed"]!r}: it must be true or false')
    counts = [
        p for key in TOTALS if key in row and (p := count_problem(f'{where} "{key}"', row[key]))
    ]
    found += counts
    if not counts and "score" in row and "max-score" in row and row["score"] > row["max-score"]:
        found.append(f'{where} "score" is {row["score"]}, more than its "max-score"')
    return found


def rows_problems(document: dict) -> list[str]:
    """The `tests` list: one row per graded kata, and totals that are the rows' sums."""
    rows = document.get("tests")
    if not isinstance(rows, list):
        return [f'"tests" is {rows!r}: it must be a list with one row per kata']
    if not rows:
        return ['"tests" is empty: Classroom 50 reads that as "no autograder configured"']
    found = [p for i, row in enumerate(rows) for p in row_problems(i, row)]
    if found:
        return found
    for key in TOTALS:
        total = sum(row[key] for row in rows)
        if is_count(document.get(key)) and document[key] != total:
            found.append(f'"{key}" is {document[key]} but the rows\' "{key}" add up to {total}')
    return found


def problems(document: object, environ: Mapping[str, str] | None = None) -> list[str]:
    """Every rule of Classroom 50's contract that `document` breaks, one sentence each.

    `environ` is the run's environment: when given, the class, the assignment, the submission
    tag and the three links must be its values.
    """
    if not isinstance(document, dict):
        return [f"the document is {type(document).__name__}, not a JSON object"]
    allowed = (*OURS, *TOTALS, "tests", *STAMPED)
    found = [
        f'"{key}" has no place in result.json: Classroom 50 refuses top-level keys it does not know'
        for key in document
        if key not in allowed
    ]
    found += header_problems(document, environ)
    found += total_problems(document)
    found += rows_problems(document)
    return found


def check_body(text: object) -> list[str]:
    """Why GitHub would refuse these Release notes (empty: they are fine)."""
    if not isinstance(text, str):
        return [f"the release notes are {type(text).__name__}, not text"]
    if len(text) > BODY_LIMIT:
        return [
            f"the release notes have {len(text):,} characters: GitHub refuses more than "
            f"{BODY_LIMIT:,}"
        ]
    return []
