"""Reading pull requests, their files and reviews, team membership, the PR of a commit."""

from __future__ import annotations

import re
from typing import Any

import github3.exceptions

from modelops_gitops.errors import ProviderError

from . import parse
from .connection import Connection, check_number
from .types import Approvals, HeadCommit, PullRequest, PullRequestFiles, Review

COMMITS_CAP = 250  # GitHub lists at most this many commits of a pull request


def _pull_json(conn: Connection, number: int) -> Any:
    action = f"read pull request #{check_number(number)} of {conn.repository}"
    return conn.get(conn.url("pulls", number), action)


def pull_request(conn: Connection, number: int) -> PullRequest:
    data = _pull_json(conn, number)
    with parse.shape(f"pull request #{number}"):
        return parse.pull_request(data)


def pull_request_files(conn: Connection, number: int) -> PullRequestFiles:
    """All files GitHub lists (paginated, up to its cap of 3,000); see `complete`."""
    pull = pull_request(conn, number)
    action = f"list the files of pull request #{number} of {conn.repository}"
    with parse.shape(f"the files of pull request #{number}"):
        files = tuple(
            parse.changed_file(f) for f in conn.items(conn.url("pulls", number, "files"), action)
        )
    return PullRequestFiles(number=number, files=files, changed_files=pull.changed_files)


def approvals(conn: Connection, number: int) -> Approvals:
    """The author, the head commit and every submitted review (oldest first)."""
    return approvals_of(conn, pull_request(conn, number))


def approvals_of(conn: Connection, pull: PullRequest) -> Approvals:
    """The approvals document of a pull request already read (one request fewer)."""
    number = pull.number
    action = f"list the reviews of pull request #{number} of {conn.repository}"
    reviews: list[Review] = []
    with parse.shape(f"the reviews of pull request #{number}"):
        for item in conn.items(conn.url("pulls", number, "reviews"), action):
            found = parse.review(item)
            if found is not None:
                reviews.append(found)
    reviews.sort(key=lambda r: r.submitted_at)  # stable: GitHub's order among equal times
    return Approvals(
        author=pull.author,
        head_sha=pull.head_sha,
        reviews=tuple(reviews),
        commits=head_commits(conn, pull),
        merged_at=pull.merged_at,
    )


def head_commits(conn: Connection, pull: PullRequest) -> tuple[HeadCommit, ...]:
    """Every commit of the pull request with its GitHub accounts: who pushed it cannot
    approve it. GitHub lists at most 250; past that the pushers are unknown, an error."""
    number = pull.number
    action = f"list the commits of pull request #{number} of {conn.repository}"
    with parse.shape(f"the commits of pull request #{number}"):
        found = tuple(
            parse.head_commit(c) for c in conn.items(conn.url("pulls", number, "commits"), action)
        )
    if len(found) < pull.commits:
        raise ProviderError(
            f"pull request #{number} has {pull.commits:,} commits but GitHub lists only "
            f"{len(found):,} (at most {COMMITS_CAP}): who pushed to it cannot be told, so its "
            "approvals cannot be judged; squash it or open a smaller pull request"
        )
    return found


def pull_request_for_commit(conn: Connection, sha: str) -> PullRequest | None:
    """The merged pull request that brought commit `sha` into the repository, if any."""
    if not sha or not all(c in "0123456789abcdefABCDEF" for c in sha):
        raise ProviderError(f"not a commit sha: {sha!r}")
    action = f"find the pull request of commit {sha[:12]} in {conn.repository}"
    pulls = list(conn.items(conn.url("commits", sha, "pulls"), action))
    with parse.shape(f"the pull requests of commit {sha[:12]}"):
        number = parse.chosen_pull(pulls, sha)
    return None if number is None else pull_request(conn, number)


_ORG = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_SLUG = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_LOGIN = _ORG


class Teams:
    """GitHub team membership through github3.py (organization -> team -> membership).

    Teams are looked up once per (org, slug). A missing team is an error rather than
    "nobody is a member": a typo in the teams file must not silently drop a rule's reviewers.
    Reading teams needs a token with organization `members: read` (Actions' GITHUB_TOKEN
    cannot; use a GitHub App or a fine-grained token)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._teams: dict[tuple[str, str], Any] = {}

    def is_member(self, org: str, team_slug: str, login: str) -> bool:
        if not _ORG.match(org) or not _SLUG.match(team_slug):
            raise ProviderError(f"not a GitHub organization/team: {org!r}/{team_slug!r}")
        if not _LOGIN.match(login):  # bots (name[bot]) and "ghost" are in no team
            return False
        team = self._team(org, team_slug)
        action = f"read {login!r}'s membership of GitHub team {org}/{team_slug}"
        with self._conn.mapped(action):
            try:
                membership = team.membership_for(login)
            except github3.exceptions.NotFoundError:
                return False
        return bool(membership) and membership.get("state") == "active"

    def _team(self, org: str, slug: str) -> Any:
        key = (org, slug)
        if key not in self._teams:
            with self._conn.mapped(f"read GitHub team {org}/{slug}"):
                organization = self._conn.gh.organization(org)
                self._teams[key] = organization.team_by_name(slug)
        return self._teams[key]
