"""Explainability: permutation importance of a version on its evaluation data (scikit-learn's
`permutation_importance`, the test gate's score, seeded) in the test gate's evidence and in
the `explainability` gate, whose rule bounds named features and requires the top features to
be among declared ones. Figures are checked against scikit-learn called directly."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import skops.io as sio
from conftest import Result, make_repo
from plan_fixtures import CREDIT, example_files, parsed, plan_args, promotion_pr
from pydantic import ValidationError
from sklearn.inspection import permutation_importance

from modelops_gitops.gates import explainability
from modelops_gitops.kinds.policy import ExplainabilityRule

Cli = Callable[..., Result]
POLICY = "policies/production-high-risk.yaml"


@pytest.fixture(scope="module")
def credit_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("explain"), example_files())


def gate_json(cli: Cli, repo: Path, gate: str, version: str, *sets: str) -> dict[str, Any]:
    args = [arg for pair in sets for arg in ("--set", pair)]
    result = cli("gate", gate, "credit", version, "--repo", str(repo), "--format", "json", *args)
    assert "Traceback" not in result.output, result.output
    data: dict[str, Any] = json.loads(result.out)["result"]
    data["exit"] = result.code
    return data


def sklearn_importance(repo: Path, version: str) -> dict[str, float]:
    path = repo / f"artifacts/credit/{version}.skops"
    model: Any = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    frame = pd.read_parquet(repo / "data/credit/eval.parquet")
    features = [str(name) for name in model.feature_names_in_]
    found = permutation_importance(
        model,
        frame[features],
        frame["approved"].to_numpy(),
        scoring="roc_auc",
        n_repeats=5,
        random_state=0,
        max_samples=1000 / len(frame),
    )
    return dict(zip(features, map(float, found.importances_mean), strict=True))


def test_the_test_gate_carries_the_importance_table_and_plot(cli: Cli, credit_repo: Path) -> None:
    result = gate_json(cli, credit_repo, "test", "1.2.0")

    expected = sklearn_importance(credit_repo, "1.2.0")
    rows = result["tables"]["importance"]
    assert {row["feature"]: row["importance"] for row in rows} == pytest.approx(expected, abs=1e-12)
    assert [row["rank"] for row in rows] == list(range(1, len(expected) + 1))
    assert [row["feature"] for row in rows] == sorted(expected, key=lambda f: -expected[f])
    assert result["plots"]["permutation_importance"].startswith("<?xml")
    assert "Permutation importance (drop in roc_auc)" in result["plots"]["permutation_importance"]
    again = gate_json(cli, credit_repo, "test", "1.2.0", "tolerance=0.000002")  # not cached
    assert again["plots"]["permutation_importance"] == result["plots"]["permutation_importance"]


def test_a_bounded_feature_over_its_bound_fails(cli: Cli, credit_repo: Path) -> None:
    expected = sklearn_importance(credit_repo, "1.2.0")

    result = gate_json(
        cli, credit_repo, "explainability", "1.2.0", 'max_importance={"income": 0.05, "sex": 0}'
    )

    assert result["exit"] == 1
    checks = {c["name"]: c for c in result["checks"]}
    income = checks["importance of income <= 0.05"]
    assert income["value"] == pytest.approx(expected["income"], abs=1e-12)
    assert income["passed"] is False
    sex = checks["importance of sex <= 0"]  # sex is no input of the model: importance 0
    assert (sex["value"], sex["passed"]) == (0.0, True)
    assert "importance of sex 0 (not an input of the model) is within 0" in sex["message"]


def test_top_features_must_be_among_the_declared_ones(cli: Cli, credit_repo: Path) -> None:
    allowed = gate_json(cli, credit_repo, "explainability", "1.1.0")  # default: top 3 declared
    narrow = gate_json(
        cli,
        credit_repo,
        "explainability",
        "1.1.0",
        "top=2",
        'top_among=["debt_ratio", "age"]',
    )

    assert allowed["exit"] == 0
    assert narrow["exit"] == 1
    [check] = narrow["checks"]
    assert check["message"] == "top 2 features include undeclared income"


def test_evaluate_is_pure_on_an_importance_table() -> None:
    rows: list[dict[str, Any]] = [
        {"feature": "a", "importance": 0.3, "std": 0.01, "rank": 1},
        {"feature": "proxy", "importance": 0.2, "std": 0.01, "rank": 2},
    ]
    rule = ExplainabilityRule.model_validate(
        {"type": "explainability", "max_importance": {"proxy": 0.1}, "top": 1, "top_among": ["a"]}
    )
    result = explainability.evaluate(rows, rule)
    assert [c.passed for c in result.checks] == [False, True]
    assert result.summary == "importance of proxy 0.2 is over 0.1"
    assert result.metrics == {"importance.a": 0.3, "importance.proxy": 0.2}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "give max_importance, or top with top_among"),
        ({"top": 2}, "top and top_among go together"),
        ({"top_among": ["a"]}, "top and top_among go together"),
        ({"max_importance": {"a": -0.1}}, "greater than or equal to 0"),
        ({"top": 0, "top_among": ["a"]}, "greater than or equal to 1"),
    ],
)
def test_malformed_explainability_rules_are_refused(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ExplainabilityRule.model_validate({"type": "explainability", **config})


def test_plan_runs_the_explainability_gate_on_a_promotion(cli: Cli, tmp_path: Path) -> None:
    rule = (
        "    - id: no-income-reliance\n      type: explainability\n"
        "      max_importance:\n        income: 0.05\n"
    )
    repo, _ = promotion_pr(tmp_path, {POLICY: lambda text: text + rule})

    data = parsed(cli(*plan_args(repo)))

    [change] = [c for c in data["changes"] if c["kind"] == "stage.promoted"]
    [finding] = [f for f in change["findings"] if f["rule"] == "no-income-reliance"]
    assert finding["result"] == "fail"
    assert finding["gate"]["gate"] == "explainability"
    assert "importance of income 0.12" in finding["message"]
    assert finding["file"] == CREDIT


def test_champion_challenger_shows_the_shift_in_importance(cli: Cli, credit_repo: Path) -> None:
    result = gate_json(cli, credit_repo, "champion", "1.2.0", "require_significant=false")

    champion = sklearn_importance(credit_repo, "1.1.0")
    challenger = sklearn_importance(credit_repo, "1.2.0")
    rows = {row["feature"]: row for row in result["tables"]["importances"]}
    assert set(rows) == set(champion)
    for feature, row in rows.items():
        assert row["champion"] == pytest.approx(champion[feature], abs=1e-12)
        assert row["challenger"] == pytest.approx(challenger[feature], abs=1e-12)
        assert row["shift"] == pytest.approx(challenger[feature] - champion[feature], abs=1e-12)
    shifts = [abs(row["shift"]) for row in result["tables"]["importances"]]
    assert shifts == sorted(shifts, reverse=True)
