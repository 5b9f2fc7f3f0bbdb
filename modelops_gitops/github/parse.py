"""GitHub's JSON -> our values. Pure functions.

We read answers ourselves rather than through github3.py's models because those raise a
bare TypeError on `user: null` (a deleted account, which GitHub's description allows on
pull requests, reviews, comments and issues). A deleted account reads as login "ghost",
the name GitHub shows for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from modelops_gitops.errors import ProviderError
from modelops_gitops.times import iso_utc

from .types import GHOST, ChangedFile, HeadCommit, PullRequest, Review

Json = Mapping[str, Any]


@contextmanager
def shape(what: str) -> Iterator[None]:
    """Turn a missing or mistyped field in an answer into a ProviderError."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ProviderError(
            f"GitHub's answer for {what} has an unexpected shape: {error!r}"
        ) from error


def login_of(user: Json | None) -> str:
    return GHOST if user is None else str(user["login"])


def utc_iso(timestamp: str) -> str:
    """Any ISO 8601 timestamp as UTC with a Z, to the second: 2024-05-01T12:00:00Z."""
    return iso_utc(datetime.fromisoformat(timestamp))


def pull_request(data: Json) -> PullRequest:
    merged = bool(data.get("merged", data.get("merged_at") is not None))
    return PullRequest(
        number=int(data["number"]),
        title=str(data["title"]),
        author=login_of(data["user"]),
        state=str(data["state"]),
        base_ref=str(data["base"]["ref"]),
        base_sha=str(data["base"]["sha"]),
        head_ref=str(data["head"]["ref"]),
        head_sha=str(data["head"]["sha"]),
        merged=merged,
        merge_commit_sha=data["merge_commit_sha"] if merged else None,
        changed_files=int(data.get("changed_files", 0)),
        html_url=str(data["html_url"]),
        merged_at=utc_iso(str(data["merged_at"])) if merged and data.get("merged_at") else None,
        commits=int(data.get("commits", 0)),
    )


def changed_file(data: Json) -> ChangedFile:
    previous = data.get("previous_filename")
    return ChangedFile(
        filename=str(data["filename"]),
        status=str(data["status"]),
        previous_filename=None if previous is None else str(previous),
    )


def review(data: Json) -> Review | None:
    """A submitted review, or None for a PENDING draft (it has no `submitted_at`)."""
    submitted = data.get("submitted_at")
    if submitted is None or data["state"] == "PENDING":
        return None
    return Review(
        login=login_of(data["user"]),
        state=str(data["state"]),
        commit_id=str(data.get("commit_id") or ""),  # null (commit gone): never the head
        submitted_at=utc_iso(str(submitted)),
        user_type="User" if data["user"] is None else str(data["user"].get("type", "User")),
    )


def head_commit(data: Json) -> HeadCommit:
    """A commit of a pull request; `author`/`committer` are GitHub accounts, null (or an
    empty object) when GitHub matched none to the commit's emails."""

    def account(user: Json | None) -> str | None:
        return str(user["login"]) if user and "login" in user else None

    return HeadCommit(
        sha=str(data["sha"]), author=account(data["author"]), committer=account(data["committer"])
    )


def chosen_pull(pulls: list[Json], sha: str) -> int | None:
    """The number of the merged pull request that brought commit `sha` in: the one merged
    as `sha` if any (merge, squash or the tip of a rebase), else the first merged one that
    contains it. None if no merged pull request holds it (a direct push)."""
    merged = [p for p in pulls if p.get("merged_at")]
    for candidate in merged:
        if candidate.get("merge_commit_sha") == sha:
            return int(candidate["number"])
    return int(merged[0]["number"]) if merged else None


def has_marker(data: Json, marker: str) -> bool:
    body = data.get("body")
    return isinstance(body, str) and marker in body
