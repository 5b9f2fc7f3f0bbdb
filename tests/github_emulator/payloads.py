"""JSON bodies as GitHub sends them, in the "full" media type github3.py asks for.

Every URL is absolute and built from the request's host (github3.py follows them). The
shapes satisfy both github3.py's parsers and GitHub's OpenAPI description.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from .state import CheckRun, Comment, FileChange, GitHubState, Issue, Pull, Repo, Review, Status

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


def pull_request(state: GitHubState, urls: Urls, repo: Repo, pull: Pull, *, full: bool) -> Json:
    """`pull-request` when `full`, else `pull-request-simple` (as in lists)."""
    issue = pull.issue
    api = f"{urls.api}/repos/{repo.full_name}"
    url = f"{api}/pulls/{pull.number}"
    repo_json = repository(state, urls, repo)
    out: Json = {
        "url": url,
        "id": pull.id,
        "node_id": f"PR_{pull.id}",
        "html_url": f"{urls.web}/{repo.full_name}/pull/{pull.number}",
        "diff_url": f"{urls.web}/{repo.full_name}/pull/{pull.number}.diff",
        "patch_url": f"{urls.web}/{repo.full_name}/pull/{pull.number}.patch",
        "issue_url": f"{api}/issues/{pull.number}",
        "commits_url": f"{url}/commits",
        "review_comments_url": f"{url}/comments",
        "review_comment_url": f"{api}/pulls/comments{{/number}}",
        "comments_url": f"{api}/issues/{pull.number}/comments",
        "statuses_url": f"{api}/statuses/{pull.head_sha}",
        "number": pull.number,
        "state": issue.state,
        "locked": False,
        "active_lock_reason": None,
        "title": issue.title,
        # GitHub's description makes a pull request's user non-nullable: a deleted author
        # shows as the "ghost" account, as on github.com
        "user": user(state, urls, issue.login or GHOST),
        **bodies(issue.body),
        "labels": [],
        "milestone": None,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "created_at": issue.created_at,
        "updated_at": issue.updated_at,
        "closed_at": issue.closed_at,
        "merged_at": pull.merged_at,
        "merge_commit_sha": pull.merge_commit_sha,
        "draft": False,
        "head": _end(state, urls, repo_json, pull.head_ref, pull.head_sha, repo.owner),
        "base": _end(state, urls, repo_json, pull.base_ref, pull.base_sha, repo.owner),
        "_links": {
            "self": link(url),
            "html": link(f"{urls.web}/{repo.full_name}/pull/{pull.number}"),
            "issue": link(f"{api}/issues/{pull.number}"),
            "comments": link(f"{api}/issues/{pull.number}/comments"),
            "review_comments": link(f"{url}/comments"),
            "review_comment": link(f"{api}/pulls/comments{{/number}}"),
            "commits": link(f"{url}/commits"),
            "statuses": link(f"{api}/statuses/{pull.head_sha}"),
        },
        "author_association": "MEMBER",
        "auto_merge": None,
    }
    if full:
        merged = pull.merged_at is not None
        out.update(
            merged=merged,
            mergeable=None if merged else True,
            rebaseable=None if merged else True,
            mergeable_state="unknown" if merged else "clean",
            merged_by=user(state, urls, state.viewer) if merged else None,
            comments=len(repo.comments_on(pull.number)),
            review_comments=0,
            maintainer_can_modify=False,
            commits=max(1, len(pull.commits)),
            additions=sum(f.additions for f in pull.files),
            deletions=sum(f.deletions for f in pull.files),
            changed_files=len(pull.files),
        )
    return out


def _end(state: GitHubState, urls: Urls, repo: Json, ref: str, sha: str, owner: str) -> Json:
    return {
        "label": f"{owner}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": user(state, urls, owner),
        "repo": repo,
    }


def diff_entry(urls: Urls, repo: Repo, head_sha: str, change: FileChange) -> Json:
    web = f"{urls.web}/{repo.full_name}"
    out: Json = {
        "sha": f"{abs(hash(change.filename)) % 16**40:040x}",
        "filename": change.filename,
        "status": change.status,
        "additions": change.additions,
        "deletions": change.deletions,
        "changes": change.additions + change.deletions,
        "blob_url": f"{web}/blob/{head_sha}/{change.filename}",
        "raw_url": f"{web}/raw/{head_sha}/{change.filename}",
        "contents_url": f"{urls.api}/repos/{repo.full_name}/contents/{change.filename}?ref={head_sha}",
        "patch": "@@ -1 +1 @@",
    }
    if change.previous_filename is not None:
        out["previous_filename"] = change.previous_filename
    return out


def review(state: GitHubState, urls: Urls, repo: Repo, pull: Pull, item: Review) -> Json:
    pull_url = f"{urls.api}/repos/{repo.full_name}/pulls/{pull.number}"
    html_url = f"{urls.web}/{repo.full_name}/pull/{pull.number}#pullrequestreview-{item.id}"
    out: Json = {
        "id": item.id,
        "node_id": f"PRR_{item.id}",
        "user": user(state, urls, item.login),
        **bodies(item.body),
        "state": item.state,
        "commit_id": item.commit_id,
        "html_url": html_url,
        "pull_request_url": pull_url,
        "_links": {"html": link(html_url), "pull_request": link(pull_url)},
        "author_association": "MEMBER",
    }
    if item.submitted_at is not None:
        out["submitted_at"] = item.submitted_at
    return out


def comment(state: GitHubState, urls: Urls, repo: Repo, item: Comment) -> Json:
    api = f"{urls.api}/repos/{repo.full_name}"
    return {
        "id": item.id,
        "node_id": f"IC_{item.id}",
        "url": f"{api}/issues/comments/{item.id}",
        "html_url": f"{urls.web}/{repo.full_name}/issues/{item.issue_number}#issuecomment-{item.id}",
        "issue_url": f"{api}/issues/{item.issue_number}",
        "user": user(state, urls, item.login),
        **bodies(item.body),
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "author_association": "MEMBER",
    }


def issue(state: GitHubState, urls: Urls, repo: Repo, item: Issue) -> Json:
    api = f"{urls.api}/repos/{repo.full_name}"
    url = f"{api}/issues/{item.number}"
    out: Json = {
        "id": item.id,
        "node_id": f"I_{item.id}",
        "url": url,
        "repository_url": api,
        "labels_url": f"{url}/labels{{/name}}",
        "comments_url": f"{url}/comments",
        "events_url": f"{url}/events",
        "html_url": f"{urls.web}/{repo.full_name}/issues/{item.number}",
        "number": item.number,
        "state": item.state,
        "state_reason": item.state_reason,
        "title": item.title,
        **bodies(item.body),
        "user": user(state, urls, item.login),
        "labels": [label(urls, repo, name) for name in item.labels],
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "locked": False,
        "comments": len(repo.comments_on(item.number)),
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "closed_at": item.closed_at,
        "closed_by": None,
        "author_association": "MEMBER",
    }
    if item.number in repo.pulls:
        web = f"{urls.web}/{repo.full_name}/pull/{item.number}"
        out["pull_request"] = {
            "url": f"{api}/pulls/{item.number}",
            "html_url": web,
            "diff_url": f"{web}.diff",
            "patch_url": f"{web}.patch",
            "merged_at": repo.pulls[item.number].merged_at,
        }
    return out


def label(urls: Urls, repo: Repo, name: str) -> Json:
    return {
        "id": abs(hash(name)) % 10**9,
        "node_id": f"LA_{name}",
        "url": f"{urls.api}/repos/{repo.full_name}/labels/{name}",
        "name": name,
        "description": None,
        "color": "ededed",
        "default": False,
    }


def status(state: GitHubState, urls: Urls, repo: Repo, item: Status) -> Json:
    return {
        "url": f"{urls.api}/repos/{repo.full_name}/statuses/{item.sha}",
        "avatar_url": None,
        "id": item.id,
        "node_id": f"SC_{item.id}",
        "state": item.state,
        "description": item.description,
        "target_url": item.target_url,
        "context": item.context,
        "created_at": item.created_at,
        "updated_at": item.created_at,
        "creator": user(state, urls, item.login),
    }


def check_run(state: GitHubState, urls: Urls, repo: Repo, run: CheckRun) -> Json:
    url = f"{urls.api}/repos/{repo.full_name}/check-runs/{run.id}"
    return {
        "id": run.id,
        "node_id": f"CR_{run.id}",
        "head_sha": run.head_sha,
        "external_id": None,
        "name": run.name,
        "url": url,
        "html_url": f"{urls.web}/{repo.full_name}/runs/{run.id}",
        "details_url": run.details_url,
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": run.started_at,
        "completed_at": run.completed_at,
        "output": {
            "title": run.output.get("title"),
            "summary": run.output.get("summary"),
            "text": run.output.get("text"),
            "annotations_count": len(run.annotations),
            "annotations_url": f"{url}/annotations",
        },
        "check_suite": {"id": run.id + 1},
        "app": _actions_app(state, urls),
        "pull_requests": [],
    }


def _actions_app(state: GitHubState, urls: Urls) -> Json:
    return {
        "id": 15368,
        "slug": "github-actions",
        "node_id": "MDM6QXBwMTUzNjg=",
        "owner": user(state, urls, "github"),
        "name": "GitHub Actions",
        "description": "Automate your workflow from idea to production",
        "external_url": "https://help.github.com/en/actions",
        "html_url": f"{urls.web}/apps/github-actions",
        "created_at": "2018-07-30T09:30:17Z",
        "updated_at": "2019-12-10T19:04:12Z",
        "permissions": {"checks": "write", "statuses": "write"},
        "events": ["check_run"],
    }
