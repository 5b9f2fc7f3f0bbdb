"""Put things into the emulated GitHub the way they would have got there on github.com."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from .state import Comment, FileChange, GitHubState, Issue, Pull, Repo, Review, Team


def sha_of(text: str) -> str:
    """A stable fake commit id."""
    return hashlib.sha1(text.encode()).hexdigest()


class Seeder:
    """Seeds one repository (`owner/name`) and the organizations around it."""

    def __init__(self, state: GitHubState, repository: str) -> None:
        self.state = state
        self.repo: Repo = state.repo(repository)

    def pull(
        self,
        number: int | None = None,
        *,
        title: str = "Promote fraud-scorer 1.2.0 to production",
        author: str | None = "alice",
        body: str | None = "Promotion proposed by modelops-gitops.",
        head_ref: str = "promote-fraud-scorer",
        base_ref: str = "main",
        head_sha: str | None = None,
        base_sha: str | None = None,
        files: Iterable[str | FileChange] = ("models/fraud-scorer/model.yaml",),
        merged_as: str | None = None,
        commits: Iterable[str] = (),
    ) -> Pull:
        """A pull request; `merged_as` merges it with that merge commit sha."""
        with self.state.lock:
            number = number or self.state.next_number(self.repo)
            now = self.state.now()
            issue = Issue(number, self.state.next_id(), title, body, author, now, now)
            head = head_sha or sha_of(f"head-{number}")
            changes = [f if isinstance(f, FileChange) else FileChange(f) for f in files]
            pull = Pull(
                issue=issue,
                id=self.state.next_id(),
                head_sha=head,
                base_sha=base_sha or sha_of(f"base-{number}"),
                head_ref=head_ref,
                base_ref=base_ref,
                files=changes,
                commits=[*commits, head],
            )
            if merged_as is not None:
                pull.merged_at = issue.closed_at = self.state.now()
                pull.merge_commit_sha = merged_as
                issue.state = "closed"
            self.repo.issues[number] = issue
            self.repo.pulls[number] = pull
            self.repo.refs[f"heads/{head_ref}"] = head
            return pull

    def push(
        self, pull: Pull, sha: str, *, author: str | None, committer: str | None = None
    ) -> None:
        """A commit of the PR attributed to GitHub accounts (None: no account matches)."""
        with self.state.lock:
            for login in (author, committer):
                if login is not None:
                    self.state.user(login)
            if sha not in pull.commits:
                pull.commits.insert(len(pull.commits) - 1, sha)
            pull.pushed_by[sha] = (author, committer if committer is not None else author)

    def review(
        self,
        pull: Pull,
        login: str | None,
        state: str = "APPROVED",
        *,
        commit_id: str | None = None,
        submitted_at: str | None = None,
    ) -> Review:
        """A submitted review (PENDING ones have no `submitted_at`); `login=None` is a ghost."""
        with self.state.lock:
            if login is not None:
                self.state.user(login)
            when = None if state == "PENDING" else submitted_at or self.state.now()
            review = Review(
                self.state.next_id(), login, state, commit_id or pull.head_sha, when, body=""
            )
            pull.reviews.append(review)
            return review

    def comment(self, number: int, body: str, login: str | None = "carol") -> Comment:
        with self.state.lock:
            now = self.state.now()
            item = Comment(self.state.next_id(), number, login, body, now, now)
            self.repo.comments[item.id] = item
            return item

    def issue(
        self,
        title: str,
        body: str | None = None,
        *,
        labels: Iterable[str] = (),
        login: str | None = "dave",
        state: str = "open",
    ) -> Issue:
        with self.state.lock:
            now = self.state.now()
            number = self.state.next_number(self.repo)
            item = Issue(number, self.state.next_id(), title, body, login, now, now)
            item.labels = list(labels)
            if state == "closed":
                item.state, item.state_reason, item.closed_at = "closed", "completed", now
            self.repo.issues[number] = item
            return item

    def team(self, org: str, slug: str, members: Iterable[str] | Mapping[str, str] = ()) -> Team:
        """A team; `members` are logins (active) or a login -> "active"/"pending" map."""
        with self.state.lock:
            self.state.org(org)
            states = (
                dict(members) if isinstance(members, Mapping) else dict.fromkeys(members, "active")
            )
            for login in states:
                self.state.user(login)
            found = Team(self.state.next_id(), org, slug, slug.replace("-", " ").title(), states)
            self.state.teams[(org, slug)] = found
            return found
