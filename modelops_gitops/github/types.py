"""Plain values the GitHub edge returns. No github3.py object ever leaves the package."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from modelops_gitops.errors import ProviderError

StatusState = Literal["success", "failure", "pending", "error"]
AnnotationLevel = Literal["notice", "warning", "failure"]
CheckConclusion = Literal["success", "failure", "neutral", "action_required"]
CommentAction = Literal["created", "updated", "unchanged"]
IssueAction = Literal["opened", "updated", "reopened", "closed"]

GHOST = "ghost"  # the login GitHub shows for deleted accounts (the API sends `user: null`)
FILES_CAP = 3000  # GitHub lists at most this many files of a pull request


@dataclass(frozen=True)
class PullRequest:
    number: int
    title: str
    author: str
    state: str  # "open" | "closed"
    base_ref: str
    base_sha: str
    head_ref: str
    head_sha: str
    merged: bool
    merge_commit_sha: str | None  # only once merged (GitHub's test-merge sha is dropped)
    changed_files: int
    html_url: str
    merged_at: str | None = None  # ISO 8601 UTC, once merged
    commits: int = 0  # how many commits GitHub counts in the pull request


@dataclass(frozen=True)
class ChangedFile:
    filename: str
    status: str  # added | removed | modified | renamed | copied | changed | unchanged
    previous_filename: str | None = None


@dataclass(frozen=True)
class PullRequestFiles:
    """The files GitHub lists for a pull request. GitHub stops at 3,000 files while
    `changed_files` counts them all: then `complete` is false, and the authoritative list
    is `git diff --name-status base...head` (the plan reads both trees from git anyway)."""

    number: int
    files: tuple[ChangedFile, ...]
    changed_files: int

    @property
    def complete(self) -> bool:
        return len(self.files) >= self.changed_files

    def require_complete(self) -> PullRequestFiles:
        if not self.complete:
            raise ProviderError(
                f"pull request #{self.number} changes {self.changed_files:,} files but GitHub "
                f"lists only the first {len(self.files):,}; compare base...head with git instead"
            )
        return self


@dataclass(frozen=True)
class Review:
    login: str  # GHOST for a deleted account
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED
    commit_id: str  # "" when GitHub no longer knows the commit (null in the API)
    submitted_at: str  # ISO 8601 UTC, e.g. 2024-05-01T12:00:00Z
    user_type: str = "User"  # GitHub's account type: User, Bot, Organization

    def as_json(self) -> dict[str, Any]:
        return {
            "login": self.login,
            "state": self.state,
            "commit_id": self.commit_id,
            "submitted_at": self.submitted_at,
            "user_type": self.user_type,
        }


@dataclass(frozen=True)
class HeadCommit:
    """A commit of a pull request and the GitHub accounts it is attributed to (None when
    GitHub matches no account to its author or committer email)."""

    sha: str
    author: str | None
    committer: str | None

    def as_json(self) -> dict[str, Any]:
        return {"sha": self.sha, "author": self.author, "committer": self.committer}


@dataclass(frozen=True)
class Approvals:
    """Every submitted review of a pull request, oldest first, as GitHub reports them.
    Judging them (stale, self-approval, latest state per person) is the plan engine's job."""

    author: str
    head_sha: str
    reviews: tuple[Review, ...]
    commits: tuple[HeadCommit, ...] = ()
    merged_at: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "author": self.author,
            "head_sha": self.head_sha,
            "reviews": [review.as_json() for review in self.reviews],
            "commits": [commit.as_json() for commit in self.commits],
        }
        if self.merged_at:
            out["merged_at"] = self.merged_at
        return out


@dataclass(frozen=True)
class CommentResult:
    id: int
    html_url: str
    action: CommentAction
    truncated: bool


@dataclass(frozen=True)
class Annotation:
    path: str
    start_line: int
    end_line: int
    level: AnnotationLevel
    message: str
    title: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "start_line": max(self.start_line, 1),
            "end_line": max(self.end_line, self.start_line, 1),
            "annotation_level": self.level,
            "message": self.message,
        }
        if self.title:
            out["title"] = self.title[:255]
        return out


@dataclass(frozen=True)
class CheckRunResult:
    id: int
    html_url: str | None
    annotations: int


@dataclass(frozen=True)
class MonitorIssue:
    number: int
    html_url: str
    action: IssueAction


@dataclass(frozen=True)
class Proposal:
    """A pull request the tool proposed, and what this run did to it: opened, updated,
    closed, or left as a person left it ("left closed", "left merged")."""

    number: int
    html_url: str
    action: str
