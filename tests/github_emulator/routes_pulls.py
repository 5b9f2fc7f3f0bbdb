"""Repositories, pull requests, their files and reviews, and the pull requests of a commit."""

from __future__ import annotations

from . import payloads, payloads_pulls
from .http import Ctx, HttpError, Reply, Route
from .state import Pull, Repo

# GitHub lists at most 3,000 files of a pull request; `changed_files` still counts them all.
FILES_CAP = 3000
COMMITS_CAP = 250


def _pull(ctx: Ctx, owner: str, repo: str, number: int) -> tuple[Repo, Pull]:
    found = ctx.repo(owner, repo)
    pull = found.pulls.get(number)
    if pull is None:
        raise HttpError(404, "Not Found")
    return found, pull


def get_repo(ctx: Ctx, owner: str, repo: str) -> Reply:
    return Reply(200, payloads.repository(ctx.state, ctx.urls, ctx.repo(owner, repo)))


def get_pull(ctx: Ctx, owner: str, repo: str, number: int) -> Reply:
    found, pull = _pull(ctx, owner, repo, number)
    return Reply(200, payloads_pulls.pull_request(ctx.state, ctx.urls, found, pull, full=True))


def list_files(ctx: Ctx, owner: str, repo: str, number: int) -> Reply:
    found, pull = _pull(ctx, owner, repo, number)
    files = pull.files[:FILES_CAP]
    return ctx.page([payloads_pulls.diff_entry(ctx.urls, found, pull.head_sha, f) for f in files])


def list_reviews(ctx: Ctx, owner: str, repo: str, number: int) -> Reply:
    found, pull = _pull(ctx, owner, repo, number)
    items = [payloads_pulls.review(ctx.state, ctx.urls, found, pull, r) for r in pull.reviews]
    return ctx.page(items)


def list_commits(ctx: Ctx, owner: str, repo: str, number: int) -> Reply:
    """GitHub lists at most 250 commits of a pull request."""
    found, pull = _pull(ctx, owner, repo, number)
    shas = pull.commits[:COMMITS_CAP]
    return ctx.page([payloads_pulls.commit(ctx.state, ctx.urls, found, pull, c) for c in shas])


def commit_pulls(ctx: Ctx, owner: str, repo: str, sha: str) -> Reply:
    found = ctx.repo(owner, repo)
    pulls = found.pulls_with_commit(sha)
    items = [payloads_pulls.pull_request(ctx.state, ctx.urls, found, p, full=False) for p in pulls]
    return ctx.page(items)


ROUTES = (
    Route("/repos/<owner>/<repo>", "GET", get_repo),
    Route("/repos/<owner>/<repo>/pulls/<int:number>", "GET", get_pull),
    Route("/repos/<owner>/<repo>/pulls/<int:number>/files", "GET", list_files),
    Route("/repos/<owner>/<repo>/pulls/<int:number>/reviews", "GET", list_reviews),
    Route("/repos/<owner>/<repo>/pulls/<int:number>/commits", "GET", list_commits),
    Route("/repos/<owner>/<repo>/commits/<sha>/pulls", "GET", commit_pulls),
)
