"""Champion-challenger on real models: MLflow-style minimum changes, a seeded paired bootstrap
cross-checked against a direct numpy + scikit-learn computation, and the first promotion."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from gate_support import WEAK_FEATURES, Repo, breast_cancer
from sklearn import metrics as skm

from modelops_gitops.gates import champion
from modelops_gitops.gates.artifacts import load_artifact
from modelops_gitops.gates.base import GateRequest
from modelops_gitops.gates.metrics import METRICS
from modelops_gitops.gates.runner import VerifiedIO, run_gate
from modelops_gitops.kinds.policy import ChampionRule

SAMPLES = 100


@pytest.fixture(scope="module")
def cancer(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    return breast_cancer(tmp_path_factory.mktemp("cancer"))


def rule(**config: Any) -> ChampionRule:
    config.setdefault("bootstrap", {"samples": SAMPLES, "seed": 7})
    return ChampionRule.model_validate({"type": "champion", "metric": "roc_auc"} | config)


def compare(repo: Repo, candidate: str, incumbent: str | None, rule: ChampionRule) -> Any:
    model = repo.model()
    request = GateRequest(
        repo.root,
        model,
        model.spec.version(candidate),  # type: ignore[arg-type]
        rule,
        champion=model.spec.version(incumbent) if incumbent else None,
        stage="production",
    )
    return run_gate("champion", request)


def probabilities(repo: Repo, version: str) -> np.ndarray:
    frame = repo.eval_frame()
    fitted = repo.fitted[version]
    return fitted.predict_proba(frame[list(fitted.feature_names_in_)])


def direct_bootstrap(repo: Repo, samples: int, seed: int, confidence: float) -> np.ndarray:
    """The paired bootstrap written out with numpy and scikit-learn only."""
    y = repo.eval_frame()["target"].to_numpy()
    strong, weak = probabilities(repo, "1.1.0")[:, 1], probabilities(repo, "1.0.0")[:, 1]
    rng = np.random.default_rng(seed)
    gains = []
    for _ in range(samples):
        rows = rng.integers(0, len(y), size=len(y))
        if len(np.unique(y[rows])) == 2:
            gains.append(
                skm.roc_auc_score(y[rows], strong[rows]) - skm.roc_auc_score(y[rows], weak[rows])
            )
    tail = (1 - confidence) / 2 * 100
    return np.percentile(gains, [tail, 100 - tail])


def test_clear_improvement_passes_with_a_significant_interval(cancer: Repo) -> None:
    result = compare(
        cancer, "1.1.0", "1.0.0", rule(min_absolute_change=0.05, require_significant=True)
    )
    y = cancer.eval_frame()["target"]
    ours = skm.roc_auc_score(y, probabilities(cancer, "1.1.0")[:, 1])
    theirs = skm.roc_auc_score(y, probabilities(cancer, "1.0.0")[:, 1])
    assert result.status == "pass", result.summary
    assert result.metrics["candidate"] == pytest.approx(ours)
    assert result.metrics["champion"] == pytest.approx(theirs)
    assert result.metrics["improvement"] == pytest.approx(ours - theirs)
    low, high = direct_bootstrap(cancer, SAMPLES, 7, 0.95)
    assert (result.metrics["ci_low"], result.metrics["ci_high"]) == pytest.approx((low, high))
    assert [c.name for c in result.checks] == ["absolute change", "bootstrap interval above 0"]
    assert "1.1.0 beats 1.0.0 on roc_auc" in result.summary
    assert result.plots["bootstrap"].startswith("<?xml")
    assert {row["metric"] for row in result.tables["comparison"]} >= {"roc_auc", "log_loss"}
    # the weak champion uses 3 features, the candidate 30: each is fed its own columns
    assert len(WEAK_FEATURES) == 3


def test_improvement_below_the_minimum_fails(cancer: Repo) -> None:
    gain = compare(cancer, "1.1.0", "1.0.0", rule()).metrics["improvement"]
    result = compare(cancer, "1.1.0", "1.0.0", rule(min_absolute_change=gain + 0.01))
    assert result.status == "fail"
    (check,) = result.checks
    assert (check.name, check.value, check.threshold) == ("absolute change", gain, gain + 0.01)
    relative = compare(cancer, "1.1.0", "1.0.0", rule(min_relative_change=0.3))
    assert relative.status == "fail"
    assert relative.checks[0].value == pytest.approx(gain / relative.metrics["champion"])


def test_a_worse_candidate_fails_even_without_minimums(cancer: Repo) -> None:
    result = compare(cancer, "1.0.0", "1.1.0", rule())
    assert result.status == "fail"
    assert result.checks[0].name == "not worse"
    assert result.metrics["improvement"] < 0
    assert "1.0.0 does not beat 1.1.0" in result.summary


def test_lower_is_better_metrics_flip_the_direction(cancer: Repo) -> None:
    y = cancer.eval_frame()["target"]
    ours = skm.log_loss(y, probabilities(cancer, "1.1.0"))
    theirs = skm.log_loss(y, probabilities(cancer, "1.0.0"))
    result = compare(cancer, "1.1.0", "1.0.0", rule(metric="log_loss", min_absolute_change=0.1))
    assert not METRICS["log_loss"].greater_is_better
    assert result.metrics["improvement"] == pytest.approx(theirs - ours)
    assert result.status == "pass"


def test_bootstrap_is_deterministic_per_seed(cancer: Repo) -> None:
    first = compare(cancer, "1.1.0", "1.0.0", rule())
    again = compare(cancer, "1.1.0", "1.0.0", rule())
    other = compare(cancer, "1.1.0", "1.0.0", rule(bootstrap={"samples": SAMPLES, "seed": 8}))
    interval = (first.metrics["ci_low"], first.metrics["ci_high"])
    assert interval == (again.metrics["ci_low"], again.metrics["ci_high"])
    assert first.plots == again.plots
    assert interval != (other.metrics["ci_low"], other.metrics["ci_high"])


def test_mlflow_relative_change_semantics() -> None:
    rmse, auc = METRICS["rmse"], METRICS["roc_auc"]
    # lower is better: 10 -> 9 is an improvement of 1, i.e. 10% of the champion's value
    gain = champion.improvement(rmse, 9.0, 10.0)
    assert gain == 1.0
    assert champion.change_checks(rmse, gain, 10.0, rule(min_relative_change=0.1))[0].passed
    assert not champion.change_checks(rmse, gain, 10.0, rule(min_relative_change=0.11))[0].passed
    # a champion at 0: the candidate must simply be better (MLflow's fallback)
    (at_zero,) = champion.change_checks(auc, 0.0, 0.0, rule(min_relative_change=0.5))
    assert not at_zero.passed
    (better,) = champion.change_checks(auc, 0.2, 0.0, rule(min_relative_change=0.5))
    assert better.passed


def test_no_champion_is_a_first_promotion_and_loads_nothing(cancer: Repo) -> None:
    loads: list[str] = []

    def counting_loader(artifact: Any, **options: Any) -> Any:
        loads.append(artifact.path)
        return load_artifact(artifact, **options)

    model = cancer.model()
    request = GateRequest(cancer.root, model, model.spec.versions[1], rule(), stage="production")
    result = run_gate("champion", request, io=VerifiedIO(cancer.root, loader=counting_loader))
    assert result.status == "pass"
    assert "no champion in stage production" in result.summary
    assert loads == []


def test_unknown_metric_is_an_error_result(cancer: Repo) -> None:
    result = compare(cancer, "1.1.0", "1.0.0", rule(metric="rmse"))
    assert result.status == "error"
    assert "rmse does not apply to binary_classification" in result.summary


def test_bootstrap_reports_progress(cancer: Repo) -> None:
    seen: list[tuple[str, int, int]] = []
    model = cancer.model()
    request = GateRequest(
        cancer.root, model, model.spec.versions[1], rule(), champion=model.spec.versions[0]
    )
    io = VerifiedIO(
        cancer.root, progress=lambda task, done, total: seen.append((task, done, total))
    )
    run_gate("champion", request, io=io)
    assert seen == [("champion: bootstrap", 50, SAMPLES), ("champion: bootstrap", 100, SAMPLES)]
