"""Writing to pull requests: the one plan comment, commit statuses, check runs."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from modelops_gitops.times import iso_utc

from . import parse
from .connection import Connection, check_number
from .text import MAX_CHECK_SUMMARY, PLAN_MARKER, fit, status_description, with_marker
from .types import (
    Annotation,
    CheckConclusion,
    CheckRunResult,
    CommentAction,
    CommentResult,
    StatusState,
)

log = logging.getLogger(__name__)

STATUS_PLAN = "modelops/plan"
STATUS_APPROVALS = "modelops/approvals"
STATUS_STATES = frozenset({"success", "failure", "pending", "error"})
ANNOTATIONS_PER_REQUEST = 50  # GitHub's limit; more go in follow-up updates


def upsert_plan_comment(
    conn: Connection, number: int, body: str, *, report_url: str | None = None
) -> CommentResult:
    """Create the plan comment of pull request `number`, or edit it in place.

    The comment is the first one that starts with PLAN_MARKER; there is never a second.
    A body over GitHub's 65,536 characters is cut, with a pointer to `report_url`."""
    text, truncated = with_marker(PLAN_MARKER, body, report_url)
    where = f"pull request #{check_number(number)} of {conn.repository}"
    comments = conn.items(conn.url("issues", number, "comments"), f"list the comments of {where}")
    with parse.shape(f"the comments of {where}"):
        existing = next(
            (c for c in comments if str(c.get("body") or "").lstrip().startswith(PLAN_MARKER)),
            None,
        )
        if existing is not None and existing.get("body") == text:
            return CommentResult(
                int(existing["id"]), str(existing["html_url"]), "unchanged", truncated
            )
    action: CommentAction
    if existing is None:
        url = conn.url("issues", number, "comments")
        data = conn.send("POST", url, {"body": text}, f"comment on {where}")
        action = "created"
    else:
        url = conn.url("issues", "comments", int(existing["id"]))
        data = conn.send("PATCH", url, {"body": text}, f"update the plan comment on {where}")
        action = "updated"
    with parse.shape(f"the plan comment on {where}"):
        return CommentResult(int(data["id"]), str(data["html_url"]), action, truncated)


def set_status(
    conn: Connection,
    sha: str,
    context: str,
    state: StatusState,
    description: str,
    *,
    target_url: str | None = None,
) -> None:
    """Set the commit status `context` (e.g. modelops/plan) of commit `sha`."""
    if state not in STATUS_STATES:
        raise ValueError(f"not a commit status state: {state!r}")
    repo = conn.github3_repository()
    with conn.mapped(f"set the {context} status of commit {sha[:12]} in {conn.repository}"):
        repo.create_status(
            sha,
            state,
            target_url=target_url,
            description=status_description(description),
            context=context,
        )


def create_check_run(
    conn: Connection,
    name: str,
    head_sha: str,
    *,
    conclusion: CheckConclusion,
    title: str,
    summary: str,
    annotations: Sequence[Annotation] = (),
    details_url: str | None = None,
) -> CheckRunResult | None:
    """A completed check run with annotations, or None (logged) without an installation
    token: GitHub accepts check runs only from GitHub Apps (Actions' GITHUB_TOKEN is one)."""
    if not conn.installation_token:
        log.info("check run %r skipped: it needs a GitHub App installation token", name)
        return None
    notes = [a.as_json() for a in annotations]
    batches = [
        notes[i : i + ANNOTATIONS_PER_REQUEST]
        for i in range(0, len(notes), ANNOTATIONS_PER_REQUEST)
    ]
    output = {"title": title[:255], "summary": fit(summary, details_url, MAX_CHECK_SUMMARY)[0]}
    repo = conn.github3_repository()
    with conn.mapped(f"create check run {name!r} on commit {head_sha[:12]} in {conn.repository}"):
        run = repo.create_check_run(
            name=name,
            head_sha=head_sha,
            status="completed",
            conclusion=conclusion,
            completed_at=iso_utc(datetime.now(UTC)),
            details_url=details_url,
            output={**output, "annotations": batches[0] if batches else []},
        )
        for batch in batches[1:]:
            run.update(output={**output, "annotations": batch})
    return CheckRunResult(id=int(run.id), html_url=run.html_url, annotations=len(notes))
