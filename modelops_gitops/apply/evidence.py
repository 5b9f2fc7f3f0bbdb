"""A ledger entry's evidence, drawn from the re-checked plan of the change it applies.

    draft_entry(change, introduction, pr, result, policy_set_sha256) -> unsealed LedgerEntry

The draft has `seq=1` and `prev_hash=""` as placeholders: `ledger.chain` gives it its place
and seals it; the reports' hashes are added by `apply` before sealing. Everything here is an
integer or a string (canonical() refuses floats): gate metrics stay in the JSON report,
whose sha256 the entry carries.
"""

from __future__ import annotations

from collections.abc import Iterable

from modelops_gitops.audit.ledger import (
    GateSummary,
    LedgerApproval,
    LedgerChange,
    LedgerEntry,
    PullRequestRef,
    RuleOutcome,
)
from modelops_gitops.audit.provenance import Introduction
from modelops_gitops.gates.result import GateResult
from modelops_gitops.plan.result import Approval, ChangeResult, Finding

APPROVALS_RULE = "approvals"  # the rule type whose findings carry the approvals that counted


def draft_entry(
    change: LedgerChange,
    intro: Introduction,
    pr: PullRequestRef,
    result: ChangeResult,
    policy_set_sha256: str,
) -> LedgerEntry:
    """The entry for `change`, merged at `intro.commit` through `pr`, allowed by `result`."""
    return LedgerEntry(
        seq=1,
        prev_hash="",
        time=intro.time,
        change=change,
        merge_commit=intro.commit,
        pr=pr,
        approvals=approvals(result.findings),
        policy_set_sha256=policy_set_sha256,
        rules=tuple(rule_outcome(f) for f in result.findings),
        gates=tuple(
            gate_summary(f.rule, gate) for f in result.findings if (gate := f.gate) is not None
        ),
    )


def approvals(findings: Iterable[Finding]) -> tuple[LedgerApproval, ...]:
    """Who approved: everyone counted by an approvals rule, once each, sorted by login.
    Logins compare case-insensitively (as GitHub's do); a person counted by several rules
    is listed with the union of their teams and their latest review."""
    people: dict[str, list[Approval]] = {}
    for finding in findings:
        if finding.rule_type == APPROVALS_RULE:
            for approval in finding.approvals:
                people.setdefault(approval.login.lower(), []).append(approval)
    return tuple(_one_person(people[key]) for key in sorted(people))


def _one_person(seen: list[Approval]) -> LedgerApproval:
    latest = max(seen, key=lambda a: (a.submitted_at, a.commit_id))
    teams = sorted({team for approval in seen for team in approval.teams})
    return LedgerApproval(
        login=latest.login,
        teams=tuple(teams),
        commit=latest.commit_id,
        submitted_at=latest.submitted_at,
    )


def rule_outcome(finding: Finding) -> RuleOutcome:
    return RuleOutcome(
        policy=finding.policy,
        rule=finding.rule,
        type=finding.rule_type,
        result=finding.result,
        waiver=finding.waiver,
        override=finding.override,
    )


def gate_summary(rule: str, gate: GateResult) -> GateSummary:
    return GateSummary(gate=gate.gate, rule=rule, status=gate.status, summary=gate.summary)
