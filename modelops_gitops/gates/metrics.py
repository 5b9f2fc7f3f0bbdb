"""Scores and metrics: what a model says about an evaluation set, and the one metric table the
test and champion gates share.

Classification metrics follow scikit-learn. Binary: the positive class is the model's
`classes_[1]` (scikit-learn's convention for `predict_proba[:, 1]`). Multiclass: roc_auc is
one-vs-rest, macro-averaged; f1, precision and recall are macro-averaged (every class counts
the same, so a neglected minority class shows). Precision/recall/f1 with no predicted (or no
true) samples of a class are 0 (`zero_division=0`). A metric scikit-learn calls undefined (it
warns, e.g. roc_auc with one class in y_true, r2 with one row) is reported as undefined with
the reason, never as NaN.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sklearn
from sklearn import metrics as skm

from modelops_gitops.kinds.model import Task

CLASSIFICATION: frozenset[Task] = frozenset({"binary_classification", "multiclass_classification"})
REGRESSION: frozenset[Task] = frozenset({"regression"})


class MetricUndefined(ValueError):
    """The metric has no value on these scores (the message says why)."""


@dataclass(frozen=True)
class Scores:
    """A model's predictions on an evaluation set. `proba` columns follow `classes`."""

    task: Task
    y_true: np.ndarray[Any, Any]
    y_pred: np.ndarray[Any, Any]
    proba: np.ndarray[Any, Any] | None = None
    classes: np.ndarray[Any, Any] | None = None

    def __len__(self) -> int:
        return len(self.y_true)

    def take(self, rows: np.ndarray[Any, Any]) -> Scores:
        """The scores of the given rows (a bootstrap resample)."""
        proba = None if self.proba is None else self.proba[rows]
        return Scores(self.task, self.y_true[rows], self.y_pred[rows], proba, self.classes)

    @property
    def positive(self) -> Any:
        """The positive class of a binary classifier."""
        if self.classes is None or len(self.classes) != 2:
            raise MetricUndefined("a binary metric needs exactly two classes")
        return self.classes[1]

    def positive_proba(self) -> np.ndarray[Any, Any]:
        if self.proba is None:
            raise MetricUndefined("the model has no predict_proba")
        return self.proba[:, 1]


@dataclass(frozen=True)
class Metric:
    name: str
    tasks: frozenset[Task]
    greater_is_better: bool
    compute: Callable[[Scores], float]
    description: str


def _roc_auc(s: Scores) -> float:
    if s.task == "binary_classification":
        return float(skm.roc_auc_score(s.y_true == s.positive, s.positive_proba()))
    if s.proba is None:
        raise MetricUndefined("the model has no predict_proba")
    return float(
        skm.roc_auc_score(s.y_true, s.proba, multi_class="ovr", average="macro", labels=s.classes)
    )


def _log_loss(s: Scores) -> float:
    if s.proba is None:
        raise MetricUndefined("the model has no predict_proba")
    return float(skm.log_loss(s.y_true, s.proba, labels=s.classes))


def _prf(function: Callable[..., Any]) -> Callable[[Scores], float]:
    def compute(s: Scores) -> float:
        if s.task == "binary_classification":
            options: dict[str, Any] = {"average": "binary", "pos_label": s.positive}
        else:
            options = {"average": "macro", "labels": s.classes}
        return float(function(s.y_true, s.y_pred, zero_division=0.0, **options))

    return compute


METRICS: dict[str, Metric] = {
    metric.name: metric
    for metric in (
        Metric("roc_auc", CLASSIFICATION, True, _roc_auc, "area under the ROC curve"),
        Metric(
            "accuracy",
            CLASSIFICATION,
            True,
            lambda s: float(skm.accuracy_score(s.y_true, s.y_pred)),
            "share of correct predictions",
        ),
        Metric("f1", CLASSIFICATION, True, _prf(skm.f1_score), "harmonic mean of precision/recall"),
        Metric("precision", CLASSIFICATION, True, _prf(skm.precision_score), "TP / (TP + FP)"),
        Metric("recall", CLASSIFICATION, True, _prf(skm.recall_score), "TP / (TP + FN)"),
        Metric("log_loss", CLASSIFICATION, False, _log_loss, "cross-entropy of predict_proba"),
        Metric(
            "rmse",
            REGRESSION,
            False,
            lambda s: float(skm.root_mean_squared_error(s.y_true, s.y_pred)),
            "root mean squared error",
        ),
        Metric(
            "mae",
            REGRESSION,
            False,
            lambda s: float(skm.mean_absolute_error(s.y_true, s.y_pred)),
            "mean absolute error",
        ),
        Metric(
            "r2",
            REGRESSION,
            True,
            lambda s: float(skm.r2_score(s.y_true, s.y_pred)),
            "coefficient of determination",
        ),
    )
}


def metric_for(name: str, task: Task) -> Metric:
    """The metric called `name`, if it applies to `task`; else MetricUndefined saying why."""
    metric = METRICS.get(name)
    known = ", ".join(n for n, m in METRICS.items() if task in m.tasks)
    if metric is None:
        raise MetricUndefined(f"unknown metric {name!r} (known for {task}: {known})")
    if task not in metric.tasks:
        raise MetricUndefined(f"{name} does not apply to {task} (known: {known})")
    return metric


def compute(metric: Metric, scores: Scores) -> float:
    """The metric's value, or MetricUndefined when scikit-learn says it is undefined or the
    result is not finite. scikit-learn's warnings are turned into that reason, not printed."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
                value = metric.compute(scores)
        except MetricUndefined:
            raise
        except (ValueError, Warning) as exc:
            raise MetricUndefined(str(exc).split("\n")[0]) from exc
    if not math.isfinite(value):
        raise MetricUndefined(f"{metric.name} is not finite ({value})")
    return value


def compute_all(scores: Scores) -> tuple[dict[str, float], dict[str, str]]:
    """Every metric for the task: (values, reasons for the undefined ones)."""
    values: dict[str, float] = {}
    undefined: dict[str, str] = {}
    for name, metric in METRICS.items():
        if scores.task not in metric.tasks:
            continue
        try:
            values[name] = compute(metric, scores)
        except MetricUndefined as exc:
            undefined[name] = str(exc)
    return values, undefined
