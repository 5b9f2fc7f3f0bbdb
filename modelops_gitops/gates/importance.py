"""Permutation importance (scikit-learn's `permutation_importance`): how much a model's score
on its evaluation data drops when one feature's values are shuffled, model-agnostic.

The score is the test gate's: roc_auc for a binary classifier with `predict_proba`, accuracy
for other classifiers, r2 for regression. Shuffles are seeded (`random_state=0`) and repeated
`REPEATS` times on at most `MAX_ROWS` rows drawn by the same seed, so a result reproduces
exactly and stays cheap on large evaluation sets.

    rows = permutation(model, frame, features=[...], target="approved", task=..., artifact=...)
    rows[0] == {"feature": "debt_ratio", "importance": 0.12, "std": 0.004, "rank": 1}
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from modelops_gitops.errors import GateInputError
from modelops_gitops.gates import plots
from modelops_gitops.gates.result import JsonCell
from modelops_gitops.kinds.model import Task

REPEATS = 5
MAX_ROWS = 1000
SEED = 0

Row = dict[str, JsonCell]


def scoring(task: Task, model: Any) -> str:
    if task == "regression":
        return "r2"
    has_proba = callable(getattr(model, "predict_proba", None))
    return "roc_auc" if task == "binary_classification" and has_proba else "accuracy"


def permutation(
    model: Any, frame: pd.DataFrame, *, features: list[str], target: str, task: Task, artifact: str
) -> list[Row]:
    """One row per feature, most important first (ties by name)."""
    from sklearn.inspection import permutation_importance

    table = frame[features]
    X: Any = table if getattr(model, "feature_names_in_", None) is not None else table.to_numpy()
    try:
        found = permutation_importance(
            model,
            X,
            frame[target].to_numpy(),
            scoring=scoring(task, model),
            n_repeats=REPEATS,
            random_state=SEED,
            max_samples=min(MAX_ROWS, len(frame)) / len(frame),
        )
    except Exception as exc:  # the model is foreign code: any failure is a scoring failure
        raise GateInputError.at(
            artifact, f"permutation importance failed: {type(exc).__name__}: {exc}"
        ) from exc
    pairs = sorted(
        zip(features, found.importances_mean, found.importances_std, strict=True),
        key=lambda item: (-float(item[1]), item[0]),
    )
    return [
        {"feature": name, "importance": float(mean), "std": float(std), "rank": rank}
        for rank, (name, mean, std) in enumerate(pairs, start=1)
    ]


def plot(rows: list[Row], score: str) -> str:
    return plots.horizontal_bars(
        f"Permutation importance (drop in {score})",
        [str(row["feature"]) for row in rows],
        [float(row["importance"] or 0.0) for row in rows],
        [float(row["std"] or 0.0) for row in rows],
    )


def shift(champion: list[Row], challenger: list[Row]) -> list[Row]:
    """Per feature: its importance for the champion and the challenger and the change
    (challenger - champion; a feature one model does not take counts 0), largest change
    first: what the new version leans on that the old one did not, and the reverse."""
    before = {str(r["feature"]): float(r["importance"] or 0.0) for r in champion}
    after = {str(r["feature"]): float(r["importance"] or 0.0) for r in challenger}
    names = sorted(set(before) | set(after))
    rows: list[Row] = [
        {
            "feature": name,
            "champion": before.get(name, 0.0),
            "challenger": after.get(name, 0.0),
            "shift": after.get(name, 0.0) - before.get(name, 0.0),
        }
        for name in names
    ]
    return sorted(rows, key=lambda r: (-abs(float(r["shift"] or 0.0)), str(r["feature"])))
