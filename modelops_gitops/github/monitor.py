"""Monitor issues: one issue per drifting model, found again by a hidden marker.

The issue carries MONITOR_LABEL, which is how we find it again without reading every issue
of the repository (remove the label and the next drift opens a new issue). A model keeps one
issue: it is updated while drift lasts, closed when drift is gone, reopened if it returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import parse
from .connection import Connection
from .text import monitor_marker, with_marker
from .types import MonitorIssue

MONITOR_LABEL = "modelops-monitor"
DRIFT_LABEL = "drift"


def find_issue(conn: Connection, model: str) -> dict[str, Any] | None:
    """The open issue of `model` if any, else its most recently closed one."""
    marker = monitor_marker(model)
    params = {"state": "all", "labels": MONITOR_LABEL, "sort": "created", "direction": "desc"}
    action = f"list the monitor issues of {conn.repository}"
    found: dict[str, Any] | None = None
    with parse.shape(f"the issues of {conn.repository}"):
        for item in conn.items(conn.url("issues"), action, params):
            if "pull_request" in item or not parse.has_marker(item, marker):
                continue
            if item["state"] == "open":
                return dict(item)
            found = found or dict(item)
    return found


def report_drift(
    conn: Connection,
    model: str,
    *,
    title: str,
    body: str,
    labels: Sequence[str] = (DRIFT_LABEL,),
    report_url: str | None = None,
) -> MonitorIssue:
    """Open the model's issue, or update (and reopen) the one it has."""
    text, _ = with_marker(monitor_marker(model), body, report_url)
    existing = find_issue(conn, model)
    wanted = list(dict.fromkeys([MONITOR_LABEL, *labels]))
    if existing is None:
        repo = conn.github3_repository()
        with conn.mapped(f"open the monitor issue of {model} in {conn.repository}"):
            created = repo.create_issue(title, body=text, labels=wanted)
        return MonitorIssue(int(created.number), str(created.html_url), "opened")
    with parse.shape(f"issue #{existing.get('number')}"):
        number = int(existing["number"])
        current = [str(label["name"]) for label in existing.get("labels", [])]
        reopen = existing["state"] != "open"
    change = {"title": title, "body": text, "labels": list(dict.fromkeys([*current, *wanted]))}
    if reopen:
        change["state"] = "open"
    data = _update(conn, number, change, f"update the monitor issue #{number} of {model}")
    return MonitorIssue(number, str(data["html_url"]), "reopened" if reopen else "updated")


def resolve_drift(conn: Connection, model: str, *, body: str | None = None) -> MonitorIssue | None:
    """Close the model's open issue (with a new body if given); None if it has none open."""
    existing = find_issue(conn, model)
    if existing is None or existing.get("state") != "open":
        return None
    number = int(existing["number"])
    change: dict[str, Any] = {"state": "closed", "state_reason": "completed"}
    if body is not None:
        change["body"] = with_marker(monitor_marker(model), body, None)[0]
    data = _update(conn, number, change, f"close the monitor issue #{number} of {model}")
    return MonitorIssue(number, str(data["html_url"]), "closed")


def _update(conn: Connection, number: int, change: dict[str, Any], action: str) -> dict[str, Any]:
    data = conn.send("PATCH", conn.url("issues", number), change, f"{action} in {conn.repository}")
    return dict(data)
