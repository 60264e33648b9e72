"""A kata's verdict in a notebook: HTML in Jupyter, text elsewhere, a picture, a compact panel.

The verdict says what the terminal says, check by check (the lecture's `cmp` line, `likely:`,
the worst entry, the phase, the map of wrong entries), from the one result model; after a pass
only, the reference solution follows, folded. Then, for a wrong 2-D gradient, the picture
(`nb_picture`), then a compact panel of every kata, a bar and what to do next, in the
notebook's own words (`%%kata 08`, `%kata_hint 08`). The panel shows the notebook's katas (its
levels, `nb_scope`), level by level under a heading each when it holds more than one, as the
terminal's panel does. A kata that returns a dict of grads (a check per key) says the checks
that pass in one line. Plain data in, HTML and text out; IPython shows a `Verdict` as its
three parts, any other front end as one text or one HTML block.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path

from pytest_ninja.core.level import Kata
from pytest_ninja.core.result import KataResult, Status
from pytest_ninja.levels import FIRST
from pytest_ninja.loop.panel import bar, level_heading
from pytest_ninja.loop.progress import Progress

COLOURS = {
    Status.PASSED: "#2e7d32",
    Status.FAILED: "#c62828",
    Status.ERROR: "#e65100",
    Status.TODO: "#757575",
    "regressed": "#c62828",
}
PANEL_COLUMNS = 5  # katas per row of the text panel
CELL_WIDTH = 16  # characters of a kata in the text panel, at least: `09 regressed 0/6`
PASS_WORDS = "matches autograd in both phases"  # a passed check's line, after its name
PRE = "margin:2px 0 6px 0;white-space:pre-wrap;font-size:90%"


def cell_name(kata: Kata) -> str:
    """How the notebook names a kata's cell, in messages too: `%%kata 07`."""
    return f"%%kata {kata.number:02d}"


def hint_command(kata: Kata) -> str:
    return f"%kata_hint {kata.number:02d}"


def _label(kata: Kata) -> str:
    number, name = kata.id.split("_", 1)
    return f"{number} {name}"


def _passes(result: KataResult) -> list[str]:
    """The outputs whose check passed with nothing more to say, for a kata with a grads dict
    (a check per key, and many keys); none for the others, whose checks are few."""
    if not result.kata.grads:
        return []
    checks = [(out, result.checks.get(out)) for out in result.kata.outputs]
    return [
        out
        for out, check in checks
        if check is not None
        and check.status is Status.PASSED
        and check.lines == (f"{out} {PASS_WORDS}",)
    ]


def _passes_line(kata: Kata, passed: list[str]) -> str:
    """`12 of 13 match autograd in both phases: ...`, naming the fewer: those that pass, or
    the others."""
    total, others = len(kata.outputs), [o for o in kata.outputs if o not in passed]
    said = f"{len(passed)} of {total} match autograd in both phases"
    if not others:
        lead = "".join(f"{o} and " for o in kata.leading)
        return f"all {total} match autograd in both phases: {lead}every key of grads"
    if len(others) < len(passed):
        return f"{said}: all but {', '.join(others)}"
    return f"{said}: {', '.join(passed)}"


def verdict_blocks(result: KataResult) -> list[tuple[Status, tuple[str, ...]]]:
    """Each check's lines, in the kata's order; one verdict shared by every check (the
    stub, a crash, a refusal) is shown once, and the passes of a grads dict are said first,
    in one line."""
    blocks: list[tuple[Status, tuple[str, ...]]] = []
    passed = _passes(result)
    if len(passed) > 1:
        blocks.append((Status.PASSED, (_passes_line(result.kata, passed),)))
    else:
        passed = []
    for out in result.kata.outputs:
        if out in passed:
            continue
        check = result.checks.get(out)
        status = Status.TODO if check is None else check.status
        lines = check.lines if check is not None else (f"todo: {out} is not returned yet",)
        if all(lines != seen for _, seen in blocks):
            blocks.append((status, lines))
    return blocks


def headline(result: KataResult) -> str:
    total = len(result.kata.outputs)
    return f"{_label(result.kata)}: {result.status}, {result.passed}/{total} checks pass"


def _pre(lines, colour: str | None = None) -> str:
    style = PRE + (f";color:{colour}" if colour else "")
    return f'<pre style="{style}">{html.escape(chr(10).join(lines))}</pre>'


