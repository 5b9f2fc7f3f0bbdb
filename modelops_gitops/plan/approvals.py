"""Approvals: which reviews count, for which teams, and what is still missing.

Input (`--approvals FILE`, or read from GitHub) has GitHub's shape:
    {"author": LOGIN, "head_sha": SHA,
     "reviews": [{"login", "state", "commit_id", "submitted_at"}]}
plus, for `apply` with local files, optional `number` and `title` (the PR's) and
`merge_commit` (the commit the PR became on the default branch: how a squash merge, a
single-parent commit, is told apart from a direct push).
Rules: only each person's latest APPROVED / CHANGES_REQUESTED / DISMISSED review counts
(a later COMMENTED review leaves an approval standing, as on GitHub); an approval of a commit
other than head_sha is stale unless the rule allows it; the author never counts; logins
compare case-insensitively; one person counts once, even when in two teams; a deleted
account (GitHub's `ghost`) never counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from modelops_gitops.errors import InputError
from modelops_gitops.kinds import Teams
from modelops_gitops.plan.result import Approval

GHOST = "ghost"  # GitHub's login for deleted accounts
ReviewState = Literal["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"]


class Review(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    login: str = Field(min_length=1)
    state: ReviewState
    commit_id: str = ""
    submitted_at: str = ""


class ApprovalsInput(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    author: str = Field(min_length=1)
    head_sha: str = Field(min_length=1)
    reviews: list[Review] = Field(default_factory=list)
    number: int | None = Field(default=None, ge=1)
    title: str = ""
    merge_commit: str = ""


def read_approvals(path: Path) -> ApprovalsInput:
    label = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError.at(label, "--approvals: no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", 0)
        col = getattr(exc, "colno", 0)
        raise InputError.at(label, f"not valid JSON: {exc}", line=line, column=col) from None
    try:
        return ApprovalsInput.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InputError.at(label, first["msg"], field=field) from None


@dataclass(frozen=True)
class Standing:
    """Each reviewer's standing after the rules: who counts, and why others do not."""

    valid: dict[str, Approval]  # lower-case login -> approval
    not_counted: dict[str, str]  # login -> reason


def standing(approvals: ApprovalsInput, teams: Teams | None, *, allow_stale: bool) -> Standing:
    latest: dict[str, Review] = {}
    for review in sorted(approvals.reviews, key=lambda r: r.submitted_at):
        if review.login.lower() == GHOST:
            continue  # a deleted account: nobody can be held to its approval
        if review.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[review.login.lower()] = review
    valid: dict[str, Approval] = {}
    not_counted: dict[str, str] = {}
    author = approvals.author.lower()
    for login, review in sorted(latest.items()):
        if review.state != "APPROVED":
            not_counted[review.login] = review.state.lower().replace("_", " ")
        elif login == author:
            not_counted[review.login] = "the author cannot approve their own change"
        elif review.commit_id != approvals.head_sha and not allow_stale:
            not_counted[review.login] = (
                f"stale: approved {review.commit_id[:7] or '?'}, head is {approvals.head_sha[:7]}"
            )
        else:
            member_of = tuple(teams.spec.teams_of(login)) if teams else ()
            valid[login] = Approval(
                login=review.login,
                teams=member_of,
                commit_id=review.commit_id,
                submitted_at=review.submitted_at,
            )
    return Standing(valid=valid, not_counted=not_counted)


def count_for(standing_: Standing, teams: list[str]) -> list[Approval]:
    """Approvals from members of any of `teams` (any non-author approver when empty)."""
    return [a for a in standing_.valid.values() if not teams or set(a.teams) & set(teams)]


def match_each_team(
    standing_: Standing, teams: list[str], per_team: int
) -> dict[str, list[Approval]]:
    """Assign distinct approvers to teams (each needs `per_team`), one person counting once:
    a maximum bipartite matching by augmenting paths (the sets are tiny)."""
    slots = [(team, i) for team in teams for i in range(per_team)]
    owner: dict[str, tuple[str, int]] = {}  # login -> slot

    def assign(slot: tuple[str, int], seen: set[str]) -> bool:
        for login, approval in standing_.valid.items():
            if slot[0] in approval.teams and login not in seen:
                seen.add(login)
                if login not in owner or assign(owner[login], seen):
                    owner[login] = slot
                    return True
        return False

    for slot in slots:
        assign(slot, set())
    out: dict[str, list[Approval]] = {team: [] for team in teams}
    for login, (team, _) in sorted(owner.items()):
        out[team].append(standing_.valid[login])
    return out
