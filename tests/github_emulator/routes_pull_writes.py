"""Opening, listing and updating pull requests, as a tool that proposes changes does.

A branch resolves in the repository's linked bare git repository when a test links one
(`Repo.git_dir`: the remote the tool really pushed to), else in the seeded refs. As on
github.com: an unknown head or base is a 422, and so is a second open pull request for the
same head and base ("A pull request already exists for owner:branch.").
"""

from __future__ import annotations

import subprocess
from typing import Any

from . import payloads_pulls
from .http import Ctx, HttpError, Reply, Route, invalid
from .routes_issues import STATES, _check_body
from .state import FileChange, Issue, Pull, Repo

_STATUS = {"A": "added", "M": "modified", "D": "removed"}


def _branch(repo: Repo, ref: str) -> str | None:
    if repo.git_dir is None:
        return repo.refs.get(f"heads/{ref}")
    proc = subprocess.run(
        [
            "git",
            "--git-dir",
            str(repo.git_dir),
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            f"refs/heads/{ref}^{{commit}}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.stdout.strip() if proc.returncode == 0 else None


def _files(repo: Repo, base: str, head: str) -> list[FileChange]:
    if repo.git_dir is None:
        return []
    out = subprocess.run(
        ["git", "--git-dir", str(repo.git_dir), "diff", "--name-status", f"{base}...{head}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = [line.split("\t") for line in out.splitlines() if line]
    return [FileChange(row[-1], _STATUS.get(row[0][:1], "modified")) for row in rows]


def _head_ref(repo: Repo, head: Any) -> str:
    if not isinstance(head, str) or not head:
        raise invalid("PullRequest", "head", "head is required")
    owner, sep, ref = head.partition(":")
    if sep and owner != repo.owner:
        raise invalid("PullRequest", "head", "invalid")  # forks are not emulated
    return ref if sep else head


def create_pull(ctx: Ctx, owner: str, repo: str) -> Reply:
    found = ctx.repo(owner, repo)
    data = ctx.json()
    title, base = data.get("title"), data.get("base")
    if not isinstance(title, str) or not title.strip():
        raise invalid("PullRequest", "title", "title is required")
    _check_body("PullRequest", data.get("body"))
    head_ref = _head_ref(found, data.get("head"))
    head_sha = _branch(found, head_ref)
    base_sha = _branch(found, base) if isinstance(base, str) else None
    if head_sha is None:
        raise invalid("PullRequest", "head", "invalid")
    if base_sha is None:
        raise invalid("PullRequest", "base", "invalid")
    for pull in found.pulls.values():
        if pull.issue.state == "open" and (pull.head_ref, pull.base_ref) == (head_ref, base):
            raise invalid(
                "PullRequest", "base", f"A pull request already exists for {owner}:{head_ref}."
            )
    now = ctx.state.now()
    number = ctx.state.next_number(found)
    issue = Issue(number, ctx.state.next_id(), title, data.get("body"), ctx.viewer, now, now)
    pull = Pull(
        issue=issue,
        id=ctx.state.next_id(),
        head_sha=head_sha,
        base_sha=base_sha,
        head_ref=head_ref,
        base_ref=str(base),
        files=_files(found, base_sha, head_sha),
        commits=[head_sha],
    )
    found.issues[number] = issue
    found.pulls[number] = pull
    return Reply(201, payloads_pulls.pull_request(ctx.state, ctx.urls, found, pull, full=True))


def list_pulls(ctx: Ctx, owner: str, repo: str) -> Reply:
    found = ctx.repo(owner, repo)
    args = ctx.request.args
    state = args.get("state", "open")
    if state not in STATES:
        raise invalid("PullRequest", "state", f"unknown state {state!r}")
    head = args.get("head")
    head_ref = _head_ref(found, head) if head else None
    base = args.get("base")
    chosen = [
        p
        for p in found.pulls.values()
        if state in ("all", p.issue.state)
        and (head_ref is None or p.head_ref == head_ref)
        and (base is None or p.base_ref == base)
    ]
    newest = args.get("direction", "desc") == "desc"
    chosen.sort(key=lambda p: p.number, reverse=newest)
    items = [payloads_pulls.pull_request(ctx.state, ctx.urls, found, p, full=False) for p in chosen]
    return ctx.page(items)


def update_pull(ctx: Ctx, owner: str, repo: str, number: int) -> Reply:
    found = ctx.repo(owner, repo)
    pull = found.pulls.get(number)
    if pull is None:
        raise HttpError(404, "Not Found")
    data = ctx.json()
    _check_body("PullRequest", data.get("body"))
    issue = pull.issue
    if "title" in data:
        issue.title = str(data["title"])
    if "body" in data:
        issue.body = data["body"]
    wanted = data.get("state")
    if wanted in {"open", "closed"} and wanted != issue.state:
        if pull.merged_at is not None:
            raise invalid(
                "PullRequest", "state", "cannot change the state of a merged pull request"
            )
        issue.state = wanted
        issue.closed_at = ctx.state.now() if wanted == "closed" else None
    issue.updated_at = ctx.state.now()
    return Reply(200, payloads_pulls.pull_request(ctx.state, ctx.urls, found, pull, full=True))


ROUTES = (
    Route("/repos/<owner>/<repo>/pulls", "GET", list_pulls),
    Route("/repos/<owner>/<repo>/pulls", "POST", create_pull),
    Route("/repos/<owner>/<repo>/pulls/<int:number>", "PATCH", update_pull),
)
