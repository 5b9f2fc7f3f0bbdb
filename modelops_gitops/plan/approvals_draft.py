"""Drafting an approvals file: the reviews a person names, in the exact shape `plan
--approvals` and `apply --approvals` read (plan/approvals.py), checked by that same reader.

    reviews    `--approve LOGIN[@COMMIT]`, `--request-changes LOGIN[@COMMIT]`: one review each,
               of the head unless another commit is named (an approval of an older commit is
               stale), all submitted at one time (a person gives one review), by default the
               head commit's: never after a merge of it, so they count at apply
    commits    the pull request's commits, attributed to its author (as GitHub attributes
               commits the author pushed); whoever else pushed is not known locally
    merged_at / merge_commit   only when a merge is named (a squash merge needs it)

Pure: commits are resolved and teams loaded by the command; nothing here reads git.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from modelops_gitops.errors import InputError
from modelops_gitops.kinds import Teams
from modelops_gitops.plan.approvals import ApprovalsInput, Login, ReviewState
from modelops_gitops.problems import Problem
from modelops_gitops.suggest import did_you_mean
from modelops_gitops.times import iso_utc

_LOGIN: TypeAdapter[str] = TypeAdapter(Login)


@dataclass(frozen=True)
class Named:
    """One review as given: the flag it came from, the login and the commit it reviewed."""

    flag: str  # --approve / --request-changes
    login: str
    state: ReviewState
    commit: str  # full sha


@dataclass(frozen=True)
class Merge:
    commit: str
    time: datetime


def split_login(value: str) -> tuple[str, str | None]:
    """'alice' -> ('alice', None); 'alice@HEAD~1' -> ('alice', 'HEAD~1') (a login has no @)."""
    login, sep, ref = value.partition("@")
    return login, (ref if sep else None)


def check_login(flag: str, login: str) -> str:
    try:
        return _LOGIN.validate_python(login)
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise InputError(f"{flag}: {message}") from None


def check_reviewers(reviews: Sequence[Named], teams: Teams | None, teams_file: str) -> list[str]:
    """Refuse a login that looks like a typo of a team member (exit 2, 'did you mean');
    return notes for logins in no team (they count only where a rule takes any reviewer)."""
    members = sorted({m for team in (teams.spec.teams if teams else []) for m in team.members})
    known = {m.lower() for m in members}
    seen: dict[str, str] = {}
    problems: list[Problem] = []
    notes: list[str] = []
    for review in reviews:
        key = review.login.lower()
        if key in seen and seen[key] != review.flag:
            problems.append(
                _problem("", review.flag, f"{review.login!r} is also given to {seen[key]}")
            )
        seen.setdefault(key, review.flag)
        if key in known or not members:
            continue
        hint = did_you_mean(review.login, members)
        if "did you mean" in hint:
            problems.append(
                _problem(teams_file, review.flag, f"{review.login!r} is in no team{hint}")
            )
        else:
            notes.append(
                f"note: {review.login} is in no team of {teams_file}: the review counts only "
                "where a rule accepts any reviewer"
            )
    if problems:
        raise InputError(problems)
    return notes


def _problem(file: str, flag: str, message: str) -> Problem:
    if not file:  # a problem without a file shows its message only: the flag goes in it
        return Problem(file="", line=0, column=0, field="", message=f"{flag}: {message}")
    return Problem(file=file, line=0, column=0, field=flag, message=message)


def draft(
    *,
    author: str,
    head: str,
    reviews: Sequence[Named],
    commits: Sequence[str],
    submitted: datetime,
    merge: Merge | None = None,
    number: int | None = None,
    title: str = "",
) -> dict[str, Any]:
    """The approvals file as JSON data, validated by the reader plan and apply use."""
    data: dict[str, Any] = {
        "author": author,
        "head_sha": head,
        "reviews": [
            {
                "login": review.login,
                "state": review.state,
                "commit_id": review.commit,
                "submitted_at": iso_utc(submitted),
                "user_type": "User",
            }
            for review in reviews
        ],
        "commits": [{"sha": sha, "author": author, "committer": author} for sha in commits],
    }
    if merge is not None:
        data |= {"merge_commit": merge.commit, "merged_at": iso_utc(merge.time)}
    if number is not None:
        data["number"] = number
    if title:
        data["title"] = title
    ApprovalsInput.model_validate(data)  # what plan/apply will read: it must read it
    return data
