"""The learner's progress, kept across runs in one small file beside the katas.

`katas/.ninja-progress.json` records, per kata, its checks' last statuses, when it was first
passed, how many runs graded it, how many failed in a row, the last hint level shown, and when
the learner last changed its file (so "next:" and `hint` follow the kata being worked on). It
is read by every command (the panel, `status`, `hint`, watch mode) and written only by the
process that owns the run, atomically (`atomic.write_text`).

The file carries its format's version. Version 1 files are read as they are; a file that is
not ours is set aside and progress starts afresh; a field of the wrong type or shape is dropped
alone, with a one-line warning naming it, and the rest is kept. Whatever is set aside is kept
beside the file under a name that never overwrites an earlier one.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pytest_ninja.core import atomic
from pytest_ninja.core.level import Kata
from pytest_ninja.core.result import KataResult, Status, kata_status
from pytest_ninja.levels import BY_ID, KATAS

FILENAME = ".ninja-progress.json"
FORMAT = "pytest-ninja/progress/2"
FORMAT_1 = "pytest-ninja/progress/1"  # statuses spelt pass/fail/todo/error, a stored status
DAMAGED = ".damaged"
_V1_STATUS = {"pass": Status.PASSED, "fail": Status.FAILED, "todo": Status.TODO}


@dataclass
class KataProgress:
    """What the dojo remembers of one kata."""

    checks: dict[str, Status] = field(default_factory=dict)  # output -> its last status
    first_passed: str | None = None  # ISO time of the first run in which it passed
    runs: int = 0  # runs that graded it with something other than todo
    failed_in_a_row: int = 0  # runs since it last passed in which it did not pass
    hint_level: int = 0  # the last hint level shown
    worked_at: float = 0.0  # when its file was last seen changed (epoch seconds); 0: never
    digest: str = ""  # the file's fingerprint when last graded


@dataclass
class Progress:
    """Every kata's progress in one workspace."""

    katas: dict[str, KataProgress] = field(default_factory=dict)
    warning: str = ""  # set when something was set aside on load, or could not be saved

    def get(self, kata_id: str) -> KataProgress:
        return self.katas.setdefault(kata_id, KataProgress())

    def status(self, kata: Kata) -> Status:
        stored = self.katas.get(kata.id)
        checks = stored.checks if stored else {}
        return kata_status(checks.get(o, Status.TODO) for o in kata.outputs)

    def regressed(self, kata: Kata) -> bool:
        stored = self.katas.get(kata.id)
        return bool(stored and stored.first_passed) and self.status(kata) in (
            Status.FAILED,
            Status.ERROR,
        )

    def record(self, result: KataResult, now: float | None = None) -> KataProgress:
        """Fold one run's result of a kata (all of its checks, or a selection's) in."""
        now = time.time() if now is None else now
        p = self.get(result.kata.id)
        p.checks.update({o: c.status for o, c in result.checks.items()})
        status = self.status(result.kata)
        if result.digest and result.digest != p.digest:
            if p.digest or status is not Status.TODO:  # edited, or first seen attempted
                p.worked_at = now
            p.digest = result.digest
        if status is not Status.TODO:
            p.runs += 1
        if status is Status.PASSED:
            p.failed_in_a_row = 0
            p.first_passed = p.first_passed or time.strftime(
                "%Y-%m-%dT%H:%M:%S", time.localtime(now)
            )
        elif status is not Status.TODO:
            p.failed_in_a_row += 1
        return p

    def reset(self, kata: Kata) -> None:
        """A kata put back to its stub: its checks and failures are forgotten, not its history."""
        p = self.get(kata.id)
        p.checks, p.failed_in_a_row, p.digest = {}, 0, ""

    def current(self, katas: tuple[Kata, ...] = KATAS) -> Kata | None:
        """The kata the learner is on: the unpassed one worked on last, else the first unpassed."""
        unpassed = [k for k in katas if self.status(k) is not Status.PASSED]
        if not unpassed:
            return None
        worked = [k for k in unpassed if k.id in self.katas and self.katas[k.id].worked_at > 0]
        if worked:
            return max(worked, key=lambda k: self.katas[k.id].worked_at)
        return unpassed[0]


def path_for(katas_dir: Path) -> Path:
    return Path(katas_dir) / FILENAME


# -- reading, field by field ---------------------------------------------------------------


def _kind(value) -> str:
    if value is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a number", str: "a string"}.get(
        type(value), "a list" if isinstance(value, list) else "an object"
    )


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


