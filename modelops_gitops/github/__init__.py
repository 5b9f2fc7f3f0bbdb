"""The GitHub edge: pull requests, reviews, teams, the plan comment, statuses, check runs
and monitor issues, through github3.py. Only plain values and ProviderError come out.

    with GitHubProvider.from_env("acme/models") as github:
        approvals = github.approvals(12).as_json()
        github.upsert_plan_comment(12, markdown, report_url=run_url)
        github.set_status(head_sha, STATUS_PLAN, "failure", "2 blocking violations")

Modules: `provider` (the facade), `reads`, `writes`, `monitor` (what is done), `connection`
(the github3.py session), `retry` (rate limits and gateway errors), `boundary` (exception
mapping), `parse` and `text` (pure shaping of JSON and bodies), `types` (the values).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .text import MAX_BODY, PLAN_MARKER, monitor_marker
from .types import (
    FILES_CAP,
    GHOST,
    Annotation,
    Approvals,
    ChangedFile,
    CheckRunResult,
    CommentResult,
    MonitorIssue,
    PullRequest,
    PullRequestFiles,
    Review,
    StatusState,
)

# Names resolved on first use (PEP 562), so `modelops_gitops.github.settings` and the other
# light modules import without github3.py (the [github] extra).
_LAZY = {
    "DEFAULT_API_URL": "connection",
    "DRIFT_LABEL": "monitor",
    "MONITOR_LABEL": "monitor",
    "GitHubProvider": "provider",
    "RetryPolicy": "retry",
    "STATUS_APPROVALS": "writes",
    "STATUS_PLAN": "writes",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)


__all__ = [
    "DEFAULT_API_URL",
    "DRIFT_LABEL",
    "FILES_CAP",
    "GHOST",
    "MAX_BODY",
    "MONITOR_LABEL",
    "PLAN_MARKER",
    "STATUS_APPROVALS",
    "STATUS_PLAN",
    "Annotation",
    "Approvals",
    "ChangedFile",
    "CheckRunResult",
    "CommentResult",
    "GitHubProvider",
    "MonitorIssue",
    "PullRequest",
    "PullRequestFiles",
    "RetryPolicy",
    "Review",
    "StatusState",
    "monitor_marker",
]
