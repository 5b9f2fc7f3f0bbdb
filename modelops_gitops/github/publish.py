"""A plan on its pull request: the one comment, the `modelops/plan` and `modelops/approvals`
commit statuses, and a check run with an annotation per failing finding.

The shaping is pure (`comment_body`, `plan_status`, `approvals_status`, `plan_annotations`);
`publish` does the writes and returns one line per write for the command to print.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from modelops_gitops.plan.result import Finding, PlanResult
from modelops_gitops.render import markdown
from modelops_gitops.render.common import counts
from modelops_gitops.render.links import Links

from .provider import GitHubProvider
from .text import MAX_BODY, PLAN_MARKER
from .types import Annotation, CheckConclusion, StatusState
from .writes import STATUS_APPROVALS, STATUS_PLAN

CHECK_RUN_NAME = "modelops plan"
APPROVALS_RULE = "approvals"


@dataclass(frozen=True)
class Published:
    """What `publish` did, one line each (for stderr)."""

    lines: tuple[str, ...]


def _all_findings(result: PlanResult) -> Iterator[tuple[int | None, Finding]]:
    """Every finding with the index of its change (None: about the pull request)."""
    for index, item in enumerate(result.changes):
        for found in item.findings:
            yield index, found
    for found in result.findings:
        yield None, found


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def comment_body(result: PlanResult, links: Links, report_url: str | None) -> str:
    """The markdown plan without its marker line (the comment adds it), shortened by the
    renderer to fit the comment, with a link to the full report when there is one."""
    footer = f"\n[Full report]({report_url}) (the workflow run)\n" if report_url else ""
    room = MAX_BODY - len(PLAN_MARKER) - 1 - len(footer)
    text = markdown.render(result, links=links, limit=room)
    first, _, rest = text.partition("\n")
    body = rest if first.strip() == markdown.MARKER else text
    return body.rstrip("\n") + "\n" + footer if footer else body


def plan_status(result: PlanResult) -> tuple[StatusState, str]:
    """failure with the blocking violations; pending while a non-approval rule waits (a gate
    not run); success otherwise. Approvals have their own status."""
    found = list(_all_findings(result))
    blocking = [(i, f) for i, f in found if f.result == "fail"]
    if blocking:
        changes = {i for i, _ in blocking if i is not None}
        where = _plural(len(changes), "change") if changes else "the pull request"
        if changes and any(i is None for i, _ in blocking):
            where += " and the pull request"
        return "failure", f"{_plural(len(blocking), 'blocking violation')} in {where}"
    waiting = [f for _, f in found if f.result == "pending" and f.rule_type != APPROVALS_RULE]
    if waiting:
        rules = ", ".join(sorted({f.rule for f in waiting}))
        return "pending", f"{_plural(len(waiting), 'check')} pending ({rules})"
    warnings = sum(f.result == "warn" for _, f in found)
    text = "no blocking violations" if result.changes else "no governed changes"
    if result.changes:
        text += f" in {_plural(len(result.changes), 'change')}"
    if warnings:
        text += f" ({_plural(warnings, 'warning')})"
    return "success", text


def approvals_status(result: PlanResult) -> tuple[StatusState, str]:
    """success when every approvals rule is met (or none applies); pending with what is
    missing; failure if an approvals rule failed outright."""
    rules = [(i, f) for i, f in _all_findings(result) if f.rule_type == APPROVALS_RULE]
    if not rules:
        return "success", "no approvals required"
    failed = [f for _, f in rules if f.result == "fail"]
    if failed:
        return "failure", failed[0].message
    missing = [(i, f) for i, f in rules if f.result == "pending"]
    if missing:
        changes = {i for i, _ in missing}
        return "pending", f"missing in {_plural(len(changes), 'change')}: {missing[0][1].message}"
    approvers = sorted({a.login for _, f in rules for a in f.approvals})
    return "success", f"approved by {', '.join(approvers)}" if approvers else "approved"


def plan_annotations(result: PlanResult) -> list[Annotation]:
    """One annotation per failing (or warning) finding that points at a file line."""
    out = []
    for index, found in _all_findings(result):
        if found.result not in ("fail", "warn"):
            continue
        change = result.changes[index].change if index is not None else None
        path = found.file or (change.file if change else "")
        line = found.line or (change.line if change and path == change.file else 0)
        if not path:
            continue
        out.append(
            Annotation(
                path=path,
                start_line=line,
                end_line=line,
                level="failure" if found.result == "fail" else "warning",
                message=found.message,
                title=f"{found.policy}/{found.rule}",
            )
        )
    return out


CONCLUSIONS: dict[str, CheckConclusion] = {
    "pass": "success",
    "fail": "failure",
    "pending": "neutral",
}


def publish(
    github: GitHubProvider,
    number: int,
    result: PlanResult,
    links: Links,
    *,
    report_url: str | None,
    check_run: bool,
) -> Published:
    """Comment, statuses on the planned head commit, and the check run when asked."""
    body = comment_body(result, links, report_url)
    comment = github.upsert_plan_comment(number, body, report_url=report_url)
    lines = [f"plan comment {comment.action}: {comment.html_url}"]
    for context, (state, text) in (
        (STATUS_PLAN, plan_status(result)),
        (STATUS_APPROVALS, approvals_status(result)),
    ):
        github.set_status(result.head_sha, context, state, text, target_url=report_url)
        lines.append(f"status {context}: {state} — {text}")
    if check_run:
        if not github.can_create_check_runs:
            lines.append(
                "check run skipped: it needs a GitHub App installation token "
                "(Actions' GITHUB_TOKEN is one; a personal token is not)"
            )
        else:
            run = github.create_check_run(
                CHECK_RUN_NAME,
                result.head_sha,
                conclusion=CONCLUSIONS[result.result],
                title=f"plan: {result.result} — {counts(result)}",
                summary=body,
                annotations=plan_annotations(result),
                details_url=report_url,
            )
            if run is not None:
                lines.append(f"check run created with {_plural(run.annotations, 'annotation')}")
    return Published(tuple(lines))
