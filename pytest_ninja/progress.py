"""The learner's progress, kept across runs in one small file beside the katas.

`katas/.ninja-progress.json` records, per kata, when it was first passed, how many runs graded
it, how many failed in a row, its checks' last statuses and the last hint level shown. It is
read by every command (the panel, `status`, `hint`, watch mode) and written only by the
process that owns the run (never by xdist workers), atomically: a temporary file in the same
folder, then a rename, so a crash or a second run at the same time never leaves half a file.
A file that cannot be read is set aside with a warning and progress starts afresh.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

FILENAME = ".ninja-progress.json"
FORMAT = "pytest-ninja/progress/1"


@dataclass
class KataProgress:
    """What the dojo remembers of one kata."""

    first_passed: str | None = None  # ISO time of the first run in which it passed
    runs: int = 0  # runs that graded it with something other than todo
    failed_in_a_row: int = 0  # runs since it last passed in which it failed
    status: str = "todo"  # passed, failed or todo, as of its last run
    checks: dict[str, str] = field(default_factory=dict)  # output -> pass/fail/todo/error
    hint_level: int = 0  # the last hint level shown

    @property
    def regressed(self) -> bool:
        return self.first_passed is not None and self.status == "failed"


@dataclass
class Progress:
    """Every kata's progress in one workspace."""

    katas: dict[str, KataProgress] = field(default_factory=dict)
    warning: str = ""  # set when a damaged file was set aside

    def get(self, kata_id: str) -> KataProgress:
        return self.katas.setdefault(kata_id, KataProgress())

    def record(self, kata_id: str, checks: dict[str, str]) -> KataProgress:
        """Fold one run's statuses of a kata's checks into its progress."""
        p = self.get(kata_id)
        p.checks.update(checks)
        statuses = set(p.checks.values())
        if statuses == {"pass"}:
            p.status = "passed"
        elif statuses <= {"todo"}:
            p.status = "todo"
        else:
            p.status = "failed"
        if p.status != "todo":
            p.runs += 1
        if p.status == "passed":
            p.failed_in_a_row = 0
            p.first_passed = p.first_passed or time.strftime("%Y-%m-%dT%H:%M:%S")
        elif p.status == "failed":
            p.failed_in_a_row += 1
        return p


def path_for(katas_dir: Path) -> Path:
    return Path(katas_dir) / FILENAME


def load(katas_dir: Path) -> Progress:
    """The workspace's progress; a missing file is a fresh start, a damaged one is set aside."""
    path = path_for(katas_dir)
    try:
        raw = path.read_text("utf-8")
    except FileNotFoundError:
        return Progress()
    except OSError as exc:
        return Progress(warning=f"could not read {path.name} ({exc}); starting afresh")
    try:
        data = json.loads(raw)
        if data.get("format") != FORMAT:
            raise ValueError("not a pytest-ninja progress file")
        fields = KataProgress.__dataclass_fields__
        katas = {
            str(k): KataProgress(**{f: v[f] for f in fields if f in v})
            for k, v in data["katas"].items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        aside = path.with_suffix(".damaged")
        try:
            os.replace(path, aside)
        except OSError:
            pass
        return Progress(
            warning=f"{path.name} was damaged ({exc}); set aside as {aside.name}, "
            "progress starts afresh"
        )
    return Progress(katas)


def save(katas_dir: Path, progress: Progress) -> None:
    """Write atomically: a temporary file beside the real one, then a rename."""
    path = path_for(katas_dir)
    data = {"format": FORMAT, "katas": {k: asdict(v) for k, v in sorted(progress.katas.items())}}
    fd, tmp = tempfile.mkstemp(prefix=FILENAME, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
