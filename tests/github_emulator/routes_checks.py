"""Commit statuses and check runs.

Check runs need a GitHub App installation token (`ghs_...`); a personal token gets the 403
GitHub sends. At most 50 annotations per request, as on github.com.
"""

from __future__ import annotations

from . import payloads_issues
from .http import Ctx, HttpError, Reply, Route, invalid
from .state import CheckRun, Status

MAX_DESCRIPTION = 140
MAX_ANNOTATIONS = 50


def create_status(ctx: Ctx, owner: str, repo: str, sha: str) -> Reply:
    found = ctx.repo(owner, repo)
    data = ctx.json()
    description = data.get("description")
    if isinstance(description, str) and len(description) > MAX_DESCRIPTION:
        raise invalid(
            "Status", "description", "description is too long (maximum is 140 characters)"
        )
    item = Status(
        id=ctx.state.next_id(),
        sha=sha,
        state=str(data["state"]),
        context=str(data.get("context", "default")),
        description=description,
        target_url=data.get("target_url"),
        login=ctx.viewer,
        created_at=ctx.state.now(),
    )
    found.statuses.append(item)
    return Reply(201, payloads_issues.status(ctx.state, ctx.urls, found, item))


def _annotations(data: dict[str, object]) -> list[dict[str, object]]:
    output = data.get("output")
    notes = output.get("annotations", []) if isinstance(output, dict) else []
    if len(notes) > MAX_ANNOTATIONS:
        raise invalid("CheckRun", "annotations", "Only 50 annotations are allowed per request")
    return list(notes)


def create_check_run(ctx: Ctx, owner: str, repo: str) -> Reply:
    found = ctx.repo(owner, repo)
    if not ctx.viewer.endswith("[bot]"):
        raise HttpError(403, "You must authenticate via a GitHub App.")
    data = ctx.json()
    now = ctx.state.now()
    output = data.get("output") or {}
    run = CheckRun(
        id=ctx.state.next_id(),
        name=str(data["name"]),
        head_sha=str(data["head_sha"]),
        status=str(data.get("status", "queued")),
        conclusion=data.get("conclusion"),
        output={k: v for k, v in output.items() if k != "annotations"},
        annotations=_annotations(data),
        details_url=data.get("details_url"),
        started_at=now,
        completed_at=data.get("completed_at") or (now if data.get("conclusion") else None),
    )
    if run.conclusion and run.status != "completed":
        run.status = "completed"
    found.check_runs[run.id] = run
    return Reply(201, payloads_issues.check_run(ctx.state, ctx.urls, found, run))


def update_check_run(ctx: Ctx, owner: str, repo: str, run_id: int) -> Reply:
    found = ctx.repo(owner, repo)
    run = found.check_runs.get(run_id)
    if run is None:
        raise HttpError(404, "Not Found")
    data = ctx.json()
    run.annotations += _annotations(data)
    output = data.get("output") or {}
    run.output.update({k: v for k, v in output.items() if k != "annotations"})
    if data.get("conclusion"):
        run.conclusion, run.status = data["conclusion"], "completed"
        run.completed_at = data.get("completed_at") or ctx.state.now()
    return Reply(200, payloads_issues.check_run(ctx.state, ctx.urls, found, run))


ROUTES = (
    Route("/repos/<owner>/<repo>/statuses/<sha>", "POST", create_status),
    Route("/repos/<owner>/<repo>/check-runs", "POST", create_check_run),
    Route("/repos/<owner>/<repo>/check-runs/<int:run_id>", "PATCH", update_check_run),
)
