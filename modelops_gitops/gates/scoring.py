"""Scoring: run a loaded model on an evaluation frame and check what comes back.

Everything that can go wrong here is the artifact's or the dataset's fault (a missing target
value, a label the model never saw, a model that raises or returns NaN), so it is a
GateInputError naming the file; the gates only ever see well-formed `Scores`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from modelops_gitops.errors import GateInputError
from modelops_gitops.gates.metrics import Scores
from modelops_gitops.kinds.model import ModelSpec, Pinned, Task, Version

if TYPE_CHECKING:
    from modelops_gitops.gates.base import GateIO


def model_features(model: Any, features: list[str], *, artifact: str) -> list[str]:
    """The columns to feed the model: the names it was fitted with when it knows them (each
    must be in `spec.features` when that is given), else `spec.features`, in order."""
    named = getattr(model, "feature_names_in_", None)
    if named is not None:
        names = [str(name) for name in named]
        extra = [name for name in names if features and name not in features]
        if extra:
            raise GateInputError.at(
                artifact, f"model uses feature(s) not in spec.features: {', '.join(extra)}"
            )
        return names
    if not features:
        raise GateInputError.at(
            artifact, "the model does not name its features and spec.features is empty"
        )
    expected = getattr(model, "n_features_in_", None)
    if expected is not None and expected != len(features):
        raise GateInputError.at(
            artifact, f"model expects {expected} features, spec.features lists {len(features)}"
        )
    return list(features)


def score_versions(
    io: GateIO,
    spec: ModelSpec,
    versions: Sequence[Version],
    dataset: Pinned,
    *,
    extra: Sequence[str] = (),
) -> tuple[list[Scores], pd.DataFrame]:
    """Each version's artifact scored on ONE read of `dataset` (verified by `io`), with the
    `extra` columns kept in the frame: what the test, champion and fairness gates share."""
    models = [io.model(version.artifact) for version in versions]
    columns = [
        model_features(model, spec.features, artifact=version.artifact.path)
        for model, version in zip(models, versions, strict=True)
    ]
    wanted = list(dict.fromkeys([*(c for cols in columns for c in cols), spec.target, *extra]))
    frame = io.frame(dataset, wanted)
    scores = [
        score(
            model,
            frame,
            features=features,
            target=spec.target,
            task=spec.task,
            artifact=version.artifact.path,
            dataset=dataset.path,
        )
        for model, features, version in zip(models, columns, versions, strict=True)
    ]
    return scores, frame


def score(
    model: Any,
    frame: pd.DataFrame,
    *,
    features: list[str],
    target: str,
    task: Task,
    artifact: str,
    dataset: str,
) -> Scores:
    """Run the model on the evaluation frame. Bad targets (missing values, labels the model
    does not know), a model that raises, and non-finite or misshapen output are
    GateInputErrors naming the artifact or dataset."""
    table = frame[features]
    X: Any = table if getattr(model, "feature_names_in_", None) is not None else table.to_numpy()
    y_true = frame[target].to_numpy()
    if (missing := int(pd.isna(y_true).sum())) > 0:
        raise GateInputError.at(dataset, f"target column {target!r} has {missing} missing value(s)")
    y_pred = _column(_call(model.predict, X, artifact, dataset), len(frame), artifact, "predict")
    _require_finite(y_pred, artifact, dataset)
    if task == "regression":
        return Scores(task, y_true.astype(np.float64), y_pred.astype(np.float64))
    proba = None
    if callable(getattr(model, "predict_proba", None)):
        proba = np.asarray(_call(model.predict_proba, X, artifact, dataset))
        if proba.dtype.kind != "f":  # keep float32 as float32: its rows sum to 1 in float32
            proba = proba.astype(np.float64)
    classes = getattr(model, "classes_", None)
    classes = np.unique(np.concatenate([y_true, y_pred])) if classes is None else classes
    _check_labels(y_true, np.asarray(classes), task, artifact, dataset)
    if proba is not None:
        if proba.shape != (len(frame), len(classes)):
            raise GateInputError.at(
                artifact,
                f"predict_proba returned shape {proba.shape}, expected "
                f"({len(frame)}, {len(classes)})",
            )
        _require_finite(proba, artifact, dataset)
    return Scores(task, y_true, y_pred, proba, np.asarray(classes))


def _call(method: Callable[[Any], Any], X: Any, artifact: str, dataset: str) -> Any:
    try:
        return method(X)
    except Exception as exc:  # the model is foreign code: any failure is a scoring failure
        name = getattr(method, "__name__", "predict")
        raise GateInputError.at(
            artifact, f"{name}() failed on {dataset}: {type(exc).__name__}: {exc}"
        ) from exc


def _column(values: Any, rows: int, artifact: str, what: str) -> np.ndarray[Any, Any]:
    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array.ravel()
    if array.shape != (rows,):
        raise GateInputError.at(
            artifact, f"{what} returned shape {array.shape}, expected ({rows},)"
        )
    return array


def _require_finite(values: np.ndarray[Any, Any], artifact: str, dataset: str) -> None:
    if values.dtype.kind in "fc":
        bad = int(np.count_nonzero(~np.isfinite(values)))
    else:
        bad = int(pd.isna(values).sum())
    if bad:
        raise GateInputError.at(
            artifact, f"model produced {bad} non-finite or missing value(s) on {dataset}"
        )


def _check_labels(
    y_true: np.ndarray[Any, Any],
    classes: np.ndarray[Any, Any],
    task: Task,
    artifact: str,
    dataset: str,
) -> None:
    if task == "binary_classification" and len(classes) != 2:
        raise GateInputError.at(
            artifact, f"task is binary_classification but the model has {len(classes)} classes"
        )
    unknown = sorted(map(str, set(pd.unique(y_true)) - set(classes.tolist())))
    if unknown:
        raise GateInputError.at(
            dataset,
            f"target labels the model does not know: {', '.join(unknown[:5])} "
            f"(model classes: {', '.join(map(str, classes.tolist()))})",
        )
