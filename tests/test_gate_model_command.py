"""`gate test|champion|fairness MODEL VERSION` as a command function: output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gate_support import Repo, breast_cancer, lending_repo

from modelops_gitops.commands import gate_model
from modelops_gitops.errors import GateInputError, InputError


@pytest.fixture(scope="module")
def cancer(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    return breast_cancer(tmp_path_factory.mktemp("cancer"))


def test_passing_gate_text_and_json(cancer: Repo) -> None:
    model = cancer.model()
    text, code = gate_model.run_gate(cancer.root, model, "1.1.0", "test")
    assert code == 0
    assert text.startswith("test cancer 1.1.0: PASS: ")
    assert "input artifacts/cancer/1.1.0/model.skops sha256 " in text
    out, code = gate_model.run_gate(cancer.root, model, "1.1.0", "test", fmt="json")
    body = json.loads(out)
    assert (code, body["model"], body["version"]) == (0, "cancer", "1.1.0")
    assert body["result"]["status"] == "pass"
    assert set(body["result"]["metrics"]) >= {"roc_auc", "accuracy", "log_loss"}


def test_failing_gate_exits_1_and_overrides_apply(cancer: Repo) -> None:
    overrides = gate_model.parse_overrides(["thresholds.roc_auc.min=0.999", "reproduce=false"])
    assert overrides == {"thresholds": {"roc_auc": {"min": 0.999}}, "reproduce": False}
    text, code = gate_model.run_gate(
        cancer.root, cancer.model(), "1.0.0", "test", overrides=overrides
    )
    assert code == 1
    assert "  [FAIL] roc_auc >= 0.999: " in text


def test_champion_command_with_and_without_a_champion(cancer: Repo, tmp_path: Path) -> None:
    model = cancer.model()
    overrides = {"bootstrap": {"samples": 100}, "min_absolute_change": 0.05}
    text, code = gate_model.run_gate(
        cancer.root,
        model,
        "1.1.0",
        "champion",
        champion="1.0.0",
        stage="production",
        overrides=overrides,
        cache_dir=tmp_path / "cache",
    )
    assert code == 0, text
    assert "1.1.0 beats 1.0.0 on roc_auc" in text
    assert list((tmp_path / "cache").glob("champion-*.json"))
    text, code = gate_model.run_gate(cancer.root, model, "1.1.0", "champion", stage="production")
    assert code == 0
    assert "no champion in stage production" in text


def test_fairness_defaults_to_the_first_sensitive_feature(cancer: Repo, tmp_path: Path) -> None:
    lending = lending_repo(tmp_path)
    text, code = gate_model.run_gate(lending.root, lending.model(), "1.0.0", "fairness")
    assert code == 0
    assert "3 groups of 'group'" in text
    with pytest.raises(GateInputError, match="lists no sensitive_features"):
        gate_model.run_gate(cancer.root, cancer.model(), "1.1.0", "fairness")


def test_bad_usage_is_an_input_error(cancer: Repo) -> None:
    model = cancer.model()
    with pytest.raises(InputError, match=r"no version 9\.9\.9 \(known: 1\.0\.0, 1\.1\.0\)"):
        gate_model.run_gate(cancer.root, model, "9.9.9", "test")
    with pytest.raises(InputError, match="unknown model gate 'drift'"):
        gate_model.run_gate(cancer.root, model, "1.1.0", "drift")
    with pytest.raises(InputError, match="tolerance"):
        gate_model.run_gate(cancer.root, model, "1.1.0", "test", overrides={"tolerance": -1})
    with pytest.raises(InputError, match="expected KEY=VALUE"):
        gate_model.parse_overrides(["tolerance"])


def test_gate_input_errors_propagate_to_the_cli_boundary(tmp_path: Path) -> None:
    repo = breast_cancer(tmp_path)
    (repo.root / "artifacts/cancer/1.1.0/model.skops").write_bytes(b"tampered")
    with pytest.raises(GateInputError, match="sha256 mismatch"):
        gate_model.run_gate(repo.root, repo.model(), "1.1.0", "test")
