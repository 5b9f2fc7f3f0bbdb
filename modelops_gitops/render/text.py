"""The default format: what a person reads in a terminal or a CI log.

    plan: 2 changes — 1 pass, 1 pending (approvals)
    base main (1a2b3c4d5e6f) → head feature (6f5e4d3c2b1a) · policy set 0123456789ab

    … pending  stage.promoted credit production: 1.1.0 → 1.2.0  models/credit/model.yaml:14
      … pending  prod/approvals  1 of 2 approvals  models/credit/model.yaml:14
          approved by alice (ml-platform)

    result: pending (exit 3)

Plain text unless `color=True` (the CLI decides, from the terminal): then rich styles the
same lines with ANSI colours. Nothing else differs between the two.
"""

from __future__ import annotations

import io

from modelops_gitops.gates.result import GateResult
from modelops_gitops.plan.result import Finding, PlanResult
from modelops_gitops.render import common
from modelops_gitops.render.links import Links, location
from modelops_gitops.terminal import printable

DESCRIPTION = "human-readable, coloured on a terminal"
SUFFIX = ".txt"
STYLES = {
    "pass": "green",
    "fail": "bold red",
    "warn": "yellow",
    "pending": "cyan",
    "waived": "magenta",
    "dim": "dim",
    "title": "bold",
}
WIDTH = max(len(r) for r in common.RESULT_RANK)

Segment = tuple[str, str]  # (text, style name or "")
Line = list[Segment]


def render(result: PlanResult, *, links: Links, color: bool = False) -> str:
    """The plan as text; `links` is accepted for uniformity (a terminal shows `path:line`)."""
    del links
    lines = [[(printable(text), style) for text, style in line] for line in _lines(result)]
    if color:
        return _ansi(lines)
    return "".join("".join(text for text, _ in line).rstrip() + "\n" for line in lines)


def _lines(result: PlanResult) -> list[Line]:
    lines: list[Line] = [[(common.summary(result), "title")], [(common.refs(result), "dim")]]
    if result.findings:
        lines += [[], [("pull request", "title")]]
        for finding in common.findings(result.findings, by_severity=True):
            lines += _finding(finding)
    for item in common.changes(result):
        change = item.change
        label = common.outcome_label(item.result, item.findings)
        lines.append([])
        lines.append([*_badge(item.result, label), (common.title(change), "title")])
        if where := location(change.file, change.line):
            lines[-1].append(("  " + where, "dim"))
        if not item.findings:
            lines.append([("    no rule applies", "dim")])
        for finding in common.findings(item.findings, by_severity=True):
            lines += _finding(finding)
    exit_code = result.exit_code
    lines += [[], [("result: ", ""), (f"{result.result} (exit {exit_code})", result.result)]]
    return lines


def _badge(outcome: str, label: str) -> Line:
    return [(f"{common.SYMBOLS[outcome]} {label.ljust(WIDTH)}", outcome), ("  ", "")]


def _finding(finding: Finding) -> list[Line]:
    head: Line = [("  ", ""), *_badge(finding.result, finding.result)]
    head += [(common.rule_id(finding), "title"), ("  " + finding.message, "")]
    if where := location(finding.file, finding.line):
        head.append(("  " + where, "dim"))
    notes: list[Line] = []
    if finding.waiver:
        notes.append([(f"waived by {finding.waiver}", "waived")])
    if finding.override:
        notes.append([(f"override: {finding.override}", "warn")])
    if finding.approvals:
        who = ", ".join(
            a.login + (f" ({', '.join(a.teams)})" if a.teams else "") for a in finding.approvals
        )
        notes.append([(f"approved by {who}", "dim")])
    if finding.gate is not None:
        notes += _gate(finding.gate)
    return [head] + [[("      ", ""), *note] for note in notes]


def _gate(gate: GateResult) -> list[Line]:
    status = "pass" if gate.status == "pass" else "fail"
    lines: list[Line] = [[(f"gate {gate.gate}: ", "title"), (gate.status, status)]]
    lines[0].append((f" — {gate.summary}", ""))
    for check in gate.checks:
        mark = "pass" if check.passed else "fail"
        needs = f"{check.op} {_num(check.threshold)}"
        value = _num(check.value)
        text = (
            f"{check.name} {value} {needs}"
            if check.passed
            else f"{check.name} {value} (needs {needs})"
        )
        text += f" — {check.message}" if check.message else ""
        lines.append([("  " + common.SYMBOLS[mark] + " ", mark), (text, "")])
    if gate.metrics:
        metrics = ", ".join(f"{k} {_num(v)}" for k, v in sorted(gate.metrics.items()))
        lines.append([(f"  metrics: {metrics}", "dim")])
    return lines


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def _ansi(lines: list[Line]) -> str:
    from rich.console import Console
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=True,
        color_system="standard",
        width=10_000,
        soft_wrap=True,
        highlight=False,
        markup=False,
        emoji=False,
        legacy_windows=False,
    )
    for line in lines:
        text = Text()
        for chunk, style in line:
            text.append(chunk, style=STYLES.get(style, ""))
        text.rstrip()
        console.print(text)
    return buffer.getvalue()
