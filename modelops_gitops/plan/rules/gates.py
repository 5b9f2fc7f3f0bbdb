"""test / champion / fairness / drift: the gate runs (through the runner the plan was given)
and its result decides. Without a runner the rule is pending: the gate was not run."""

from __future__ import annotations

from typing import Any

from modelops_gitops.errors import GateInputError
from modelops_gitops.plan.result import Change
from modelops_gitops.plan.rules.base import Context, Verdict


def evaluate(rule: Any, change: Change, ctx: Context) -> Verdict | None:
    if change.kind not in ("stage.promoted", "version.registered", "model.created"):
        return None
    if change.kind == "model.created":
        return None  # its versions and stages are changes of their own
    if ctx.gates is None:
        return Verdict("pending", f"{rule.type} gate not run")
    try:
        result = ctx.gates(rule, change, ctx)
    except GateInputError as exc:
        return Verdict("fail", f"{rule.type} gate could not run: {exc}")
    return Verdict(
        "pass" if result.passed else "fail", f"{rule.type} gate: {result.summary}", gate=result
    )
