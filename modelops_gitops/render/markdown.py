"""The plan as a pull-request comment (GitHub-flavoured markdown).

    <!-- modelops-gitops:plan -->            hidden marker: the comment is found and updated
    ## ⏳ modelops-gitops plan: pending      the overall verdict
    **2 changes — 1 pass, 1 pending (approvals)**
    ### ✅ stage.promoted credit …           one heading and one table per change
    | | Rule | Result | Message | Where |     (file:line linked to the head commit)
    <details> gate checks, metrics, tables   (plots are in the audit report, not here)
    **Missing** what is still needed, and who approved so far

GitHub refuses comments over 65,536 characters. A longer plan is shortened step by step —
gate details dropped, then passing findings and long messages, then everything but one
verdict line per change — and the comment says so. Every change keeps its verdict (unless
even one line each cannot fit; the rest are then counted).
"""

from __future__ import annotations

from collections import Counter

from modelops_gitops.plan.result import ChangeResult, Finding, PlanResult
from modelops_gitops.render import common
from modelops_gitops.render.links import Links
from modelops_gitops.render.markdown_parts import (
    ICONS,
    code,
    escape,
    gate_details,
    table,
    where,
)

DESCRIPTION = "a pull-request comment (GitHub-flavoured markdown)"
SUFFIX = ".md"
MARKER = "<!-- modelops-gitops:plan -->"
MAX_CHARS = 65_536  # GitHub's limit for a comment body
FULL, COMPACT, BRIEF, VERDICTS = range(4)
BRIEF_MESSAGE = 200
LEFT_OUT = {
    COMPACT: "gate details (checks, metrics and tables) are left out",
    BRIEF: "gate details, passing findings and the end of long messages are left out",
    VERDICTS: "only the verdict of each change is shown",
}


def render(result: PlanResult, *, links: Links, limit: int = MAX_CHARS) -> str:
    """The comment, at most `limit` characters. Counted in UTF-16 code units (an emoji counts
    2), which is never fewer than characters, so the limit holds however GitHub counts."""
    for level in (FULL, COMPACT, BRIEF, VERDICTS):
        text = _document(result, links, level)
        if size(text) <= limit:
            return text
    return _counted(result, links, limit)


def size(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _document(result: PlanResult, links: Links, level: int, keep: int | None = None) -> str:
    """The comment at `level`; with `keep`, only that many verdict lines, the rest counted."""
    parts = _head(result, level)
    if result.findings:
        parts.append("### Pull request")
        parts += _findings(result.findings, links, level)
    items = common.changes(result)
    if level == VERDICTS:
        lines = [_verdict(item) for item in items[:keep]]
        if keep is not None and keep < len(items):
            rest = Counter(item.result for item in items[keep:])
            tally = ", ".join(f"{rest[o]} {o}" for o in common.OUTCOME_ORDER if rest[o])
            lines.append(f"- … and {len(items) - keep} more changes ({tally})")
        parts.append("\n".join(lines))
    else:
        for item in items:
            parts += _change(item, links, level)
    parts.append(_footer(result))
    return "\n\n".join(part for part in parts if part) + "\n"


def _head(result: PlanResult, level: int) -> list[str]:
    parts = [
        f"{MARKER}\n## {ICONS[result.result]} modelops-gitops plan: {result.result}",
        f"**{escape(common.counts(result))}**\n{common.refs(result, code)}",
    ]
    if level != FULL:
        parts.append(
            "> [!NOTE]\n> This plan was shortened to fit GitHub's 65,536-character comment "
            f"limit: {LEFT_OUT[level]}. Run `modelops-gitops plan --format text` (or `json`) "
            "for all of it."
        )
    return parts


def _change(item: ChangeResult, links: Links, level: int) -> list[str]:
    change = item.change
    label = common.outcome_label(item.result, item.findings)
    heading = f"### {ICONS[item.result]} {escape(common.title(change))} — {escape(label)}"
    if location := where(links, change.file, change.line):
        heading += f"\n{location}"
    if not item.findings:
        return [heading, "No rule applies to this change."]
    return [heading, *_findings(item.findings, links, level)]


def _findings(findings: tuple[Finding, ...], links: Links, level: int) -> list[str]:
    ordered = common.findings(findings, by_severity=True)
    shown = [f for f in ordered if level < BRIEF or f.result in common.REPORTED]
    parts = []
    if shown:
        rows = [_row(f, links, level) for f in shown]
        header = ["", "Rule", "Result", "Message", "Where"]
        parts.append(table(header, rows, "cllll"))
    if hidden := len(ordered) - len(shown):
        parts.append(f"{hidden} more finding{'s' if hidden > 1 else ''} pass or are waived.")
    gates = [f.gate for f in shown if f.gate is not None]
    if level == FULL:
        parts += [gate_details(gate) for gate in gates]
    elif gates:
        parts.append(
            "\n".join(
                f"- {ICONS['pass' if g.passed else 'fail']} Gate {code(g.gate)}: "
                f"{escape(g.status)} — {escape(g.summary)}"
                for g in gates
            )
        )
    if level == FULL and (missing := [f for f in ordered if f.result == "pending"]):
        parts.append("**Missing**\n\n" + "\n".join(_missing(f) for f in missing))
    return parts


def _row(finding: Finding, links: Links, level: int) -> list[str]:
    message = finding.message
    if level >= BRIEF and len(message) > BRIEF_MESSAGE:
        message = message[: BRIEF_MESSAGE - 1].rstrip() + "…"
    text = escape(message)
    if finding.waiver:
        text += f"<br>{ICONS['waived']} waived by {code(finding.waiver)}"
    if finding.override:
        text += f"<br>override: {escape(finding.override)}"
    if finding.approvals and level < BRIEF:
        text += "<br>approved by " + _approvers(finding)
    result = f"**{finding.result}**" if finding.result == "fail" else finding.result
    return [
        ICONS[finding.result],
        code(common.rule_id(finding)),
        result,
        text,
        where(links, finding.file, finding.line),
    ]


def _approvers(finding: Finding) -> str:
    return ", ".join(
        code(a.login) + (f" ({escape(', '.join(a.teams))})" if a.teams else "")
        for a in finding.approvals
    )


def _missing(finding: Finding) -> str:
    text = f"- {ICONS['pending']} {code(common.rule_id(finding))}: {escape(finding.message)}"
    if finding.approvals:
        text += f" — approved so far: {_approvers(finding)}"
    return text


def _verdict(item: ChangeResult) -> str:
    label = common.outcome_label(item.result, item.findings)
    return f"- {ICONS[item.result]} {escape(common.title(item.change))} — {escape(label)}"


def _footer(result: PlanResult) -> str:
    return (
        f"<sub>Policies, lifecycle and teams are read from the base ({code(result.base)}), "
        "never from the pull request. This comment is updated on every push.</sub>"
    )


def _counted(result: PlanResult, links: Links, limit: int) -> str:
    """The last resort: as many verdict lines as fit, then the rest counted by outcome."""
    keep = len(result.changes)
    while keep > 0:
        keep = keep * 9 // 10
        text = _document(result, links, VERDICTS, keep=keep)
        if size(text) <= limit:
            return text
    raise ValueError(f"a plan comment cannot fit in {limit} characters")
