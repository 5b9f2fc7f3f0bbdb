"""previous_stage: the version must have held another stage, for a soak time (also used for
the Lifecycle's own `requires` / `min_soak`)."""

from __future__ import annotations

from datetime import timedelta

from modelops_gitops.kinds.policy import PreviousStageRule
from modelops_gitops.plan.result import Change
from modelops_gitops.plan.rules.base import Context, Verdict
from modelops_gitops.repo.history import time_held


def check_soak(ctx: Context, change: Change, stage: str, min_soak: timedelta | None) -> Verdict:
    version = change.to or ""
    held = time_held(ctx.history, change.model or "", stage, version, ctx.now)
    if held is None:
        return Verdict("fail", f"{version} has never been applied in {stage}")
    if min_soak is not None and held < min_soak:
        return Verdict(
            "fail", f"{version} has held {stage} for {_human(held)}; needs {_human(min_soak)}"
        )
    extra = f" (>= {_human(min_soak)})" if min_soak else ""
    return Verdict("pass", f"{version} has held {stage} for {_human(held)}{extra}")


def evaluate(rule: PreviousStageRule, change: Change, ctx: Context) -> Verdict | None:
    if change.kind not in ("stage.promoted", "stage.rollback") or change.stage == rule.stage:
        return None
    return check_soak(ctx, change, rule.stage, rule.min_soak)


def _human(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.1f}d" if hours >= 48 else f"{hours:.1f}h"
