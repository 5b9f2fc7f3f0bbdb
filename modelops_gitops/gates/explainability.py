"""The explainability gate: the version's permutation importance on its evaluation data
(gates/importance.py), checked against the rule: each named feature's importance at most its
bound (a feature the model does not take has importance 0), and the `top` most important
features all among `top_among`.
"""

from __future__ import annotations

from modelops_gitops.gates import importance
from modelops_gitops.gates.base import GateIO, GateRequest
from modelops_gitops.gates.registry import GATES, model_pins
from modelops_gitops.gates.result import Check, GateName, GateResult, JsonCell
from modelops_gitops.gates.scoring import model_features
from modelops_gitops.kinds.policy import ExplainabilityRule

NAME: GateName = "explainability"
VERSION = GATES[NAME].VERSION
pins = model_pins  # declared in gates.registry, so a cache hit needs no import


def run(request: GateRequest, io: GateIO) -> GateResult:
    rule = request.rule_as(ExplainabilityRule)
    version, spec = request.version, request.model.spec
    model = io.model(version.artifact)
    features = model_features(model, spec.features, artifact=version.artifact.path)
    frame = io.frame(version.datasets.eval, [*features, spec.target])
    rows = importance.permutation(
        model,
        frame,
        features=features,
        target=spec.target,
        task=spec.task,
        artifact=version.artifact.path,
    )
    score = importance.scoring(spec.task, model)
    return evaluate(rows, rule, plot=importance.plot(rows, score))


def evaluate(
    rows: list[dict[str, JsonCell]], rule: ExplainabilityRule, *, plot: str | None = None
) -> GateResult:
    """The verdict on an importance table (most important first)."""
    weight = {str(row["feature"]): float(row["importance"] or 0.0) for row in rows}
    checks = []
    for feature, limit in sorted(rule.max_importance.items()):
        value = weight.get(feature, 0.0)
        passed = value <= limit
        why = "" if feature in weight else " (not an input of the model)"
        verb = "within" if passed else "over"
        checks.append(
            Check(
                name=f"importance of {feature} <= {limit:g}",
                value=value,
                op="<=",
                threshold=limit,
                passed=passed,
                message=f"importance of {feature} {value:.4g}{why} is {verb} {limit:g}",
            )
        )
    if rule.top is not None:
        top = [str(row["feature"]) for row in rows[: rule.top]]
        outside = [name for name in top if name not in rule.top_among]
        message = (
            f"top {rule.top} features ({', '.join(top)}) are among the declared ones"
            if not outside
            else f"top {rule.top} features include undeclared {', '.join(outside)}"
        )
        checks.append(
            Check(
                name=f"top {rule.top} features among the declared",
                value=float(len(outside)),
                op="==",
                threshold=0.0,
                passed=not outside,
                message=message,
            )
        )
    failed = [check for check in checks if not check.passed]
    head = ", ".join(f"{row['feature']} {float(row['importance'] or 0):.3g}" for row in rows[:3])
    summary = (
        "; ".join(check.message for check in failed)
        if failed
        else f"{len(checks)} checks passed; most important: {head}"
    )
    return GateResult(
        gate="explainability",
        status="fail" if failed else "pass",
        summary=summary,
        checks=tuple(checks),
        metrics={f"importance.{row['feature']}": float(row["importance"] or 0.0) for row in rows},
        tables={"importance": rows},
        plots={"permutation_importance": plot} if plot else {},
    )
