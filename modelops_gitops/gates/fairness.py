"""The fairness gate: group metrics of a binary classifier over one sensitive column, as
fairlearn defines them, against the rule's maxima.

    demographic parity difference   max - min over groups of the selection rate P(pred = +)
    equalized odds difference       the larger of the between-group differences in true
                                    positive rate and in false positive rate

The positive class is the model's `classes_[1]`. Missing values in the sensitive column form
their own group, "(missing)". fairlearn counts a rate with no denominator (a group with no
positives has no TPR) as 0; the per-group table shows the counts so such a group is visible.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import (
    MetricFrame,
    count,
    demographic_parity_difference,
    equalized_odds_difference,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)

from modelops_gitops.errors import GateInputError
from modelops_gitops.gates import plots
from modelops_gitops.gates.base import GateIO, GateRequest
from modelops_gitops.gates.metrics import Scores
from modelops_gitops.gates.registry import GATES, model_pins
from modelops_gitops.gates.result import Check, GateName, GateResult, JsonCell
from modelops_gitops.gates.scoring import score_versions
from modelops_gitops.kinds.policy import FairnessRule

NAME: GateName = "fairness"
VERSION = GATES[NAME].VERSION
pins = model_pins  # declared in gates.registry, so a cache hit needs no import
MISSING_GROUP = "(missing)"


def run(request: GateRequest, io: GateIO) -> GateResult:
    rule = request.rule_as(FairnessRule)
    spec, version = request.model.spec, request.version
    dataset = version.datasets.eval
    if spec.task != "binary_classification":
        raise GateInputError.at(
            version.artifact.path, f"the fairness gate needs a binary classifier, not {spec.task}"
        )
    column = sensitive_column(request)
    (scores,), frame = score_versions(io, spec, [version], dataset, extra=[column])
    return assess(scores, frame[column], rule)


def sensitive_column(request: GateRequest) -> str:
    """The rule's `sensitive_feature`, else the model's first `sensitive_features` entry."""
    rule, spec = request.rule_as(FairnessRule), request.model.spec
    column = rule.sensitive_feature or next(iter(spec.sensitive_features), None)
    if column is None:
        raise GateInputError(
            f"model {request.model.metadata.name}: the fairness rule names no sensitive_feature "
            "and the model lists no sensitive_features"
        )
    return column


def groups_of(column: pd.Series[Any]) -> np.ndarray[Any, Any]:
    """Group labels as strings; missing values become MISSING_GROUP."""
    labels = column.astype(object).where(column.notna(), MISSING_GROUP)
    return np.asarray(labels.map(str), dtype=object)


def assess(scores: Scores, sensitive: pd.Series[Any], rule: FairnessRule) -> GateResult:
    """The fairness verdict on a binary classifier's scores and the sensitive column."""
    column = str(sensitive.name)
    y_true = (scores.y_true == scores.positive).astype(int)
    y_pred = (scores.y_pred == scores.positive).astype(int)
    groups = groups_of(sensitive)
    values = {
        "demographic_parity_difference": float(
            demographic_parity_difference(y_true, y_pred, sensitive_features=groups)
        ),
        "equalized_odds_difference": float(
            equalized_odds_difference(y_true, y_pred, sensitive_features=groups)
        ),
    }
    maxima = {
        "demographic_parity_difference": rule.max_demographic_parity_difference,
        "equalized_odds_difference": rule.max_equalized_odds_difference,
    }
    checks = [
        Check(
            name=name,
            value=values[name],
            op="<=",
            threshold=limit,
            passed=values[name] <= limit,
            message=f"{name} over {column!r} is {values[name]:.4g} (max {limit:g})",
        )
        for name, limit in maxima.items()
        if limit is not None
    ]
    table = group_table(y_true, y_pred, groups)
    failed = [c for c in checks if not c.passed]
    head = ", ".join(f"{name} {value:.4g}" for name, value in values.items())
    summary = (
        "; ".join(c.message for c in failed)
        if failed
        else f"{len(table)} groups of {column!r}: {head}"
    )
    return GateResult(
        gate="fairness",
        status="fail" if failed else "pass",
        summary=summary,
        checks=tuple(checks),
        metrics=values,
        tables={"groups": table},
        plots={"groups": _plot(column, table)},
    )


def group_table(
    y_true: np.ndarray[Any, Any], y_pred: np.ndarray[Any, Any], groups: np.ndarray[Any, Any]
) -> list[dict[str, JsonCell]]:
    """Per group: rows, positives, selection rate, TPR and FPR (fairlearn's MetricFrame)."""
    frame = MetricFrame(
        metrics={
            "count": count,
            "selection_rate": selection_rate,
            "tpr": true_positive_rate,
            "fpr": false_positive_rate,
        },
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=pd.Series(groups, name="group"),
    )
    positives = pd.Series(y_true).groupby(groups).sum()
    return [
        {
            "group": str(group),
            "count": int(row["count"]),
            "positives": int(positives[group]),
            "selection_rate": float(row["selection_rate"]),
            "tpr": float(row["tpr"]),
            "fpr": float(row["fpr"]),
        }
        for group, row in frame.by_group.iterrows()
    ]


def _plot(column: str, table: list[dict[str, JsonCell]]) -> str:
    series = {
        label: [float(row[key] or 0.0) for row in table]
        for key, label in (("selection_rate", "selection rate"), ("tpr", "TPR"), ("fpr", "FPR"))
    }
    return plots.grouped_bars(f"Rates by {column}", [str(row["group"]) for row in table], series)
