"""Rollback proposals: the pull request `monitor` opens when a production version breaches a
rule that says `on_breach: propose_rollback`. One per breach, found again by its branch (in
this repository, never a fork) and a hidden marker; updated while the breach lasts, closed
when it clears before anyone merges it. A proposal a person closed is never reopened.
"""

from __future__ import annotations

from typing import Any

from . import parse
from .connection import Connection
from .text import with_marker
from .types import Proposal

ROLLBACK_LABEL = "modelops-rollback"


def proposal_marker(branch: str) -> str:
    return f"<!-- modelops-gitops:rollback:{branch} -->"


def find_proposal(conn: Connection, branch: str) -> dict[str, Any] | None:
    """The open pull request from `branch` carrying its marker, else the latest closed one."""
    params = {"state": "all", "head": f"{conn.owner}:{branch}", "sort": "created"}
    params["direction"] = "desc"
    marker = proposal_marker(branch)
    found: dict[str, Any] | None = None
    with parse.shape(f"the pull requests of {conn.repository}"):
        for item in conn.items(conn.url("pulls"), f"list pull requests of {branch}", params):
            head = item.get("head") or {}
            same_repo = (head.get("repo") or {}).get("full_name") == conn.repository
            if head.get("ref") != branch or not same_repo or not parse.has_marker(item, marker):
                continue
            if item["state"] == "open":
                return dict(item)
            found = found or dict(item)
    return found


def propose(conn: Connection, branch: str, base: str, *, title: str, body: str) -> Proposal:
    """Open the proposal, or update the open one; a closed or merged one is left alone."""
    text, _ = with_marker(proposal_marker(branch), body)
    existing = find_proposal(conn, branch)
    if existing is None:
        data = conn.send(
            "POST",
            conn.url("pulls"),
            {"title": title, "head": branch, "base": base, "body": text},
            f"open the rollback pull request {branch} in {conn.repository}",
        )
        with parse.shape("the new pull request"):
            number, url = int(data["number"]), str(data["html_url"])
        conn.send(
            "PATCH",
            conn.url("issues", number),
            {"labels": [ROLLBACK_LABEL]},
            f"label pull request #{number}",
        )
        return Proposal(number, url, "opened")
    with parse.shape(f"pull request #{existing.get('number')}"):
        number, url = int(existing["number"]), str(existing["html_url"])
        state = "merged" if existing.get("merged_at") else str(existing["state"])
    if state != "open":
        return Proposal(number, url, f"left {state}")
    conn.send(
        "PATCH",
        conn.url("pulls", number),
        {"title": title, "body": text},
        f"update the rollback pull request #{number}",
    )
    return Proposal(number, url, "updated")


def withdraw(conn: Connection, branch: str, *, body: str) -> Proposal | None:
    """Close the open proposal of `branch` (the breach cleared); None when there is none."""
    existing = find_proposal(conn, branch)
    if existing is None or existing.get("state") != "open":
        return None
    with parse.shape(f"pull request #{existing.get('number')}"):
        number, url = int(existing["number"]), str(existing["html_url"])
    text, _ = with_marker(proposal_marker(branch), body)
    conn.send(
        "PATCH",
        conn.url("pulls", number),
        {"state": "closed", "body": text},
        f"close the rollback pull request #{number}",
    )
    return Proposal(number, url, "closed")