FIELDS = {  # field -> (is it valid?, what it should be)
    "first_passed": (lambda v: v is None or isinstance(v, str), "a date or null"),
    "runs": (_count, "a whole number >= 0"),
    "failed_in_a_row": (_count, "a whole number >= 0"),
    "hint_level": (lambda v: _count(v) and v <= 3, "a whole number from 0 to 3"),
    "worked_at": (
        lambda v: isinstance(v, int | float) and not isinstance(v, bool) and v >= 0,
        "a time (a number >= 0)",
    ),
    "digest": (lambda v: isinstance(v, str), "a string"),
}


def _status(value, version: str) -> Status | None:
    if version == FORMAT_1 and value in _V1_STATUS:
        return _V1_STATUS[value]
    try:
        return Status(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _kata_progress(kata_id: str, raw, version: str, problems: list[str]) -> KataProgress | None:
    where = f"katas.{kata_id}"
    if not isinstance(raw, dict):
        problems.append(f"`{where}` should be an object, not {_kind(raw)}")
        return None
    kept = KataProgress()
    for name, (valid, should) in FIELDS.items():
        if name not in raw:
            continue
        if valid(raw[name]):
            setattr(kept, name, raw[name])
        else:
            problems.append(f"`{where}.{name}` should be {should}, not {_kind(raw[name])}")
    checks = raw.get("checks", {})
    if not isinstance(checks, dict):
        problems.append(f"`{where}.checks` should be an object, not {_kind(checks)}")
        checks = {}
    outputs = BY_ID[kata_id].outputs if kata_id in BY_ID else None
    for output, value in checks.items():
        status = _status(value, version)
        if status is None or (outputs is not None and output not in outputs):
            what = "a status" if status is None else f"one of {kata_id}'s gradients"
            problems.append(f"`{where}.checks.{output}` is not {what}")
            continue
        kept.checks[output] = status
    return kept


def parse(data) -> tuple[dict[str, KataProgress], list[str]]:
    """The katas' progress kept from a decoded file, and the problems of what was dropped.

    Raises ValueError for a file that is not a progress file at all.
    """
    if not isinstance(data, dict) or data.get("format") not in (FORMAT, FORMAT_1):
        raise ValueError("it is not a pytest-ninja progress file")
    version = data["format"]
    katas = data.get("katas", {})
    problems: list[str] = []
    if not isinstance(katas, dict):
        problems.append(f"`katas` should be an object, not {_kind(katas)}")
        katas = {}
    kept = {}
    for kata_id, raw in katas.items():
        progress = _kata_progress(kata_id, raw, version, problems)
        if progress is not None:
            kept[kata_id] = progress
    return kept, problems


def _set_aside(path: Path) -> str:
    target = atomic.aside(path, DAMAGED)
    try:
        os.replace(path, target)
    except OSError as exc:
        return f"(it could not be set aside: {exc.strerror or exc})"
    return f"(the file as it was: {target.name})"


def load(katas_dir: Path) -> Progress:
    """The workspace's progress; a missing file is a fresh start, a damaged one is mended."""
    path = path_for(katas_dir)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Progress()
    except OSError as exc:
        return Progress(
            warning=f"could not read {path.name} ({exc.strerror or exc}); starting afresh"
        )
    try:
        katas, problems = parse(json.loads(raw.decode("utf-8")))
    except (ValueError, UnicodeDecodeError) as exc:
        why = "it is not JSON" if isinstance(exc, json.JSONDecodeError) else str(exc)
        kept = _set_aside(path)
        return Progress(warning=f"{path.name} was damaged ({why}): progress starts afresh {kept}")
    if not problems:
        return Progress(katas)
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    kept = _set_aside(path)
    return Progress(
        katas,
        warning=f"{path.name}: {problems[0]}{more}; dropped that, kept the rest {kept}",
    )


def to_json(progress: Progress) -> dict:
    katas = {}
    for kata_id, p in sorted(progress.katas.items()):
        entry = asdict(p)
        entry["checks"] = {o: str(s) for o, s in p.checks.items()}
        katas[kata_id] = entry
    return {"format": FORMAT, "katas": katas}


def save(katas_dir: Path, progress: Progress) -> None:
    """Write atomically: a temporary file beside the real one, then a rename."""
    atomic.write_text(path_for(katas_dir), json.dumps(to_json(progress), indent=1))
