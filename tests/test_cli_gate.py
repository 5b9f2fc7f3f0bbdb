"""`gate test|champion|fairness|drift` through the CLI, on the bundled example's real models."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Result, copy_example


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_example(tmp_path_factory.mktemp("example"))


def test_drift_for_a_model_uses_its_features_and_flags_the_drifted_ones(
    example: Path, cli: Callable[..., Result]
) -> None:
    result = cli("gate", "drift", "credit", "1.2.0", "--format", "json", "--repo", str(example))
    assert result.code == 0, result.output
    body = json.loads(result.out)
    features = {f["name"]: f["drifted"] for f in body["features"]}
    assert sorted(features) == sorted(
        [
            "income",
            "debt_ratio",
            "age",
            "credit_history_months",
            "n_open_accounts",
            "employment_type",
            "region",
        ]
    )
    assert sorted(name for name, drifted in features.items() if drifted) == ["income", "region"]


def test_drift_between_any_two_files(example: Path, cli: Callable[..., Result]) -> None:
    result = cli(
        "gate",
        "drift",
        "--reference",
        str(example / "data/credit/train.parquet"),
        "--current",
        str(example / "data/credit/current.parquet"),
        "--format",
        "json",
    )
    assert result.code == 0, result.output
    body = json.loads(result.out)
    assert len(body["features"]) == 9  # every column of the current data, sex and approved too


def test_champion_beats_the_production_version(example: Path, cli: Callable[..., Result]) -> None:
    result = cli("gate", "champion", "credit", "1.2.0", "--repo", str(example))
    assert result.code == 0, result.output
    assert "1.2.0 beats 1.1.0 on roc_auc" in result.out


def test_a_threshold_override_fails_the_test_gate(
    example: Path, cli: Callable[..., Result]
) -> None:
    result = cli(
        "gate",
        "test",
        "credit",
        "1.2.0",
        "--set",
        "thresholds.roc_auc.min=0.99",
        "--repo",
        str(example),
    )
    assert result.code == 1
    assert "roc_auc" in result.out


def test_fairness_passes_for_the_ready_version(example: Path, cli: Callable[..., Result]) -> None:
    result = cli("gate", "fairness", "credit", "1.2.0", "--format", "json", "--repo", str(example))
    assert result.code == 0, result.output


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["gate", "test", "ghost", "1.0.0"], "unknown model 'ghost'"),
        (["gate", "drift", "diabetes", "1.0.0"], "spec.monitoring.current"),
        (["gate", "drift", "credit", "9.9.9"], "has no version '9.9.9'"),
        (["gate", "drift"], "give MODEL VERSION, or both --reference and --current"),
        (
            ["gate", "drift", "--reference", "nope.parquet", "--current", "nope.parquet"],
            "nope.parquet",
        ),
        (["gate", "champion", "diabetes", "1.0.0"], "no champion in production"),
    ],
)
def test_bad_gate_input_exits_2(
    example: Path, cli: Callable[..., Result], argv: list[str], message: str
) -> None:
    result = cli(*argv, "--repo", str(example))
    assert result.code == 2, result.output
    assert message in result.err
    assert "Traceback" not in result.output
