"""The test gate on real models: metrics cross-checked with scikit-learn, thresholds, claimed
metrics, and bad inputs that must become clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gate_support import Repo, breast_cancer, diabetes, iris
from sklearn import metrics as skm
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import Ridge

from modelops_gitops.errors import GateInputError
from modelops_gitops.gates.base import GateRequest
from modelops_gitops.gates.runner import run_gate
from modelops_gitops.kinds import policy


class HolesRegressor(RegressorMixin, BaseEstimator):
    """A real, fitted regressor that predicts NaN for every fifth row."""

    def fit(self, X: Any, y: Any) -> HolesRegressor:
        self.ridge_ = Ridge().fit(X, y)
        return self

    def predict(self, X: Any) -> Any:
        out = self.ridge_.predict(X)
        out[::5] = np.nan
        return out


@pytest.fixture(scope="module")
def cancer(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    return breast_cancer(tmp_path_factory.mktemp("cancer"))


@pytest.fixture(scope="module")
def sugar(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    return diabetes(tmp_path_factory.mktemp("diabetes"))


def gate(repo: Repo, version: str, rule: policy.TestRule, **spec: Any) -> Any:
    model = repo.model(**spec)
    found = model.spec.version(version)
    assert found is not None
    return run_gate("test", GateRequest(repo.root, model, found, rule))


def rule(**config: Any) -> policy.TestRule:
    return policy.TestRule.model_validate({"type": "test"} | config)


def sklearn_binary(repo: Repo, version: str) -> dict[str, float]:
    """The metrics as scikit-learn computes them directly on the stored eval set."""
    frame = repo.eval_frame()
    model = repo.fitted[version]
    y, X = frame["target"], frame[list(model.feature_names_in_)]
    proba, pred = model.predict_proba(X)[:, 1], model.predict(X)
    return {
        "roc_auc": skm.roc_auc_score(y, proba),
        "accuracy": skm.accuracy_score(y, pred),
        "f1": skm.f1_score(y, pred),
        "precision": skm.precision_score(y, pred),
        "recall": skm.recall_score(y, pred),
        "log_loss": skm.log_loss(y, model.predict_proba(X)),
    }


def test_binary_metrics_match_sklearn_and_claimed_metrics_reproduce(cancer: Repo) -> None:
    expected = sklearn_binary(cancer, "1.1.0")
    cancer.versions[1]["metrics"] = {"roc_auc": round(expected["roc_auc"], 3), "notes": 1.0}
    try:
        result = gate(cancer, "1.1.0", rule(thresholds={"roc_auc": {"min": 0.9}}))
    finally:
        cancer.versions[1]["metrics"] = {}
    assert result.status == "pass", result.summary
    assert result.metrics == pytest.approx(expected, abs=1e-12)
    assert [c.name for c in result.checks] == ["roc_auc >= 0.9", "reproduce roc_auc"]
    notes = [row for row in result.tables["metrics"] if row["metric"] == "notes"]
    assert notes[0]["note"].startswith("not checked")
    assert result.plots["roc_curve"].startswith("<?xml")
    assert set(result.inputs) == {"artifacts/cancer/1.1.0/model.skops", "data/eval.parquet"}


def test_threshold_violation_fails_and_names_the_metric(cancer: Repo) -> None:
    expected = sklearn_binary(cancer, "1.0.0")
    result = gate(
        cancer, "1.0.0", rule(thresholds={"roc_auc": {"min": 0.9}, "log_loss": {"max": 1}})
    )
    assert expected["roc_auc"] < 0.9  # the weak model really is weak
    assert result.status == "fail"
    failed = [c for c in result.checks if not c.passed]
    assert [c.name for c in failed] == ["roc_auc >= 0.9"]
    assert failed[0].value == pytest.approx(expected["roc_auc"])
    assert "roc_auc" in result.summary


def test_claimed_metric_that_does_not_reproduce_fails(cancer: Repo) -> None:
    accuracy = sklearn_binary(cancer, "1.1.0")["accuracy"]
    cancer.versions[1]["metrics"] = {"accuracy": accuracy + 0.02}
    try:
        result = gate(cancer, "1.1.0", rule(tolerance=0.01))
        lenient = gate(cancer, "1.1.0", rule(tolerance=0.03))
        unchecked = gate(cancer, "1.1.0", rule(reproduce=False))
    finally:
        cancer.versions[1]["metrics"] = {}
    assert result.status == "fail"
    (check,) = result.checks
    assert check.name == "reproduce accuracy"
    assert check.value == pytest.approx(0.02)
    assert "does not reproduce" in check.message
    assert lenient.status == "pass"
    assert unchecked.status == "pass"
    assert unchecked.checks == ()


def test_unknown_or_inapplicable_metrics_are_failed_checks_not_crashes(cancer: Repo) -> None:
    result = gate(cancer, "1.1.0", rule(thresholds={"auc": {"min": 0.5}, "rmse": {"max": 1}}))
    assert result.status == "fail"
    messages = {c.name: c.message for c in result.checks}
    assert "unknown metric 'auc'" in messages["auc >= 0.5"]
    assert "rmse does not apply to binary_classification" in messages["rmse <= 1"]


def test_regression_metrics_match_sklearn(sugar: Repo) -> None:
    frame = sugar.eval_frame()
    prediction = sugar.fitted["1.0.0"].predict(frame[sugar.features])
    rmse = skm.root_mean_squared_error(frame["target"], prediction)
    result = gate(sugar, "1.0.0", rule(thresholds={"rmse": {"max": rmse - 1}, "r2": {"min": 0.3}}))
    assert result.metrics == pytest.approx(
        {
            "rmse": rmse,
            "mae": skm.mean_absolute_error(frame["target"], prediction),
            "r2": skm.r2_score(frame["target"], prediction),
        }
    )
    assert result.status == "fail"
    assert [c.passed for c in result.checks] == [True, False]  # r2 >= 0.3, rmse <= ...
    assert set(result.plots) == {"permutation_importance"}  # no ROC curve for a regressor


def test_multiclass_uses_macro_averages(tmp_path: Path) -> None:
    repo = iris(tmp_path)
    frame = repo.eval_frame()
    model = repo.fitted["1.0.0"]
    X, y = frame[repo.features], frame["target"]
    result = gate(repo, "1.0.0", rule())
    assert result.metrics == pytest.approx(
        {
            "roc_auc": skm.roc_auc_score(y, model.predict_proba(X), multi_class="ovr"),
            "accuracy": skm.accuracy_score(y, model.predict(X)),
            "f1": skm.f1_score(y, model.predict(X), average="macro"),
            "precision": skm.precision_score(y, model.predict(X), average="macro"),
            "recall": skm.recall_score(y, model.predict(X), average="macro"),
            "log_loss": skm.log_loss(y, model.predict_proba(X)),
        }
    )


def test_missing_feature_column_is_an_input_error_naming_it(tmp_path: Path) -> None:
    repo = breast_cancer(tmp_path)
    pin = repo.write_frame("data/eval.parquet", repo.eval_frame().drop(columns=["mean_radius"]))
    repo.versions[1]["datasets"]["eval"] = pin
    with pytest.raises(GateInputError, match="mean_radius") as info:
        gate(repo, "1.1.0", rule())
    assert "data/eval.parquet" in str(info.value)


def test_empty_eval_data_is_an_input_error(tmp_path: Path) -> None:
    repo = breast_cancer(tmp_path)
    repo.versions[1]["datasets"]["eval"] = repo.write_frame(
        "data/eval.parquet", repo.eval_frame().iloc[0:0]
    )
    with pytest.raises(GateInputError, match="no rows"):
        gate(repo, "1.1.0", rule())


def test_eval_data_not_matching_its_pin_is_refused(tmp_path: Path) -> None:
    repo = breast_cancer(tmp_path)
    repo.write_frame("data/eval.parquet", repo.eval_frame().iloc[:50])
    with pytest.raises(GateInputError, match="sha256 mismatch"):
        gate(repo, "1.1.0", rule())


def test_missing_target_values_and_unknown_labels_are_input_errors(tmp_path: Path) -> None:
    repo = breast_cancer(tmp_path)
    frame = repo.eval_frame()
    frame["target"] = frame["target"].astype("float64")
    frame.loc[3, "target"] = np.nan
    repo.versions[1]["datasets"]["eval"] = repo.write_frame("data/eval.parquet", frame)
    with pytest.raises(GateInputError, match="'target' has 1 missing value"):
        gate(repo, "1.1.0", rule())
    frame.loc[3, "target"] = 7
    repo.versions[1]["datasets"]["eval"] = repo.write_frame("data/eval.parquet", frame)
    with pytest.raises(GateInputError, match="target labels the model does not know: 7"):
        gate(repo, "1.1.0", rule())


def test_non_finite_predictions_are_an_input_error(sugar: Repo, tmp_path: Path) -> None:
    train = sugar.frames["data/train.parquet"]
    holes = HolesRegressor().fit(train[sugar.features].to_numpy(), train["target"])
    repo = Repo(tmp_path, "holes", "regression", "target", sugar.features)
    repo.write_frame("data/train.parquet", train)
    repo.write_frame("data/eval.parquet", sugar.eval_frame())
    repo.add_version("1.0.0", holes)
    model = repo.model()
    request = GateRequest(
        tmp_path,
        model,
        model.spec.versions[0],
        rule(),
        trusted_types=("test_gate_test.HolesRegressor",),
    )
    with pytest.raises(GateInputError, match=r"model produced \d+ non-finite"):
        run_gate("test", request)


def test_model_features_must_be_listed_in_the_spec(cancer: Repo) -> None:
    with pytest.raises(GateInputError, match=r"not in spec\.features: mean_texture"):
        gate(cancer, "1.1.0", rule(), features=["mean_radius"])
