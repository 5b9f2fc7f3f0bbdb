"""`plan`: what a PR changes, judged by the BASE's policies.

    refs -> (base tree, head tree) -> states (policies + touched models only) -> changes
         -> findings per change (base policies, approvals, gates) -> PlanResult

The PR's changes are the files the head changed since it left the base (their merge base, as
GitHub's "files changed"), so what the base gained meanwhile is not reported as reverted by
the PR; each such file is compared between the base as it stands and the head. Only those
files are read besides the governance documents, so a plan in a 10,000-model repository reads
a handful of files. The head must be valid (the same checks as `validate`): an invalid head
is bad input (exit 2), not a finding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from modelops_gitops import git
from modelops_gitops.audit.ledger import LEDGER_PATH, parse_ledger
from modelops_gitops.audit.replay import LedgerHistory
from modelops_gitops.errors import InputError
from modelops_gitops.git.tree import GitTree
from modelops_gitops.kinds import Teams
from modelops_gitops.plan.approvals import ApprovalsInput
from modelops_gitops.plan.diff import diff_states
from modelops_gitops.plan.pinned import is_document, pinned_findings
from modelops_gitops.plan.policy import evaluate_change, plan_findings, selects
from modelops_gitops.plan.result import Change, PlanResult, combine
from modelops_gitops.plan.rules.base import Context, GateRunner
from modelops_gitops.plan.trust import future_commits, uncovered
from modelops_gitops.repo.facts import cross_check
from modelops_gitops.repo.history import GitHistory, StageHistory
from modelops_gitops.repo.load import locate
from modelops_gitops.repo.references import facts_of
from modelops_gitops.repo.state import RepoState, load_state
from modelops_gitops.repo.tree import Tree, WorkTree, model_folder
from modelops_gitops.repo.yaml_locator import Locator

WORKTREE = "WORKTREE"


@dataclass(frozen=True)
class PlanRequest:
    root: Path
    base: str | None = None  # default: merge base of HEAD with the default branch
    head: str = "HEAD"  # or WORKTREE
    approvals: ApprovalsInput | None = None
    now: datetime | None = None
    gates: GateRunner | None = None
    history: StageHistory | None = None  # default: the ledger, else the git history, at base
    teams: Callable[[Teams], Teams] | None = None  # completes the base's teams (GitHub teams)
    clock: datetime | None = None  # the wall clock commit dates are held to; default: now
    dated: tuple[tuple[str, str, datetime], ...] = ()  # (what, commit, time) also held to it


def run_plan(request: PlanRequest, now: datetime) -> PlanResult:
    root = request.root
    head_ref = request.head
    head_sha = "" if head_ref == WORKTREE else git.resolve(root, head_ref)
    base_ref = request.base or default_base(root, head_sha or git.resolve(root, "HEAD"))
    base_sha = git.resolve(root, base_ref)
    fork = _fork_point(root, base_sha, head_sha)
    if head_ref == WORKTREE:
        changed = git.changes_since(root, fork)
    else:
        changed = git.changed_paths(root, fork, head_sha)
    touched = {name for p in changed if (name := model_folder(p)) is not None}
    with GitTree(root, base_sha) as base_tree:
        base = load_state(base_tree, models=touched)
        # what every base model pins, only when the PR changes files other than documents
        pinning = load_state(base_tree) if any(not is_document(p) for p in changed) else None
        if request.teams is not None and base.teams is not None:
            base = replace(base, teams=request.teams(base.teams))
        head_tree: Tree
        if head_ref == WORKTREE:
            head = load_state(WorkTree(root), models=touched)
        else:
            with GitTree(root, head_sha) as head_tree:
                head = load_state(head_tree, models=touched)
                _check_references(head, head_tree)
    if head_ref == WORKTREE:
        _check_references(head, WorkTree(root))
    history = request.history or stage_history(root, base_sha)
    ctx = Context(
        base=base,
        head=head,
        approvals=_for_head(request.approvals, head_sha),
        now=now,
        history=history,
        gates=request.gates,
    )
    locator = Locator(head, base)
    changes = [_placed(c, locator) for c in diff_states(base, head, changed, history)]
    results = [evaluate_change(change, ctx, locator) for change in changes]
    overall = plan_findings(changes, changed, ctx)
    dated = list(request.dated)
    if head_sha:
        dated.insert(0, ("head commit", head_sha, git.commit_time(root, head_sha)))
    overall += future_commits(dated, request.clock or now, base)
    covered = {
        i
        for i, change in enumerate(changes)
        if any(
            selects(p.spec.selector, change, ctx.risk_tiers(change)) for p in base.policies.values()
        )
    }
    overall += uncovered(changes, covered, base)
    if pinning is not None:
        overall += pinned_findings(pinning, head, changed, Locator(head, pinning))
    outcome = combine([r.result for r in results] + [f.result for f in overall])
    return PlanResult(
        result=outcome,
        base=base_ref,
        head=head_ref,
        base_sha=base_sha,
        head_sha=head_sha,
        policy_set_sha256=base.policy_set_sha256(),
        changes=tuple(results),
        findings=tuple(overall),
    )


def stage_history(root: Path, commit: str) -> StageHistory:
    """Who held each stage as of `commit`: the applied ledger there once apply has run, else
    the first-parent git history of the model files (history.py)."""
    raw = git.show_file(root, commit, LEDGER_PATH)
    return (
        LedgerHistory(parse_ledger(raw))
        if raw.strip()
        else GitHistory(git.LocalHistory(root), commit)
    )


def _for_head(approvals: ApprovalsInput | None, head_sha: str) -> ApprovalsInput | None:
    """Approvals are judged against the commit being planned, whatever head the approvals
    file was written for: reviews of any other commit are stale."""
    if approvals is None or not head_sha or approvals.head_sha == head_sha:
        return approvals
    return approvals.model_copy(update={"head_sha": head_sha})


def default_base(root: Path, head_sha: str) -> str:
    branch = git.default_branch(root)
    found = git.merge_base(root, git.resolve(root, branch), head_sha)
    if found is None:
        raise InputError(f"--base: {branch} and the head share no history; give --base REF")
    return found


def _fork_point(root: Path, base_sha: str, head_sha: str) -> str:
    """Where the head left the base (their merge base, as GitHub's "files changed"): what the
    base gained since is not the PR's change. The base itself when they share no history."""
    head = head_sha or git.head_commit(root)
    return (git.merge_base(root, base_sha, head) if head else None) or base_sha


def _placed(change: Change, locator: Locator) -> Change:
    line, column = locator.position(change.file, change.path) if change.file else (0, 0)
    return change.model_copy(update={"line": line, "column": column})


def _check_references(state: RepoState, tree: Tree) -> None:
    """The head's cross-document checks (owner teams, stages, waiver targets)."""
    facts = []
    for file, doc in state.documents():
        found, issues = facts_of(file, doc)
        facts.append(found)
        if issues:
            raise InputError(locate(file, state.raw[file], issues, 1 << 30))
    model_dirs = {model_folder(p) for p in tree.paths()}
    problems = []
    for file, issues in sorted(cross_check(facts, model_exists=model_dirs.__contains__).items()):
        problems += locate(file, state.raw[file], issues, 1 << 30)
    if problems:
        raise InputError(problems)
