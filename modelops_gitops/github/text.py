"""Text shaped for GitHub's limits: hidden markers, comment/issue bodies, status lines. Pure."""

from __future__ import annotations

import re

PLAN_MARKER = "<!-- modelops-gitops:plan -->"
MAX_BODY = 65536  # GitHub refuses comment and issue bodies longer than this (characters)
MAX_STATUS_DESCRIPTION = 140
MAX_CHECK_SUMMARY = 65535
ELLIPSIS = "…"
_MODEL_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def monitor_marker(model: str) -> str:
    """The hidden marker of a model's monitor issue; the name is a DNS label (see kinds)."""
    if not _MODEL_NAME.match(model):
        raise ValueError(f"not a model name: {model!r}")
    return f"<!-- modelops-gitops:monitor:{model} -->"


def fit(body: str, report_url: str | None = None, limit: int = MAX_BODY) -> tuple[str, bool]:
    """`body` cut to `limit` characters when needed, with a pointer to the full report;
    returns the text and whether it was cut. Never splits into several comments."""
    if len(body) <= limit:
        return body, False
    where = f"[the full report]({report_url})" if report_url else "the workflow run's log"
    notice = (
        f"\n\n---\n> [!WARNING]\n> This report is {len(body):,} characters long and GitHub "
        f"holds {limit:,} here: it was cut. Read {where}.\n"
    )
    room = limit - len(notice) - 64  # 64: room to close blocks the cut left open
    head = body[:room]
    newline = head.rfind("\n")
    if newline > room // 2:
        head = head[:newline]
    return head + _closing(head) + notice, True


def with_marker(marker: str, body: str, report_url: str | None = None) -> tuple[str, bool]:
    """The hidden `marker` on the first line, then `body` fitted to GitHub's limit."""
    text, cut = fit(body, report_url, MAX_BODY - len(marker) - 1)
    return f"{marker}\n{text}", cut


def _closing(head: str) -> str:
    """Close a code fence or <details> blocks left open by the cut, so the rest renders."""
    tail = ""
    if head.count("```") % 2:
        tail += "\n```"
    open_details = head.count("<details") - head.count("</details>")
    tail += "\n</details>" * max(min(open_details, 4), 0)
    return tail


def status_description(text: str) -> str:
    """One line of at most 140 characters (GitHub's limit for a commit status)."""
    line = " ".join(text.split())
    if len(line) <= MAX_STATUS_DESCRIPTION:
        return line
    return line[: MAX_STATUS_DESCRIPTION - 1].rstrip() + ELLIPSIS