@dataclass(frozen=True)
class Picture:
    """The picture of a wrong 2-D gradient, as PNG bytes."""

    name: str
    png: bytes

    def _repr_png_(self) -> bytes:
        return self.png

    def html(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        return f'<img alt="{html.escape(repr(self))}" src="data:image/png;base64,{data}"/>'

    def __repr__(self) -> str:
        return f"(a picture of {self.name}: autograd's, yours, and where they differ)"


@dataclass(frozen=True)
class Panel:
    """The compact panel: every kata's status, a bar, the kata to do next."""

    progress: Progress  # with this run folded in
    result: KataResult | None = None  # the kata just graded, if any
    kept_in: str = ""  # where the progress file is, as shown
    warning: str = ""
    katas: tuple[Kata, ...] = FIRST  # the notebook's (`nb_scope.katas()`)

    def word(self, kata: Kata) -> str:
        return "regressed" if self.progress.regressed(kata) else str(self.progress.status(kata))

    def _checks(self, kata: Kata) -> int:
        stored = self.progress.katas.get(kata.id)
        checks = stored.checks if stored else {}
        return sum(checks.get(o) is Status.PASSED for o in kata.outputs)

    def totals(self) -> tuple[int, int, int]:
        """Katas passed, checks passed, checks in all."""
        katas = sum(self.progress.status(k) is Status.PASSED for k in self.katas)
        checks = sum(self._checks(k) for k in self.katas)
        return katas, checks, sum(len(k.outputs) for k in self.katas)

    def summary(self) -> str:
        katas, checks, total = self.totals()
        return f"{katas}/{len(self.katas)} katas, {checks}/{total} checks"

    def next_lines(self) -> list[str]:
        from pytest_ninja.loop.workspace import Kind, Workspace

        upcoming = self.progress.current(self.katas)
        if upcoming is None:
            return ["every kata passed: you are a backprop ninja"]
        lines = [f"next: {cell_name(upcoming)}  ({_label(upcoming)})"]
        result = self.result
        if result is not None and result.kata == upcoming and result.first_problem:
            lines.append(f"      {result.first_problem}")
        space = Workspace(Path("katas"), Kind.NOTEBOOK, self.katas)
        hint = space.auto_hint(self.progress)
        lines.extend(f"      {line}" for line in hint.splitlines())
        lines.append(f"      stuck? {hint_command(upcoming)}")
        return lines

    def footer(self) -> list[str]:
        lines = [f"warning: {self.warning}"] if self.warning else []
        if self.kept_in:
            lines.append(f"progress: {self.kept_in}")
        return lines

    def levels(self) -> list[tuple[str, tuple[Kata, ...]]]:
        """The katas level by level, each under its heading ("" when only one is shown)."""
        runs: dict[int, list[Kata]] = {}
        for kata in self.katas:
            runs.setdefault(kata.level, []).append(kata)
        if len(runs) == 1:
            return [("", self.katas)]
        return [
            (level_heading(run[0], self.katas, self.progress), tuple(run)) for run in runs.values()
        ]

    def _cell(self, kata: Kata) -> str:
        return f"{kata.number:02d} {self.word(kata):<9} {self._checks(kata)}/{len(kata.outputs)}"

    def lines(self) -> list[str]:
        katas, checks, total = self.totals()
        lines = [f"dojo: {self.summary()}  {bar(checks, total)}"]
        width = max([CELL_WIDTH, *(len(self._cell(k)) for k in self.katas)])
        for heading, run in self.levels():
            if heading:
                lines.append(f"  {heading}")
            cells = [self._cell(k) for k in run]
            for start in range(0, len(cells), PANEL_COLUMNS):
                row = cells[start : start + PANEL_COLUMNS]
                lines.append(("  " + "   ".join(f"{c:<{width}}" for c in row)).rstrip())
        return lines + self.next_lines() + self.footer()

    def __repr__(self) -> str:
        return "\n".join(self.lines())

    def _repr_pretty_(self, p, cycle: bool) -> None:
        p.text(repr(self))

    def _chip(self, k: Kata) -> str:
        word = self.word(k)
        colour = COLOURS.get(word, COLOURS[Status.TODO])
        title = f"{_label(k)}: {word}, {self._checks(k)}/{len(k.outputs)} checks"
        return (
            f'<span title="{html.escape(title)}" style="display:inline-block;'
            f"min-width:2.2em;text-align:center;margin:1px;padding:1px 3px;"
            f'border-radius:3px;color:white;background:{colour}">{k.number:02d}</span>'
        )

    def _repr_html_(self) -> str:
        rows = []
        for heading, run in self.levels():
            label = (
                f'<span style="color:{COLOURS[Status.TODO]};font-size:90%">'
                f"{html.escape(heading)}</span><br/>"
                if heading
                else ""
            )
            rows.append(f"<div>{label}{''.join(self._chip(k) for k in run)}</div>")
        katas, checks, total = self.totals()
        share = 100 * checks / total if total else 0
        gauge = (
            '<span style="display:inline-block;width:12em;height:0.7em;background:#ddd;'
            'vertical-align:middle;border-radius:3px"><span style="display:block;height:100%;'
            f'width:{share:.1f}%;background:{COLOURS[Status.PASSED]};border-radius:3px">'
            "</span></span>"
        )
        return (
            '<div class="pytest-ninja-panel" style="margin:4px 0">'
            f"{''.join(rows)}"
            f"<div>{gauge} {html.escape(self.summary())}</div>"
            f"{_pre(self.next_lines())}"
            f"{_pre(self.footer(), COLOURS[Status.TODO]) if self.footer() else ''}"
            "</div>"
        )


@dataclass(frozen=True)
class Verdict:
    """A kata graded in the notebook: the result, what to show with it, and the panel.

    `result` is the grading core's `KataResult`; `status`, `passed` and `checks` are its own.
    """

    result: KataResult
    panel: Panel
    solution: str = ""  # the reference solution's source, only once the kata passed
    picture: Picture | None = None

    @property
    def kata(self) -> Kata:
        return self.result.kata

    @property
    def status(self) -> Status:
        return self.result.status

    @property
    def passed(self) -> int:
        return self.result.passed

    @property
    def checks(self) -> dict:
        return self.result.checks

    def lines(self) -> list[str]:
        """The verdict as the terminal words it: the headline, then each check's lines."""
        lines = [headline(self.result)]
        for _, block in verdict_blocks(self.result):
            lines.extend(block)
        return lines

    def _solution_lines(self) -> list[str]:
        if not self.solution:
            return []
        return ["", "the reference solution (compare it with yours):"] + [
            "    " + line for line in self.solution.splitlines()
        ]

    def text(self) -> str:
        picture = [repr(self.picture)] if self.picture else []
        return "\n".join(
            self.lines() + picture + self._solution_lines() + [""] + self.panel.lines()
        )

    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, p, cycle: bool) -> None:
        p.text(self.text())

    def verdict_html(self) -> str:
        colour = COLOURS[self.status]
        parts = [
            f'<div class="pytest-ninja-verdict" style="border-left:4px solid {colour};'
            'padding:2px 10px;margin:4px 0">',
            f'<div style="font-weight:bold;color:{colour}">'
            f"{html.escape(headline(self.result))}</div>",
        ]
        for status, block in verdict_blocks(self.result):
            first = f'<b style="color:{COLOURS[status]}">{html.escape(block[0])}</b>'
            rest = "".join("\n" + html.escape(line) for line in block[1:])
            parts.append(f'<pre style="{PRE}">{first}{rest}</pre>')
        if self.solution:
            parts.append(
                "<details><summary>the reference solution (compare it with yours)</summary>"
                f"{_pre(self.solution.splitlines())}</details>"
            )
        parts.append("</div>")
        return "".join(parts)

    def _repr_html_(self) -> str:
        picture = self.picture.html() if self.picture else ""
        return self.verdict_html() + picture + self.panel._repr_html_()

    def parts(self) -> list:
        """What IPython shows, one output each: the verdict, the picture, the panel."""
        return [_VerdictPart(self), *([self.picture] if self.picture else []), self.panel]

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(*self.parts())


@dataclass(frozen=True)
class _VerdictPart:
    verdict: Verdict

    def __repr__(self) -> str:
        return "\n".join(self.verdict.lines() + self.verdict._solution_lines())

    def _repr_pretty_(self, p, cycle: bool) -> None:
        p.text(repr(self))

    def _repr_html_(self) -> str:
        return self.verdict.verdict_html()
