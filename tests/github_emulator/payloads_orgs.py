"""JSON bodies for organizations, teams and team memberships.

A team's `url` is `/organizations/{org_id}/team/{team_id}`, as on github.com: github3.py
follows it for memberships (see the path override in `regenerate_openapi_extract.py`).
Organization `company`/`blog`/`location`/`email` are null, as GitHub sends unset values.
"""

from __future__ import annotations

from .payloads import CREATED, Json, Urls
from .state import GitHubState, Team


def organization(state: GitHubState, urls: Urls, login: str, *, full: bool = True) -> Json:
    org_id = state.org(login)
    api = f"{urls.api}/orgs/{login}"
    out: Json = {
        "login": login,
        "id": org_id,
        "node_id": f"O_{org_id}",
        "url": api,
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events",
        "hooks_url": f"{api}/hooks",
        "issues_url": f"{api}/issues",
        "members_url": f"{api}/members{{/member}}",
        "public_members_url": f"{api}/public_members{{/member}}",
        "avatar_url": f"{urls.web}/avatars/{login}",
        "description": None,
        "name": login,
        "company": None,
        "blog": None,
        "location": None,
        "email": None,
        "html_url": f"{urls.web}/{login}",
        "has_organization_projects": False,
        "has_repository_projects": False,
        "public_repos": 1,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "type": "Organization",
        "created_at": CREATED,
        "updated_at": CREATED,
        "archived_at": None,
    }
    if not full:
        return {k: out[k] for k in ("login", "id", "node_id", "url", "description")}
    return out


def team(state: GitHubState, urls: Urls, item: Team) -> Json:
    org_id = state.org(item.org)
    url = f"{urls.api}/organizations/{org_id}/team/{item.id}"
    return {
        "id": item.id,
        "node_id": f"T_{item.id}",
        "url": url,
        "html_url": f"{urls.web}/orgs/{item.org}/teams/{item.slug}",
        "name": item.name,
        "slug": item.slug,
        "description": None,
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "permission": "pull",
        "members_url": f"{url}/members{{/member}}",
        "repositories_url": f"{url}/repos",
        "parent": None,
        "type": "organization",
        "organization_id": org_id,
        "members_count": len(item.members),
        "repos_count": 1,
        "created_at": CREATED,
        "updated_at": CREATED,
        "organization": organization(state, urls, item.org),
    }


def membership(urls: Urls, item: Team, org_id: int, login: str) -> Json:
    return {
        "url": f"{urls.api}/organizations/{org_id}/team/{item.id}/memberships/{login}",
        "role": "member",
        "state": item.members[login],
    }
