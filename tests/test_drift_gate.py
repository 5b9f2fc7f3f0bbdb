"""The drift gate through the runner's Gate protocol: a Model pinning its training data and a
monitoring snapshot by sha256, a Policy drift rule, the GateResult envelope."""

from __future__ import annotations

from pathlib import Path

import pytest
from gate_support import lending_repo, population, sha256

from modelops_gitops.errors import GateInputError
from modelops_gitops.gates.base import GateRequest
from modelops_gitops.gates.drift import gate
from modelops_gitops.gates.runner import VerifiedIO
from modelops_gitops.kinds.policy import DriftRule


def request(
    root: Path, *, shift: float, rule: dict[str, object] | None = None, **monitoring: object
) -> GateRequest:
    repo = lending_repo(root)
    snapshot = population(1200, seed=3)
    snapshot["income"] += shift
    pin = repo.write_frame("data/snapshot.parquet", snapshot)
    model = repo.model(monitoring=monitoring or {"current": pin})
    drift = DriftRule.model_validate({"type": "drift"} | (rule or {}))
    return GateRequest(repo.root, model, model.spec.versions[0], drift)


def test_drift_gate_checks_the_models_features(tmp_path: Path) -> None:
    req = request(tmp_path, shift=1.0)
    assert [p.path for p in gate.pins(req)] == ["data/train.parquet", "data/snapshot.parquet"]
    result = gate.run(req, VerifiedIO(req.root))
    assert result.gate == gate.NAME == "drift"
    rows = {row["name"]: row for row in result.tables["features"]}
    assert list(rows) == ["income", "tenure"]  # the model's features: not group, not the label
    assert rows["income"]["drifted"] is True
    assert rows["tenure"]["drifted"] is False
    assert result.status == "fail"  # 1 of 2 >= 0.5
    assert list(result.plots) == ["income"]
    assert result.inputs["data/snapshot.parquet"] == sha256(tmp_path / "data" / "snapshot.parquet")


def test_rule_settings_and_missing_snapshot(tmp_path: Path) -> None:
    req = request(
        tmp_path / "a", shift=1.0, rule={"share_threshold": 0.75, "columns": ["income", "group"]}
    )
    result = gate.run(req, VerifiedIO(req.root))
    assert [row["name"] for row in result.tables["features"]] == ["income", "group"]
    assert result.status == "pass"  # 1 of 2 < 0.75
    tampered = request(tmp_path / "b", shift=0.0)
    (tmp_path / "b" / "data" / "snapshot.parquet").write_bytes(b"changed")
    with pytest.raises(GateInputError, match="sha256 mismatch"):
        gate.run(tampered, VerifiedIO(tampered.root))
    repo = lending_repo(tmp_path / "c")
    model = repo.model()
    bare = GateRequest(
        repo.root, model, model.spec.versions[0], DriftRule.model_validate({"type": "drift"})
    )
    with pytest.raises(GateInputError, match=r"spec\.monitoring\.current"):
        gate.pins(bare)
