"""Reconcile: which differences between the ledger and HEAD may be applied, and why not.

    differences(applied, desired) -> per difference: the first-parent commit that introduced
    it (provenance, one history pass for all of them) -> the PR that commit merged (apply_sources) -> the PR re-checked with
    run_plan (base = the merge's first parent, head = the PR head, now = the merge time,
    history = the ledger so far) -> Accepted (with the plan's evidence) or Refused (why)

Pure apart from reading git and running gates: nothing is written here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from modelops_gitops import git
from modelops_gitops.apply.sources import Explained, PullRequests
from modelops_gitops.audit.ledger import LedgerChange, LedgerEntry, StageChangeKind
from modelops_gitops.audit.provenance import Introduction, introductions
from modelops_gitops.audit.replay import Difference, LedgerHistory, parse_time
from modelops_gitops.plan.planner import PlanRequest, run_plan
from modelops_gitops.plan.result import ChangeResult, Finding, PlanResult
from modelops_gitops.plan.rules.base import GateRunner
from modelops_gitops.repo.history import is_rollback
from modelops_gitops.repo.workspace import cache_dir

RefusalKind = Literal["unapproved-drift", "re-check-failed", "re-check-pending", "not-in-pr"]


@dataclass(frozen=True)
class Clock:
    """When the re-checks happen: `now` is the wall clock a merge's date is held to (read by
    the command, never here); `at`, in a dry-run rehearsal only, judges every merge as if it
    had merged then (and holds dates to it) instead of at its merge time."""

    now: datetime
    at: datetime | None = None


@dataclass(frozen=True)
class Accepted:
    change: LedgerChange
    intro: Introduction
    explained: Explained
    result: ChangeResult
    policy_set_sha256: str


@dataclass(frozen=True)
class Refused:
    difference: Difference
    commit: str  # the commit that introduced it ("" when none did)
    kind: RefusalKind
    reason: str
    findings: tuple[Finding, ...] = ()


Drafter = Callable[[Accepted], LedgerEntry]


def reconcile(
    root: Path,
    head: str,
    entries: Sequence[LedgerEntry],
    diffs: Sequence[Difference],
    pulls: PullRequests,
    gates: GateRunner | None,
    draft: Drafter,
    clock: Clock,
) -> tuple[list[Accepted], list[Refused]]:
    """Judge every difference, oldest introducing commit first. A change is re-checked with
    the ledger as it stood before its commit plus what this run accepted from older commits,
    so a staging promotion merged earlier counts for a production promotion merged later."""
    order = _first_parent_order(root, head)
    intro_of = introductions(git.LocalHistory(root), head, diffs, cache=cache_dir(root))
    found: list[tuple[int, Difference, Introduction | None]] = []
    for diff in diffs:
        intro = intro_of(diff)
        found.append((order.get(intro.commit, -1) if intro else -1, diff, intro))
    found.sort(key=lambda item: (item[0], item[1].model, item[1].stage))
    accepted: list[Accepted] = []
    refused: list[Refused] = []
    plans: dict[str, tuple[Explained | None, PlanResult | None]] = {}
    history_drafts: list[LedgerEntry] = []
    current_commit = ""
    for _, diff, intro in found:
        if intro is None or not intro.parents:
            refused.append(_drift(diff, intro))
            continue
        if intro.commit != current_commit:  # drafts of older commits join the history
            current_commit = intro.commit
            history = LedgerHistory([*entries, *history_drafts])
        if intro.commit not in plans:
            explained = pulls.explain(intro)
            plan = _recheck(root, intro, explained, gates, history, clock) if explained else None
            plans[intro.commit] = (explained, plan)
        explained, plan = plans[intro.commit]
        if explained is None or plan is None:
            refused.append(_drift(diff, intro))
            continue
        verdict = _judge(diff, intro, plan)
        if isinstance(verdict, Refused):
            refused.append(verdict)
            continue
        change = ledger_change(
            diff, LedgerHistory([*entries, *history_drafts]), judged=verdict.change.kind
        )
        item = Accepted(change, intro, explained, verdict, plan.policy_set_sha256)
        accepted.append(item)
        history_drafts.append(draft(item))
    return accepted, refused


def ledger_change(
    diff: Difference, history: LedgerHistory, *, judged: str | None = None
) -> LedgerChange:
    """from = the applied version, to = the desired one; a rollback as the re-check judged it
    (plan's step-back rule), else when `to` is a step back according to the ledger."""
    kind: StageChangeKind
    if diff.desired is None:
        kind = "stage.removed"
    elif judged in ("stage.rollback", "stage.promoted"):
        kind = "stage.rollback" if judged == "stage.rollback" else "stage.promoted"
    elif is_rollback(history, diff.model, diff.stage, diff.applied, diff.desired):
        kind = "stage.rollback"
    else:
        kind = "stage.promoted"
    return LedgerChange.model_validate(
        {
            "kind": kind,
            "model": diff.model,
            "stage": diff.stage,
            "version": diff.desired or diff.applied or "",
            "from": diff.applied,
            "to": diff.desired,
        }
    )


def _recheck(
    root: Path,
    intro: Introduction,
    explained: Explained,
    gates: GateRunner | None,
    history: LedgerHistory,
    clock: Clock,
) -> PlanResult:
    merged = parse_time(intro.time)
    request = PlanRequest(
        root=root,
        base=intro.base,
        head=explained.plan_head,
        approvals=explained.approvals,
        gates=gates,
        history=history,
        clock=clock.at or clock.now,
        dated=(("merge commit", intro.commit, merged),),
    )
    return run_plan(request, now=clock.at or merged)


def _judge(diff: Difference, intro: Introduction, plan: PlanResult) -> ChangeResult | Refused:
    """The plan's change for (model, stage), if it passes with the PR-level findings."""
    result = _change_in(plan, diff)
    if result is None:
        return Refused(
            diff,
            intro.commit,
            "not-in-pr",
            f"the pull request merged by {intro.commit[:12]} does not make this change "
            "(the merge commit itself does): not reviewed",
        )
    blocking = tuple(
        f for f in (*result.findings, *plan.findings) if f.result in ("fail", "pending")
    )
    if not blocking:
        return result
    failed = any(f.result == "fail" for f in blocking)
    what = "; ".join(f"{f.policy}/{f.rule}: {f.result}: {f.message}" for f in blocking)
    if any(f.rule_type == "approvals" and f.result == "pending" for f in blocking):
        what += f" ({_approvals_hint(intro)})"
    return Refused(
        diff,
        intro.commit,
        "re-check-failed" if failed else "re-check-pending",
        f"re-check of {intro.commit[:12]} did not pass: {what}",
        blocking,
    )


def _approvals_hint(intro: Introduction) -> str:
    """Where the approvals of a merge come from when it is tried locally."""
    head = intro.merged_head[:12] if intro.is_merge else "<PR head>"
    return (
        f"locally: modelops-gitops approvals --head {head} --approve LOGIN --out FILE, "
        "then apply --approvals FILE"
    )


def _change_in(plan: PlanResult, diff: Difference) -> ChangeResult | None:
    for result in plan.changes:
        change = result.change
        if change.model != diff.model:
            continue
        if change.kind.startswith("stage.") and change.stage == diff.stage:
            if change.to == diff.desired:
                return result
        elif change.kind == "model.deleted" and diff.desired is None:
            return result
    return None


def _drift(diff: Difference, intro: Introduction | None) -> Refused:
    versions = f"{diff.applied or '(none)'} -> {diff.desired or '(removed)'}"
    if intro is None:
        reason = f"no commit on the branch sets it ({versions})"
        return Refused(diff, "", "unapproved-drift", reason)
    return Refused(
        diff,
        intro.commit,
        "unapproved-drift",
        f"commit {intro.commit[:12]} changed it ({versions}) without a reviewed pull request "
        f"(no merged PR or approvals file explains it; {_approvals_hint(intro)})",
    )


def _first_parent_order(root: Path, head: str) -> Mapping[str, int]:
    return {sha: i for i, sha in enumerate(git.first_parent(root, head))}
