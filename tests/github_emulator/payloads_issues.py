"""JSON bodies of issues, comments, labels, commit statuses and check runs."""

from __future__ import annotations

import hashlib

from .payloads import Json, Urls, bodies, user
from .state import CheckRun, Comment, GitHubState, Issue, Repo, Status


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
        "id": int(hashlib.sha1(name.encode()).hexdigest()[:8], 16),
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
