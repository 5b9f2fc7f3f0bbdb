"""Approvals: which reviews count, for which teams, and what is still missing.

Input (`--approvals FILE`, or read from GitHub) has GitHub's shape:
    {"author": LOGIN, "head_sha": SHA,
     "reviews": [{"login", "state", "commit_id", "submitted_at", "user_type"?}],
     "commits": [{"sha", "author", "committer"}]?,     # the PR's commits, GitHub logins
     "merged_at": TIME?}
plus, for `apply` with local files, optional `number` and `title` (the PR's) and
`merge_commit` (the commit the PR became on the default branch: how a squash merge, a
single-parent commit, is told apart from a direct push). `user_type`, `commits` and
`merged_at` are optional: files written before they existed are still read.

Rules: only each person's latest APPROVED / CHANGES_REQUESTED / DISMISSED review counts
(a later COMMENTED review leaves an approval standing, as on GitHub), latest by TIME (times
are parsed, any offset, never compared as text); an approval of a commit other than
head_sha is stale unless the rule allows it; the author never counts; whoever authored or
committed a commit of the head never counts unless the rule allows it (`allow_pushers`, as
GitHub's "approval of the most recent reviewable push"); bots never count (GitHub account
type Bot or a `[bot]` login); a deleted account (GitHub's `ghost`) never counts; one person
counts once, even when in two teams; reviews submitted after `merged_at` never count.
Logins compare the way GitHub compares them: ASCII, case-insensitive. A login holding any
other character (the Kelvin sign U+212A for K) is refused at input, never folded into an ASCII one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from modelops_gitops.errors import InputError
from modelops_gitops.kinds import Teams
from modelops_gitops.plan.result import Approval
from modelops_gitops.times import iso_utc

GHOST = "ghost"  # GitHub's login for deleted accounts
BOT_SUFFIX = "[bot]"
ReviewState = Literal["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"]
_NEVER = datetime.min.replace(tzinfo=UTC)


def _ascii_login(value: str) -> str:
    if not value.isascii() or not value.isprintable() or any(c.isspace() for c in value):
        raise ValueError(
            f"{value!r} is not a GitHub login: logins are ASCII letters, digits and '-' "
            "(GitHub compares them case-insensitively in ASCII; lookalike characters are refused)"
        )
    return value


def _utc_time(value: str) -> str:
    """An ISO 8601 time with an offset, as UTC with a Z; "" stays "" (older files)."""
    if not value:
        return value
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset: write Z or +HH:MM")
    return iso_utc(moment)


Login = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_ascii_login)]
Time = Annotated[str, AfterValidator(_utc_time)]


def same_login(a: str, b: str) -> bool:
    """GitHub's comparison: ASCII case-insensitive (logins are checked ASCII at input)."""
    return a.lower() == b.lower()


def is_bot(login: str, user_type: str = "User") -> bool:
    return user_type == "Bot" or login.lower().endswith(BOT_SUFFIX)


def moment(text: str) -> datetime:
    """A normalised time (`Time`) as a datetime; "" sorts first."""
    return datetime.fromisoformat(text) if text else _NEVER


class Review(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    login: Login
    state: ReviewState
    commit_id: str = ""
    submitted_at: Time = ""
    user_type: str = Field(default="User", description="GitHub's account type: User, Bot...")


class HeadCommit(BaseModel):
    """One commit of the PR and the GitHub accounts it is attributed to (null: none)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sha: str = ""
    author: Login | None = None
    committer: Login | None = None


class ApprovalsInput(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    author: Login
    head_sha: str = Field(min_length=1)
    reviews: list[Review] = Field(default_factory=list)
    commits: list[HeadCommit] = Field(default_factory=list)
    merged_at: Time = ""
    number: int | None = Field(default=None, ge=1)
    title: str = ""
    merge_commit: str = ""

    def pushers(self) -> dict[str, str]:
        """lower-case login -> the first commit of the head they authored or committed."""
        out: dict[str, str] = {}
        for commit in self.commits:
            for login in (commit.author, commit.committer):
                if login:
                    out.setdefault(login.lower(), commit.sha)
        return out

    def before_merge(self) -> ApprovalsInput:
        """Without the reviews submitted after the merge: they approved nothing that merged."""
        if not self.merged_at:
            return self
        merged = moment(self.merged_at)
        kept = [r for r in self.reviews if r.submitted_at and moment(r.submitted_at) <= merged]
        return self.model_copy(update={"reviews": kept})


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


def standing(
    approvals: ApprovalsInput,
    teams: Teams | None,
    *,
    allow_stale: bool,
    allow_pushers: bool = False,
) -> Standing:
    latest: dict[str, Review] = {}
    for review in sorted(approvals.reviews, key=lambda r: moment(r.submitted_at)):
        if review.login.lower() == GHOST:
            continue  # a deleted account: nobody can be held to its approval
        if review.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[review.login.lower()] = review
    valid: dict[str, Approval] = {}
    not_counted: dict[str, str] = {}
    pushers = {} if allow_pushers else approvals.pushers()
    for login, review in sorted(latest.items()):
        if review.state != "APPROVED":
            not_counted[review.login] = review.state.lower().replace("_", " ")
        elif is_bot(review.login, review.user_type):
            not_counted[review.login] = "a bot account never counts as an approver"
        elif same_login(login, approvals.author):
            not_counted[review.login] = "the author cannot approve their own change"
        elif login in pushers:
            not_counted[review.login] = (
                f"pushed to this change (commit {pushers[login][:7] or '?'}): "
                "cannot approve it unless the rule sets allow_pushers"
            )
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
