"""Organizations, teams and team memberships.

A membership is answered on both the legacy `/teams/{team_id}/...` path and the path
github3.py builds from a team's `url`, `/organizations/{org_id}/team/{team_id}/...`.
Someone who is not in the team gets a 404, as on github.com.
"""

from __future__ import annotations

from .http import Ctx, HttpError, Reply, Route
from .payloads_orgs import membership, organization, team
from .state import Team


def get_org(ctx: Ctx, org: str) -> Reply:
    if org not in ctx.state.orgs:
        raise HttpError(404, "Not Found")
    return Reply(200, organization(ctx.state, ctx.urls, org))


def get_team(ctx: Ctx, org: str, slug: str) -> Reply:
    found = ctx.state.teams.get((org, slug))
    if found is None:
        raise HttpError(404, "Not Found")
    return Reply(200, team(ctx.state, ctx.urls, found))


def _team_by_id(ctx: Ctx, team_id: int) -> Team:
    for found in ctx.state.teams.values():
        if found.id == team_id:
            return found
    raise HttpError(404, "Not Found")


def get_membership(ctx: Ctx, team_id: int, username: str, org_id: int | None = None) -> Reply:
    found = _team_by_id(ctx, team_id)
    if org_id is not None and ctx.state.orgs.get(found.org) != org_id:
        raise HttpError(404, "Not Found")
    if username not in found.members:
        raise HttpError(404, "Not Found")
    return Reply(200, membership(ctx.urls, found, ctx.state.org(found.org), username))


ROUTES = (
    Route("/orgs/<org>", "GET", get_org),
    Route("/orgs/<org>/teams/<slug>", "GET", get_team),
    Route("/teams/<int:team_id>/memberships/<username>", "GET", get_membership),
    Route(
        "/organizations/<int:org_id>/team/<int:team_id>/memberships/<username>",
        "GET",
        get_membership,
    ),
)
