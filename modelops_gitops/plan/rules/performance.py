"""performance: judged by `monitor` on labelled production data (monitor/performance.py),
never by plan. A pull request has no production outcome to judge, so the rule never applies
to a change; it is listed here so every rule type has its module."""

from __future__ import annotations

from modelops_gitops.kinds.policy import PerformanceRule
from modelops_gitops.plan.result import Change
from modelops_gitops.plan.rules.base import Context, Verdict


def evaluate(rule: PerformanceRule, change: Change, ctx: Context) -> Verdict | None:
    return None
