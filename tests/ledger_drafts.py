"""Unsealed ledger entries for tests (ledger, plan, dashboard), sealed with ledger.chain()."""

from __future__ import annotations

from modelops_gitops.audit.ledger import (
    GateSummary,
    LedgerApproval,
    LedgerChange,
    LedgerEntry,
    PullRequestRef,
    ReportRef,
)


def draft(
    model: str,
    stage: str,
    to: str | None,
    frm: str | None = None,
    *,
    time: str,
    kind: str | None = None,
    gates: tuple[tuple[str, str], ...] = (),
    reports: tuple[ReportRef, ...] = (),
    number: int | None = 7,
    merge_commit: str = "a" * 40,
) -> LedgerEntry:
    """An unsealed entry: (gate, status) pairs become gate summaries."""
    kind = kind or ("stage.removed" if to is None else "stage.promoted")
    return LedgerEntry.model_validate(
        {
            "seq": 1,
            "prev_hash": "",
            "time": time,
            "change": LedgerChange.model_validate(
                {
                    "kind": kind,
                    "model": model,
                    "stage": stage,
                    "version": to or frm or "",
                    "from": frm,
                    "to": to,
                }
            ),
            "merge_commit": merge_commit,
            "pr": PullRequestRef(
                number=number, title=f"{model} {stage}", author="jonas-credit", head_sha="c" * 40
            ),
            "approvals": (
                LedgerApproval(
                    login="henrik-mrm",
                    teams=("model-risk",),
                    commit="c" * 40,
                    submitted_at="2024-01-01T00:00:00Z",
                ),
            ),
            "policy_set_sha256": "b" * 64,
            "gates": tuple(
                GateSummary(
                    gate=gate, rule=f"{gate}-rule", status=status, summary=f"{gate} {status}"
                )
                for gate, status in gates
            ),
            "reports": reports,
        }
    )
