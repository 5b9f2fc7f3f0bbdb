"""What every renderer shares: one order, one title per change, one summary line, symbols.

Every format reads the same `PlanResult` through these helpers, so text, markdown, JSON,
SARIF and JUnit agree on order and wording. Order is total and independent of the order the
planner produced: changes by (file, line, key); findings by (policy, rule, file, line,
column, message), or worst first (`by_severity`) for the formats people read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from modelops_gitops.plan.result import (
    Change,
    ChangeResult,
    Finding,
    FindingResult,
    Outcome,
    PlanResult,
)

RESULT_RANK: dict[str, int] = {"fail": 0, "pending": 1, "warn": 2, "waived": 3, "pass": 4}
SYMBOLS: dict[str, str] = {"pass": "✓", "fail": "✗", "warn": "!", "pending": "…", "waived": "~"}
OUTCOME_ORDER: tuple[Outcome, ...] = ("pass", "fail", "pending")
REPORTED: frozenset[FindingResult] = frozenset({"fail", "warn", "pending"})
PLAN_KEY = "plan"  # the change key of plan-level findings (SARIF fingerprints, JUnit suite)


def changes(result: PlanResult) -> list[ChangeResult]:
    """The changes in their one stable order."""
    return sorted(
        result.changes, key=lambda c: (c.change.file, c.change.line, change_key(c.change))
    )


def findings(items: Iterable[Finding], *, by_severity: bool = False) -> list[Finding]:
    """Findings in a stable order; `by_severity` puts failures first, passes last."""

    def key(f: Finding) -> tuple[int, str, str, str, int, int, str]:
        rank = RESULT_RANK[f.result] if by_severity else 0
        return (rank, f.policy, f.rule, f.file, f.line, f.column, f.message)

    return sorted(items, key=key)


def change_key(change: Change) -> str:
    """`Change.key` (unique: a change without a model is named by its file)."""
    return change.key


def rule_id(finding: Finding) -> str:
    """`policy/rule`: the id SARIF, JUnit and the tables use."""
    return f"{finding.policy}/{finding.rule}"


def title(change: Change) -> str:
    """One line naming a change, e.g. `stage.promoted credit production: 1.1.0 → 1.2.0`."""
    subject = change.model or change.file or "repository"
    if change.kind.startswith("stage."):
        detail = f"{change.stage or '?'}: {change.from_ or '—'} → {change.to or '—'}"
    elif change.version:
        detail = change.version
    else:
        detail = ""
    return " ".join(part for part in (change.kind, subject, detail) if part)


def pending_reasons(items: Iterable[Finding]) -> list[str]:
    """The rule types holding findings back, e.g. ["approvals"]."""
    return sorted({f.rule_type for f in items if f.result == "pending"})


def outcome_label(outcome: str, items: Iterable[Finding]) -> str:
    """`pending (approvals)` for a pending outcome, else the outcome itself."""
    reasons = pending_reasons(items) if outcome == "pending" else []
    return f"{outcome} ({', '.join(reasons)})" if reasons else outcome


def counts(result: PlanResult) -> str:
    """`2 changes — 1 pass, 1 pending (approvals)` (plus plan-level findings that matter)."""
    items = result.changes
    noun = "change" if len(items) == 1 else "changes"
    tally = Counter(c.result for c in items)
    parts = []
    for outcome in OUTCOME_ORDER:
        if tally[outcome]:
            pending = [f for c in items if c.result == outcome for f in c.findings]
            parts.append(f"{tally[outcome]} {outcome_label(outcome, pending)}")
    text = f"{len(items)} {noun} — {', '.join(parts)}" if items else "no changes"
    notable = Counter(f.result for f in result.findings if f.result in REPORTED)
    if notable:
        order: tuple[FindingResult, ...] = ("fail", "pending", "warn")
        shown = ", ".join(f"{notable[r]} {r}" for r in order if notable[r])
        text += f"; pull request: {shown}"
    return text


def summary(result: PlanResult) -> str:
    """The first line of the human formats: `plan: 2 changes — 1 pass, 1 pending (approvals)`."""
    return f"plan: {counts(result)}"


def refs(result: PlanResult, name: Callable[[str], str] = str) -> str:
    """`base main (1a2b3c4d5e6f) → head feature (…) · policy set …`; `name` formats each value."""

    def ref(label: str, value: str, sha: str) -> str:
        return f"{label} {name(value)}" + (f" ({name(sha[:12])})" if sha else "")

    text = ref("base", result.base, result.base_sha) + " → "
    text += ref("head", result.head, result.head_sha)
    if result.policy_set_sha256:
        text += f" · policy set {name(result.policy_set_sha256[:12])}"
    return text
