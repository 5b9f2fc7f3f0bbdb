"""`apply` repairs deploy/: every file that drifted from what the ledger implies (edited,
deleted, or not written by any entry) is restored in the apply commit, each with a
`deploy.repaired` ledger entry saying what was found and what was restored.

    repairs(root, head, entries, state, targets, on_branch, writing) -> (sealed entries, files)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from modelops_gitops import git
from modelops_gitops.apply.deploy_state import Drift, drifts, expected, found_version
from modelops_gitops.apply.targets import DeployTarget
from modelops_gitops.audit.ledger import (
    REPAIRED,
    DeployRepair,
    LedgerChange,
    LedgerEntry,
    PullRequestRef,
    chain,
)
from modelops_gitops.digest import sha256_bytes
from modelops_gitops.repo.state import RepoState
from modelops_gitops.times import iso_utc


def repairs(
    root: Path,
    head: str,
    entries: Sequence[LedgerEntry],
    state: RepoState,
    targets: Sequence[DeployTarget],
    on_branch: Mapping[str, bytes],
    writing: Mapping[str, bytes | None],
) -> tuple[list[LedgerEntry], dict[str, bytes | None]]:
    """`on_branch`: deploy/ at HEAD; `writing`: what this run already writes there."""
    found = dict(on_branch)
    for path, data in writing.items():
        if data is None:
            found.pop(path, None)
        else:
            found[path] = data
    drifted = [d for d in drifts(expected(entries, state, targets), found) if d.where()]
    if not drifted:
        return [], {}
    when = iso_utc(git.commit_time(root, head))
    drafts = [_draft(d, head, when, state.policy_set_sha256()) for d in drifted]
    return chain(entries, drafts), {d.path: d.expected for d in drifted}


def _draft(drift: Drift, head: str, when: str, policy_set: str) -> LedgerEntry:
    where = drift.where()
    assert where is not None
    model, stage = where
    was = found_version(drift.found)
    to = drift.entry.change.to if drift.entry is not None and drift.expected else None
    change = LedgerChange.model_validate(
        {
            "kind": REPAIRED,
            "model": model,
            "stage": stage,
            "version": to or was or "",
            "from": was,
            "to": to,
        }
    )
    return LedgerEntry(
        seq=1,
        prev_hash="",
        time=when,
        change=change,
        merge_commit=head,
        pr=PullRequestRef(),
        policy_set_sha256=policy_set,
        repair=DeployRepair(
            path=drift.path,
            found_sha256=sha256_bytes(drift.found) if drift.found is not None else None,
            found_version=was,
            restored_sha256=sha256_bytes(drift.expected) if drift.expected is not None else None,
        ),
    )
