"""Which pull request a commit on the default branch came from, with its reviews.

    LocalApprovals(files)   `apply --approvals FILE` (repeatable), the plan's format plus the
                            optional `number`, `title`, `merge_commit`
    GitHubPulls(provider)   GitHub: the merged PR whose merge commit is the commit

A merge commit (two parents) belongs to the approvals file whose `head_sha` is its second
parent (the PR head it merged), or that names it as `merge_commit`. A single-parent commit
(squash or rebase merge, or a direct push) is a PR's only when a file names it as
`merge_commit` or GitHub says so: otherwise it was pushed without review.

Reviews submitted after the merge never count: they approved nothing that merged. The merge
time is GitHub's `merged_at` (or the approvals file's), else the time of the commit that
brought the change in.

`Explained.plan_head` is the commit the approvals are judged against: the PR head when it is
in the clone. A squash merge whose PR head is not (GitHub keeps it under refs/pull/N/head,
which clones do not fetch) is judged as the squash commit, its content, and reviews of the
PR head count as reviews of it: a squash commit is the PR head's change on the base.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from modelops_gitops import git
from modelops_gitops.audit.ledger import PullRequestRef
from modelops_gitops.audit.provenance import Introduction
from modelops_gitops.errors import GitRefError
from modelops_gitops.plan.approvals import ApprovalsInput

if TYPE_CHECKING:
    from modelops_gitops.github.provider import GitHubProvider


@dataclass(frozen=True)
class Explained:
    pr: PullRequestRef
    approvals: ApprovalsInput
    plan_head: str


class PullRequests(Protocol):
    def explain(self, intro: Introduction) -> Explained | None:
        """The reviewed PR `intro.commit` merged, or None (no PR is known for it)."""
        ...


@dataclass(frozen=True)
class NoPullRequests:
    """Neither --approvals nor GitHub: nothing is explained."""

    def explain(self, intro: Introduction) -> Explained | None:
        return None


@dataclass(frozen=True)
class LocalApprovals:
    root: Path
    files: Sequence[ApprovalsInput]

    def explain(self, intro: Introduction) -> Explained | None:
        for approvals in self.files:
            named = approvals.merge_commit and _same(approvals.merge_commit, intro.commit)
            merged = intro.is_merge and _same(approvals.head_sha, intro.merged_head)
            if named or merged:
                pr = PullRequestRef(
                    number=approvals.number,
                    title=approvals.title,
                    author=approvals.author,
                    head_sha=approvals.head_sha,
                )
                return _explained(self.root, intro, pr, approvals)
        return None


@dataclass(frozen=True)
class GitHubPulls:
    root: Path
    provider: GitHubProvider

    def explain(self, intro: Introduction) -> Explained | None:
        pull = self.provider.pull_request_for_commit(intro.commit)
        if pull is None or not pull.merged or pull.merge_commit_sha != intro.commit:
            return None
        approvals = ApprovalsInput.model_validate(self.provider.approvals_of(pull).as_json())
        pr = PullRequestRef(
            number=pull.number, title=pull.title, author=pull.author, head_sha=pull.head_sha
        )
        return _explained(self.root, intro, pr, approvals)


def _explained(
    root: Path, intro: Introduction, pr: PullRequestRef, approvals: ApprovalsInput
) -> Explained:
    if not approvals.merged_at and intro.time:
        approvals = approvals.model_copy(update={"merged_at": intro.time})
    approvals = approvals.before_merge()
    if intro.is_merge:  # what was merged is what is judged, whatever head the PR names
        return Explained(pr, approvals, intro.merged_head)
    head = _local_commit(root, approvals.head_sha)
    if head is not None:
        return Explained(pr, approvals, head)
    reviews = [
        r.model_copy(update={"commit_id": intro.commit}) if _same(r.commit_id, pr.head_sha) else r
        for r in approvals.reviews
    ]
    retargeted = approvals.model_copy(update={"head_sha": intro.commit, "reviews": reviews})
    return Explained(pr, retargeted, intro.commit)


def _local_commit(root: Path, sha: str) -> str | None:
    try:
        return git.resolve(root, sha)
    except GitRefError:
        return None


def _same(a: str, b: str) -> bool:
    """Full shas, compared exactly (an abbreviation could name another commit)."""
    return bool(a) and a.lower() == b.lower()
