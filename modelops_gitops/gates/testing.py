"""The test gate: score the evaluation set, check metric thresholds, and check that the
version's claimed metrics reproduce within the rule's tolerance. Its evidence also holds the
version's permutation importance on the evaluation data (gates/importance.py: a table and a
plot), so every promotion's report says what the model leans on.

A threshold or claimed metric that cannot be computed (unknown name, not for this task,
undefined on this data) is a failed check that says why, never a crash. Claimed metrics the
gate does not know (e.g. `training_seconds`) are listed as not checked.
"""

from __future__ import annotations

from typing import Any

from sklearn.metrics import roc_curve

from modelops_gitops.gates import importance, plots
from modelops_gitops.gates.base import GateIO, GateRequest
from modelops_gitops.gates.metrics import METRICS, MetricUndefined, Scores, compute_all, metric_for
from modelops_gitops.gates.registry import GATES, model_pins
from modelops_gitops.gates.result import Check, GateName, GateResult, JsonCell
from modelops_gitops.gates.scoring import model_features, score_versions
from modelops_gitops.kinds.policy import TestRule

NAME: GateName = "test"
VERSION = GATES[NAME].VERSION
pins = model_pins  # declared in gates.registry, so a cache hit needs no import


def run(request: GateRequest, io: GateIO) -> GateResult:
    rule = request.rule_as(TestRule)
    version, spec = request.version, request.model.spec
    (scores,), frame = score_versions(io, spec, [version], version.datasets.eval)
    model = io.model(version.artifact)
    rows = importance.permutation(
        model,
        frame,
        features=model_features(model, spec.features, artifact=version.artifact.path),
        target=spec.target,
        task=spec.task,
        artifact=version.artifact.path,
    )
    plot = importance.plot(rows, importance.scoring(spec.task, model))
    return evaluate(scores, rule, version.metrics, importance=rows, importance_plot=plot)


def evaluate(
    scores: Scores,
    rule: TestRule,
    claimed: dict[str, float],
    *,
    importance: list[dict[str, JsonCell]] | None = None,
    importance_plot: str | None = None,
) -> GateResult:
    """The test gate's verdict on already-computed scores (and the importance, when given)."""
    values, undefined = compute_all(scores)
    checks = [*_threshold_checks(scores, rule, values, undefined)]
    if rule.reproduce:
        checks += _reproduce_checks(scores, rule, claimed, values, undefined)
    rows: list[dict[str, JsonCell]] = []
    for name in [*values, *undefined]:
        threshold = rule.thresholds.get(name)
        rows.append(
            {
                "metric": name,
                "value": values.get(name),
                "claimed": claimed.get(name),
                "min": threshold.min if threshold else None,
                "max": threshold.max if threshold else None,
                "note": undefined.get(name, ""),
            }
        )
    for name in sorted(set(claimed) - set(METRICS)):
        rows.append(
            {
                "metric": name,
                "value": None,
                "claimed": claimed[name],
                "min": None,
                "max": None,
                "note": "not checked: not a metric this gate computes",
            }
        )
    failed = [check for check in checks if not check.passed]
    head = ", ".join(f"{name} {value:.4g}" for name, value in values.items())
    summary = (
        f"{len(failed)} of {len(checks)} checks failed: " + "; ".join(c.message for c in failed)
        if failed
        else f"{len(checks)} checks passed; {head}"
        if checks
        else f"no thresholds or claimed metrics to check; {head}"
    )
    tables = {"metrics": rows} | ({"importance": importance} if importance else {})
    extra = {"permutation_importance": importance_plot} if importance_plot else {}
    return GateResult(
        gate="test",
        status="fail" if failed else "pass",
        summary=summary,
        checks=tuple(checks),
        metrics=values,
        tables=tables,
        plots=_plots(scores, values.get("roc_auc")) | extra,
    )


def _threshold_checks(
    scores: Scores, rule: TestRule, values: dict[str, float], undefined: dict[str, str]
) -> list[Check]:
    checks = []
    for name, threshold in sorted(rule.thresholds.items()):
        bounds: list[tuple[Any, float]] = []
        if threshold.min is not None:
            bounds.append((">=", threshold.min))
        if threshold.max is not None:
            bounds.append(("<=", threshold.max))
        reason = _why_missing(name, scores, undefined)
        for op, limit in bounds:
            value = values.get(name)
            passed = value is not None and (value >= limit if op == ">=" else value <= limit)
            message = (
                f"{name}: {reason}"
                if value is None
                else f"{name} {value:.4g} {'meets' if passed else 'violates'} {op} {limit:g}"
            )
            checks.append(
                Check(
                    name=f"{name} {op} {limit:g}",
                    value=value,
                    op=op,
                    threshold=limit,
                    passed=passed,
                    message=message,
                )
            )
    return checks


def _reproduce_checks(
    scores: Scores,
    rule: TestRule,
    claimed: dict[str, float],
    values: dict[str, float],
    undefined: dict[str, str],
) -> list[Check]:
    checks = []
    for name, stated in sorted(claimed.items()):
        if name not in METRICS:
            continue
        value = values.get(name)
        gap = None if value is None else abs(value - stated)
        passed = gap is not None and gap <= rule.tolerance
        if value is None:
            message = f"claimed {name} {stated:g} cannot be reproduced: " + _why_missing(
                name, scores, undefined
            )
        else:
            verdict = "reproduces" if passed else "does not reproduce"
            message = (
                f"claimed {name} {stated:.4g} {verdict}: computed {value:.4g} (±{rule.tolerance:g})"
            )
        checks.append(
            Check(
                name=f"reproduce {name}",
                value=gap,
                op="<=",
                threshold=rule.tolerance,
                passed=passed,
                message=message,
            )
        )
    return checks


def _why_missing(name: str, scores: Scores, undefined: dict[str, str]) -> str:
    if name in undefined:
        return f"undefined ({undefined[name]})"
    try:
        metric_for(name, scores.task)
    except MetricUndefined as exc:
        return str(exc)
    return "not computed"


def _plots(scores: Scores, auc: float | None) -> dict[str, str]:
    if scores.task != "binary_classification" or scores.proba is None or auc is None:
        return {}
    fpr, tpr, _ = roc_curve(scores.y_true == scores.positive, scores.positive_proba())
    return {"roc_curve": plots.roc_curve(fpr.tolist(), tpr.tolist(), auc)}
