"""JSON bodies of pull requests, their files and reviews."""

from __future__ import annotations

import hashlib

from .payloads import GHOST, Json, Urls, bodies, link, repository, user
from .state import FileChange, GitHubState, Pull, Repo, Review


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
        "sha": hashlib.sha1(change.filename.encode()).hexdigest(),
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


def commit(state: GitHubState, urls: Urls, repo: Repo, pull: Pull, sha: str) -> Json:
    """`commit` as the PR's commit list shows it: git identities and the GitHub accounts."""
    author, committer = pull.pushed_by.get(sha, (pull.issue.login, pull.issue.login))
    api = f"{urls.api}/repos/{repo.full_name}"
    when = pull.issue.created_at

    def git_user(login: str | None) -> Json:
        name = login or "someone"
        return {"name": name, "email": f"{name}@users.noreply.github.com", "date": when}

    return {
        "url": f"{api}/commits/{sha}",
        "sha": sha,
        "node_id": f"C_{sha[:12]}",
        "html_url": f"{urls.web}/{repo.full_name}/commit/{sha}",
        "comments_url": f"{api}/commits/{sha}/comments",
        "commit": {
            "url": f"{api}/git/commits/{sha}",
            "author": git_user(author),
            "committer": git_user(committer),
            "message": f"commit {sha[:7]}",
            "comment_count": 0,
            "tree": {"sha": sha, "url": f"{api}/git/trees/{sha}"},
        },
        # no matching account: GitHub's description allows null or an empty object, and
        # openapi-core cannot validate a null under `nullable` + `oneOf`, so {} stands in
        "author": user(state, urls, author) or {},
        "committer": user(state, urls, committer) or {},
        "parents": [],
    }
