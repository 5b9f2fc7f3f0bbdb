"""The fairness gate on a synthetic population with a built-in disparity: the gate's numbers
are cross-checked against fairlearn's MetricFrame and against a plain pandas computation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate
from gate_support import SHIFT, Repo, diabetes, lending_repo, population

from modelops_gitops.errors import GateInputError
from modelops_gitops.gates.base import GateRequest
from modelops_gitops.gates.runner import run_gate
from modelops_gitops.kinds.policy import FairnessRule


@pytest.fixture(scope="module")
def lending(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    return lending_repo(tmp_path_factory.mktemp("lending"))


def assess(repo: Repo, **config: Any) -> Any:
    rule = FairnessRule.model_validate({"type": "fairness", "sensitive_feature": "group"} | config)
    model = repo.model()
    return run_gate("fairness", GateRequest(repo.root, model, model.spec.versions[0], rule))


def predictions(repo: Repo) -> pd.DataFrame:
    frame = repo.eval_frame()
    frame["predicted"] = repo.fitted["1.0.0"].predict(frame[repo.features])
    return frame


def test_metrics_match_fairlearn_and_a_plain_pandas_computation(lending: Repo) -> None:
    frame = predictions(lending)
    result = assess(lending)
    by_group = MetricFrame(
        metrics={
            "selection_rate": selection_rate,
            "tpr": true_positive_rate,
            "fpr": false_positive_rate,
        },
        y_true=frame["approved"],
        y_pred=frame["predicted"],
        sensitive_features=frame["group"],
    ).by_group
    rows = {row["group"]: row for row in result.tables["groups"]}
    assert set(rows) == set(SHIFT)
    for group, expected in by_group.iterrows():
        assert rows[group]["selection_rate"] == pytest.approx(expected["selection_rate"])
        assert rows[group]["tpr"] == pytest.approx(expected["tpr"])
        assert rows[group]["fpr"] == pytest.approx(expected["fpr"])
        assert rows[group]["count"] == int((frame["group"] == group).sum())
    # the definitions, written out with pandas alone
    rate = frame.groupby("group")["predicted"].mean()
    tpr = frame[frame["approved"] == 1].groupby("group")["predicted"].mean()
    fpr = frame[frame["approved"] == 0].groupby("group")["predicted"].mean()
    spread = lambda s: s.max() - s.min()  # noqa: E731
    assert result.metrics["demographic_parity_difference"] == pytest.approx(spread(rate))
    assert result.metrics["equalized_odds_difference"] == pytest.approx(
        max(spread(tpr), spread(fpr))
    )
    assert rate["a"] > rate["b"] > rate["c"]  # the disparity built into the population
    assert result.status == "pass"  # no maxima: the gate reports
    assert result.plots["groups"].startswith("<?xml")


def test_disparity_above_the_maximum_fails(lending: Repo) -> None:
    measured = assess(lending).metrics
    result = assess(
        lending,
        max_demographic_parity_difference=measured["demographic_parity_difference"] - 0.01,
        max_equalized_odds_difference=measured["equalized_odds_difference"] + 0.01,
    )
    assert result.status == "fail"
    assert [c.passed for c in result.checks] == [False, True]
    assert "demographic_parity_difference over 'group'" in result.summary
    lenient = assess(lending, max_demographic_parity_difference=1.0)
    assert lenient.status == "pass"


def test_missing_sensitive_values_form_their_own_group(tmp_path: Path, lending: Repo) -> None:
    repo = Repo(
        tmp_path,
        "lending",
        "binary_classification",
        "approved",
        lending.features,
        sensitive=["group"],
    )
    frame = population(300, seed=3)
    frame["group"] = frame["group"].astype(object)
    frame.loc[:9, "group"] = None
    repo.write_frame("data/train.parquet", frame)
    repo.write_frame("data/eval.parquet", frame)
    repo.add_version("1.0.0", lending.fitted["1.0.0"])
    rows = {row["group"]: row for row in assess(repo).tables["groups"]}
    assert rows["(missing)"]["count"] == 10


def test_missing_sensitive_column_is_an_input_error(lending: Repo) -> None:
    with pytest.raises(GateInputError, match="'region'") as info:
        assess(lending, sensitive_feature="region")
    assert "data/eval.parquet" in str(info.value)


def test_regression_models_are_refused(tmp_path: Path) -> None:
    repo = diabetes(tmp_path)
    model = repo.model()
    rule = FairnessRule(type="fairness", sensitive_feature="sex")
    with pytest.raises(GateInputError, match="needs a binary classifier"):
        run_gate("fairness", GateRequest(repo.root, model, model.spec.versions[0], rule))
