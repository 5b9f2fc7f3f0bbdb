"""Members of `github_team` entries in policies/teams.yaml, asked of GitHub for the people
who approved (nobody else can count), then merged into a new Teams value (kinds unchanged).

    found = github_members(github, teams, approvals)   # {"model-risk": {"priya"}}
    teams = with_members(teams, found)                 # a Teams whose teams list them too
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from modelops_gitops.kinds import Teams

from .provider import GitHubProvider
from .types import GHOST, Approvals


def approvers(approvals: Approvals) -> list[str]:
    """Everyone who approved at some point (their latest review is judged later), author and
    deleted accounts aside: only they can need a team."""
    author = approvals.author.lower()
    found = {
        r.login.lower(): r.login
        for r in approvals.reviews
        if r.state == "APPROVED" and r.login.lower() not in {author, GHOST}
    }
    return [found[key] for key in sorted(found)]


def github_members(
    github: GitHubProvider, teams: Teams, approvals: Approvals
) -> dict[str, set[str]]:
    """Team name -> the approvers GitHub lists as active members of its `github_team`."""
    logins = approvers(approvals)
    out: dict[str, set[str]] = {}
    for team in teams.spec.teams:
        if team.github_team is None or not logins:
            continue
        org, slug = team.github_team.split("/", 1)
        out[team.name] = {login for login in logins if github.is_team_member(org, slug, login)}
    return out


def with_members(teams: Teams, found: Mapping[str, Iterable[str]]) -> Teams:
    """`teams` with the logins in `found` added to the named teams (case-insensitively once)."""
    updated = []
    for team in teams.spec.teams:
        known = {m.lower() for m in team.members}
        extra = sorted({m for m in found.get(team.name, ()) if m.lower() not in known})
        updated.append(team.model_copy(update={"members": [*team.members, *extra]}))
    spec = teams.spec.model_copy(update={"teams": updated})
    return teams.model_copy(update={"spec": spec})
