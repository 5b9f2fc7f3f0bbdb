"""What the emulated GitHub knows: users, repositories, pull requests, reviews, comments,
issues, statuses, check runs, refs, teams. Tests seed it directly and read it back.

`None` as a login stands for a deleted account: GitHub then sends `user: null`.
Timestamps come from a counter (one second per event from 2024-01-01), not the wall clock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass
class User:
    login: str
    id: int
    type: str = "User"


@dataclass
class FileChange:
    filename: str
    status: str = "modified"
    additions: int = 1
    deletions: int = 0
    previous_filename: str | None = None


@dataclass
class Review:
    id: int
    login: str | None
    state: str
    commit_id: str | None
    submitted_at: str | None
    body: str = ""


@dataclass
class Comment:
    id: int
    issue_number: int
    login: str | None
    body: str
    created_at: str
    updated_at: str


@dataclass
class Issue:
    """An issue, or the issue half of a pull request (they share one number space)."""

    number: int
    id: int
    title: str
    body: str | None
    login: str | None
    created_at: str
    updated_at: str
    state: str = "open"
    state_reason: str | None = None
    closed_at: str | None = None
    labels: list[str] = field(default_factory=list)


@dataclass
class Pull:
    issue: Issue
    id: int
    head_sha: str
    base_sha: str
    head_ref: str
    base_ref: str
    files: list[FileChange] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    commits: list[str] = field(default_factory=list)
    # sha -> (author login, committer login) of the GitHub accounts a commit is attributed
    # to; a commit not listed is the PR author's
    pushed_by: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    merged_at: str | None = None
    merge_commit_sha: str | None = None

    @property
    def number(self) -> int:
        return self.issue.number


@dataclass
class Status:
    id: int
    sha: str
    state: str
    context: str
    description: str | None
    target_url: str | None
    login: str
    created_at: str


@dataclass
class CheckRun:
    id: int
    name: str
    head_sha: str
    status: str
    conclusion: str | None
    output: dict[str, Any]
    annotations: list[dict[str, Any]]
    details_url: str | None
    started_at: str
    completed_at: str | None


@dataclass
class Repo:
    owner: str
    name: str
    id: int
    default_branch: str = "main"
    refs: dict[str, str] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    pulls: dict[int, Pull] = field(default_factory=dict)
    comments: dict[int, Comment] = field(default_factory=dict)
    statuses: list[Status] = field(default_factory=list)
    check_runs: dict[int, CheckRun] = field(default_factory=dict)
    # the bare repository a test pushes to, when it links one: branches resolve there
    git_dir: Path | None = None

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def comments_on(self, number: int) -> list[Comment]:
        return [c for c in self.comments.values() if c.issue_number == number]

    def pulls_with_commit(self, sha: str) -> list[Pull]:
        return [p for p in self.pulls.values() if sha in {*p.commits, p.merge_commit_sha}]


@dataclass
class Team:
    id: int
    org: str
    slug: str
    name: str
    members: dict[str, str] = field(default_factory=dict)  # login -> "active" | "pending"


@dataclass
class GitHubState:
    """The whole emulated world. Mutate it through the methods (they take the lock)."""

    viewer: str = "modelops-bot"
    tokens: set[str] = field(default_factory=set)  # if not empty, only these are accepted
    users: dict[str, User] = field(default_factory=dict)
    repos: dict[str, Repo] = field(default_factory=dict)
    orgs: dict[str, int] = field(default_factory=dict)
    teams: dict[tuple[str, str], Team] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _ids: int = 1000
    _ticks: int = 0

    def next_id(self) -> int:
        with self.lock:
            self._ids += 1
            return self._ids

    def now(self) -> str:
        with self.lock:
            self._ticks += 1
            return (EPOCH + timedelta(seconds=self._ticks)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def user(self, login: str, type: str = "User") -> User:
        with self.lock:
            if login not in self.users:
                self.users[login] = User(login, self.next_id(), type)
            return self.users[login]

    def org(self, login: str) -> int:
        with self.lock:
            return self.orgs.setdefault(login, self.next_id())

    def repo(self, full_name: str) -> Repo:
        owner, name = full_name.split("/")
        with self.lock:
            if full_name not in self.repos:
                self.user(owner, "Organization")
                self.repos[full_name] = Repo(owner, name, self.next_id())
            return self.repos[full_name]

    def next_number(self, repo: Repo) -> int:
        return max([0, *repo.issues]) + 1
