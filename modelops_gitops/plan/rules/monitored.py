"""performance, service_level: judged by `monitor` on production (monitor/performance.py,
monitor/service.py), never by plan. A pull request has no production outcome to judge, so
these rules never apply to a change; they are listed so every rule type has its module."""

from __future__ import annotations

from typing import Any

from modelops_gitops.plan.result import Change
from modelops_gitops.plan.rules.base import Context, Verdict


def evaluate(rule: Any, change: Change, ctx: Context) -> Verdict | None:
    return None
