"""Rule types: one module each, and the registry the policy evaluator dispatches on.

A new rule type is a module with `evaluate(rule, change, ctx) -> Verdict | None`, one entry
here, and its config model in kinds/policy.py.
"""

from __future__ import annotations

from modelops_gitops.plan.rules import (
    approvals,
    artifact,
    documentation,
    freeze,
    gates,
    monitored,
    previous_stage,
    require,
)
from modelops_gitops.plan.rules.base import Rule

RULES: dict[str, Rule] = {
    "approvals": approvals.evaluate,
    "previous_stage": previous_stage.evaluate,
    "freeze": freeze.evaluate,
    "documentation": documentation.evaluate,
    "artifact": artifact.evaluate,
    "require": require.evaluate,
    "test": gates.evaluate,
    "champion": gates.evaluate,
    "fairness": gates.evaluate,
    "drift": gates.evaluate,
    "explainability": gates.evaluate,
    "performance": monitored.evaluate,
    "service_level": monitored.evaluate,
}
