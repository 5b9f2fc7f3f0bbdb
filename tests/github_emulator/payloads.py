"""JSON bodies as GitHub sends them, in the "full" media type github3.py asks for: the
shared pieces (users, repositories) here, the rest in `payloads_*` by resource.

Every URL is absolute and built from the request's host (github3.py follows them). The
shapes satisfy both github3.py's parsers and GitHub's OpenAPI description.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from .state import GitHubState, Repo

Json = dict[str, Any]
GHOST = "ghost"  # the account GitHub substitutes for deleted users where null is not allowed
CREATED = "2020-01-01T00:00:00Z"


@dataclass(frozen=True)
class Urls:
    api: str  # e.g. http://127.0.0.1:PORT or http://127.0.0.1:PORT/api/v3
    web: str  # e.g. http://127.0.0.1:PORT


def bodies(text: str | None) -> Json:
    """`body`, `body_html`, `body_text`: the full media type github3.py requires."""
    if text is None:
        return {"body": None, "body_html": None, "body_text": None}
    return {"body": text, "body_html": f"<p>{html.escape(text)}</p>", "body_text": text}


def user(state: GitHubState, urls: Urls, login: str | None) -> Json | None:
    if login is None:
        return None
    u = state.user(login)
    api = f"{urls.api}/users/{login}"
    return {
        "login": login,
        "id": u.id,
        "node_id": f"U_{u.id}",
        "avatar_url": f"{urls.web}/avatars/{login}",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{urls.web}/{login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": u.type,
        "site_admin": False,
    }


_REPO_TEMPLATED = {
    "archive_url": "{archive_format}{/ref}",
    "assignees_url": "assignees{/user}",
    "blobs_url": "git/blobs{/sha}",
    "branches_url": "branches{/branch}",
    "collaborators_url": "collaborators{/collaborator}",
    "comments_url": "comments{/number}",
    "commits_url": "commits{/sha}",
    "compare_url": "compare/{base}...{head}",
    "contents_url": "contents/{+path}",
    "git_commits_url": "git/commits{/sha}",
    "git_refs_url": "git/refs{/sha}",
    "git_tags_url": "git/tags{/sha}",
    "issue_comment_url": "issues/comments{/number}",
    "issue_events_url": "issues/events{/number}",
    "issues_url": "issues{/number}",
    "keys_url": "keys{/key_id}",
    "labels_url": "labels{/name}",
    "milestones_url": "milestones{/number}",
    "notifications_url": "notifications{?since,all,participating}",
    "pulls_url": "pulls{/number}",
    "releases_url": "releases{/id}",
    "statuses_url": "statuses/{sha}",
    "trees_url": "git/trees{/sha}",
}
_REPO_PLAIN = (
    "contributors",
    "deployments",
    "downloads",
    "events",
    "forks",
    "hooks",
    "languages",
    "merges",
    "stargazers",
    "subscribers",
    "subscription",
    "tags",
    "teams",
)
_REPO_COUNTS = (
    "forks",
    "forks_count",
    "open_issues",
    "open_issues_count",
    "size",
    "stargazers_count",
    "watchers",
    "watchers_count",
    "network_count",
    "subscribers_count",
)
_REPO_FLAGS = {
    "private": False,
    "fork": False,
    "archived": False,
    "disabled": False,
    "has_issues": True,
    "has_projects": False,
    "has_wiki": False,
    "has_pages": False,
    "has_downloads": False,
    "has_discussions": False,
}


def repository(state: GitHubState, urls: Urls, repo: Repo) -> Json:
    """The `full-repository` shape (a superset of `repository`)."""
    api = f"{urls.api}/repos/{repo.full_name}"
    web = f"{urls.web}/{repo.full_name}"
    out: Json = {key: f"{api}/{suffix}" for key, suffix in _REPO_TEMPLATED.items()}
    out.update({f"{name}_url": f"{api}/{name}" for name in _REPO_PLAIN})
    out.update(dict.fromkeys(_REPO_COUNTS, 0))
    out.update(_REPO_FLAGS)
    out.update(
        id=repo.id,
        node_id=f"R_{repo.id}",
        name=repo.name,
        full_name=repo.full_name,
        owner=user(state, urls, repo.owner),
        description="GitOps repository of ML models",
        url=api,
        html_url=web,
        clone_url=f"{web}.git",
        git_url=f"{web}.git",
        ssh_url=f"git@127.0.0.1:{repo.full_name}.git",
        svn_url=web,
        mirror_url=None,
        homepage=None,
        language=None,
        license=None,
        default_branch=repo.default_branch,
        visibility="private",
        created_at=CREATED,
        updated_at=CREATED,
        pushed_at=CREATED,
    )
    return out


def link(href: str) -> Json:
    return {"href": href}
