"""Issues (listed with pull requests, as GitHub does) and issue comments.

Bodies over 65,536 characters are refused with a 422, as on github.com.
"""

from __future__ import annotations

from typing import Any

from . import payloads_issues
from .http import Ctx, HttpError, Reply, Route, invalid
from .state import Comment, Issue, Repo

MAX_BODY = 65536
STATES = {"open", "closed", "all"}


def _check_body(resource: str, body: Any) -> None:
    if isinstance(body, str) and len(body) > MAX_BODY:
        raise invalid(resource, "body", f"body is too long (maximum is {MAX_BODY} characters)")


def _issue(repo: Repo, number: int) -> Issue:
    found = repo.issues.get(number)
    if found is None:
        raise HttpError(404, "Not Found")
    return found


def list_issues(ctx: Ctx, owner: str, repo: str) -> Reply:
    found = ctx.repo(owner, repo)
    state = ctx.request.args.get("state", "open")
    wanted = {name for name in ctx.request.args.get("labels", "").split(",") if name}
    items = [
        i
        for i in found.issues.values()
        if (state == "all" or i.state == state) and wanted <= set(i.labels)
    ]
    items.sort(key=lambda i: i.number, reverse=ctx.request.args.get("direction", "desc") == "desc")
    return ctx.page([payloads_issues.issue(ctx.state, ctx.urls, found, i) for i in items])


def create_issue(ctx: Ctx, owner: str, repo: str) -> Reply:
    found = ctx.repo(owner, repo)
    data = ctx.json()
    _check_body("Issue", data.get("body"))
    now = ctx.state.now()
    issue = Issue(
        number=ctx.state.next_number(found),
        id=ctx.state.next_id(),
        title=str(data["title"]),
        body=data.get("body"),
        login=ctx.viewer,
        created_at=now,
        updated_at=now,
        labels=[str(name) for name in data.get("labels", [])],
    )
    found.issues[issue.number] = issue
    return Reply(201, payloads_issues.issue(ctx.state, ctx.urls, found, issue))


def get_issue(ctx: Ctx, owner: str, repo: str, number: int) -> Reply:
    found = ctx.repo(owner, repo)
    return Reply(200, payloads_issues.issue(ctx.state, ctx.urls, found, _issue(found, number)))


def update_issue(ctx: Ctx, owner: str, repo: str, number: int) -> Reply:
    found = ctx.repo(owner, repo)
    issue = _issue(found, number)
    data = ctx.json()
    _check_body("Issue", data.get("body"))
    if "title" in data:
        issue.title = str(data["title"])
    if "body" in data:
        issue.body = data["body"]
    if "labels" in data:
        issue.labels = [str(name) for name in data["labels"]]
    if data.get("state") in {"open", "closed"} and data["state"] != issue.state:
        issue.state = data["state"]
        closed = issue.state == "closed"
        issue.closed_at = ctx.state.now() if closed else None
        issue.state_reason = data.get("state_reason", "completed") if closed else "reopened"
    issue.updated_at = ctx.state.now()
    return Reply(200, payloads_issues.issue(ctx.state, ctx.urls, found, issue))


def list_comments(ctx: Ctx, owner: str, repo: str, number: int) -> Reply:
    found = ctx.repo(owner, repo)
    _issue(found, number)
    items = [
        payloads_issues.comment(ctx.state, ctx.urls, found, c) for c in found.comments_on(number)
    ]
    return ctx.page(items)


def create_comment(ctx: Ctx, owner: str, repo: str, number: int) -> Reply:
    found = ctx.repo(owner, repo)
    _issue(found, number)
    body = ctx.json().get("body")
    if not isinstance(body, str) or not body:
        raise invalid("IssueComment", "body", "body cannot be blank")
    _check_body("IssueComment", body)
    now = ctx.state.now()
    item = Comment(ctx.state.next_id(), number, ctx.viewer, body, now, now)
    found.comments[item.id] = item
    return Reply(201, payloads_issues.comment(ctx.state, ctx.urls, found, item))


def update_comment(ctx: Ctx, owner: str, repo: str, comment_id: int) -> Reply:
    found = ctx.repo(owner, repo)
    item = found.comments.get(comment_id)
    if item is None:
        raise HttpError(404, "Not Found")
    body = ctx.json().get("body")
    _check_body("IssueComment", body)
    item.body = str(body)
    item.updated_at = ctx.state.now()
    return Reply(200, payloads_issues.comment(ctx.state, ctx.urls, found, item))


ROUTES = (
    Route("/repos/<owner>/<repo>/issues", "GET", list_issues),
    Route("/repos/<owner>/<repo>/issues", "POST", create_issue),
    Route("/repos/<owner>/<repo>/issues/<int:number>", "GET", get_issue),
    Route("/repos/<owner>/<repo>/issues/<int:number>", "PATCH", update_issue),
    Route("/repos/<owner>/<repo>/issues/<int:number>/comments", "GET", list_comments),
    Route("/repos/<owner>/<repo>/issues/<int:number>/comments", "POST", create_comment),
    Route("/repos/<owner>/<repo>/issues/comments/<int:comment_id>", "PATCH", update_comment),
)
