"""The `kserve` deploy target: an InferenceService per (model, stage) under deploy/kserve/,
written in the apply commit, each one valid against the InferenceService CRD's OpenAPI schema
of the vendored KServe release (checked here with jsonschema, independently of the target's
own check), following promotion, rollback and removal; bad settings are exit 2 at their line."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from apply_fixtures import (
    MERGE_AT_Z,
    approvals,
    fresh_apply_repo,
    ledger_at,
    merge_pr,
    promote_credit,
    run_apply,
    run_status,
    run_verb,
)
from plan_fixtures import BREAST_CANCER, CREDIT, commit, run_git, set_stage

from modelops_gitops.apply.kserve_target import SCHEMA_FILE

SETTINGS = """\
  deploy:
    targets: [manifest, kserve]
    kserve:
      namespace: models
      storage_base: s3://acme-models/repo
      models:
        credit:
          namespace: credit-risk
          resources: {requests: {cpu: 500m, memory: 1Gi}}
          stages:
            production:
              canary_traffic_percent: 10
              min_replicas: 2
              resources: {limits: {memory: 2Gi}}
              predictor: {timeout: 30}
"""
SOURCE = (SCHEMA_FILE.parent / "SOURCE.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("template")


@pytest.fixture
def repo(template_dir: Path, tmp_path: Path) -> Path:
    repo = fresh_apply_repo(template_dir, tmp_path)
    text = (repo / "modelops.yaml").read_text(encoding="utf-8")
    commit(repo, {"modelops.yaml": text + SETTINGS}, "kserve", when=MERGE_AT_Z)
    return repo


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(gzip.decompress(SCHEMA_FILE.read_bytes()))
    return jsonschema.Draft7Validator(schema)


def services(repo: Path) -> dict[str, dict[str, Any]]:
    folder = repo / "deploy" / "kserve"
    return {
        str(p.relative_to(repo)): yaml.safe_load(p.read_text(encoding="utf-8"))
        for p in sorted(folder.rglob("*.yaml"))
    }


def all_valid(repo: Path, validator: jsonschema.protocols.Validator) -> dict[str, dict[str, Any]]:
    found = services(repo)
    assert found
    for path, service in found.items():
        errors = [e.message for e in validator.iter_errors(service)]
        assert errors == [], path
        assert (service["apiVersion"], service["kind"]) == (
            "serving.kserve.io/v1beta1",
            "InferenceService",
        )
    return found


def test_the_vendored_schema_names_its_source_release_and_license() -> None:
    assert "https://github.com/kserve/kserve/blob/v0.20.0/config/crd/full/" in SOURCE
    assert "Apache License 2.0" in SOURCE
    schema = json.loads(gzip.decompress(SCHEMA_FILE.read_bytes()))
    assert "predictor" in schema["properties"]["spec"]["required"]


def test_every_stage_gets_a_valid_inference_service_that_follows_the_ledger(
    repo: Path, tmp_path: Path, validator: jsonschema.protocols.Validator
) -> None:
    code, out = run_apply(repo)
    assert code == 0, out  # the newly configured target's files: written as repairs
    found = all_valid(repo, validator)
    assert sorted(found) == [
        "deploy/kserve/production/breast-cancer.yaml",
        "deploy/kserve/production/credit.yaml",
        "deploy/kserve/production/diabetes.yaml",
        "deploy/kserve/staging/breast-cancer.yaml",
        "deploy/kserve/staging/credit.yaml",
    ]
    production = found["deploy/kserve/production/credit.yaml"]
    assert production["metadata"]["name"] == "credit-production"
    assert production["metadata"]["namespace"] == "credit-risk"
    assert production["metadata"]["annotations"]["modelops-gitops/version"] == "1.1.0"
    predictor = production["spec"]["predictor"]
    assert predictor["canaryTrafficPercent"] == 10
    assert predictor["minReplicas"] == 2
    assert predictor["timeout"] == 30
    assert predictor["model"]["modelFormat"] == {"name": "sklearn"}
    assert predictor["model"]["resources"] == {
        "requests": {"cpu": "500m", "memory": "1Gi"},
        "limits": {"memory": "2Gi"},
    }
    with (repo / CREDIT).open(encoding="utf-8") as handle:
        model = yaml.safe_load(handle)
    held = next(v for v in model["spec"]["versions"] if v["version"] == "1.1.0")
    assert predictor["model"]["storageUri"] == f"s3://acme-models/repo/{held['artifact']['path']}"
    staging = found["deploy/kserve/staging/credit.yaml"]["spec"]["predictor"]
    assert "canaryTrafficPercent" not in staging  # the production stage's fields only
    assert staging["model"]["resources"] == {"requests": {"cpu": "500m", "memory": "1Gi"}}
    assert found["deploy/kserve/production/diabetes.yaml"]["metadata"]["namespace"] == "models"

    _, _, file = promote_credit(repo, tmp_path)
    assert run_apply(repo, "--approvals", str(file))[0] == 0
    promoted = all_valid(repo, validator)["deploy/kserve/production/credit.yaml"]
    assert promoted["metadata"]["annotations"]["modelops-gitops/version"] == "1.2.0"
    assert promoted["metadata"]["annotations"]["modelops-gitops/ledger-seq"] == str(
        ledger_at(repo)[-1].seq
    )
    changed = run_git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert "deploy/kserve/production/credit.yaml" in changed  # in the apply commit

    back, _ = merge_pr(
        repo, {CREDIT: set_stage("production", "1.1.0")}, branch="b", at="2024-07-11T08:00:00Z"
    )
    assert (
        run_apply(repo, "--approvals", str(approvals(tmp_path, "b", back, ("kai-oncall",))))[0] == 0
    )
    rolled = all_valid(repo, validator)["deploy/kserve/production/credit.yaml"]
    assert rolled["metadata"]["annotations"]["modelops-gitops/version"] == "1.1.0"

    gone, _ = merge_pr(
        repo, {BREAST_CANCER: lambda t: t.replace("    staging: 1.1.0\n", "")}, branch="rm"
    )
    assert (
        run_apply(repo, "--approvals", str(approvals(tmp_path, "rm", gone, ("henrik-mrm",))))[0]
        == 0
    )
    assert "deploy/kserve/staging/breast-cancer.yaml" not in all_valid(repo, validator)


def test_a_hand_edited_inference_service_is_shown_live_and_restored(repo: Path) -> None:
    assert run_apply(repo)[0] == 0
    code, out = run_status(repo, "--live", "--check")
    assert code == 0, out
    assert "credit         production   manifest in sync · kserve in sync" in out
    path = repo / "deploy/kserve/production/credit.yaml"
    original = path.read_bytes()
    version = b"modelops-gitops/version: 1.1.0"
    assert version in original
    other = original.replace(version, b"modelops-gitops/version: 1.2.0")
    commit(repo, {"deploy/kserve/production/credit.yaml": other.decode()}, "edit", when=MERGE_AT_Z)
    code, out = run_status(repo, "--live", "--check")
    assert code == 1, out
    assert "kserve out of sync: ledger 1.1.0, kserve 1.2.0" in out
    path.write_bytes(original)
    commit(
        repo, {"deploy/kserve/production/credit.yaml": original.decode()}, "undo", when=MERGE_AT_Z
    )
    edited = original.replace(b"canaryTrafficPercent: 10", b"canaryTrafficPercent: 100")
    assert edited != original
    commit(
        repo, {"deploy/kserve/production/credit.yaml": edited.decode()}, "hotfix", when=MERGE_AT_Z
    )
    code, out = run_apply(repo)
    assert code == 0, out
    assert "repaired deploy/kserve/production/credit.yaml" in out
    assert path.read_bytes() == original


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("canary_traffic_percent: 150", "canary_traffic_percent"),
        (
            "predictor: {canaryTrafficPercent: ten}",
            "canaryTrafficPercent: 'ten' is not of type 'integer'",
        ),
        ("predictor: {imagePullSecrets: [{name: 7}]}", "imagePullSecrets.0.name"),
        ("replicas: 3", "replicas"),
        ("name: Credit_Prod", "name"),
        # attacks: settings that would serve another artifact than the governed version's
        ("predictor: {model: {storageUri: 's3://evil/model'}}", "predictor sets model.storageUri"),
        ("predictor: {sklearn: {storageUri: 's3://evil/model'}}", "predictor sets sklearn"),
        ("predictor: {containers: [{name: c, image: evil}]}", "predictor sets containers"),
        ("predictor: {model: {modelFormat: {name: pytorch}}}", "predictor sets model.modelFormat"),
    ],
)
def test_bad_settings_are_exit_2_naming_the_field_and_nothing_is_written(
    repo: Path, setting: str, expected: str
) -> None:
    text = (repo / "modelops.yaml").read_text(encoding="utf-8")
    text = (
        text.replace("              predictor: {timeout: 30}\n", "")
        if "predictor" in setting
        else text
    )
    text = text.replace(
        "          namespace: credit-risk\n",
        f"          namespace: credit-risk\n          {setting}\n",
    )
    before = commit(repo, {"modelops.yaml": text}, "bad", when=MERGE_AT_Z)
    code, out = run_apply(repo)
    assert code == 2, out
    assert "Traceback" not in out
    assert "modelops.yaml" in out
    assert expected in out
    assert run_git(repo, "rev-parse", "HEAD") == before
    assert not (repo / "deploy/kserve").exists()


def test_a_repository_path_without_storage_base_is_bad_input(repo: Path) -> None:
    text = (repo / "modelops.yaml").read_text(encoding="utf-8")
    text = text.replace("      storage_base: s3://acme-models/repo\n", "")
    commit(repo, {"modelops.yaml": text}, "no base", when=MERGE_AT_Z)
    code, out = run_apply(repo)
    assert code == 2, out
    assert "spec.deploy.kserve.storage_base" in out


def test_an_inference_service_no_entry_wrote_is_removed(repo: Path) -> None:
    """Someone with write access adds a service to deploy/kserve/ for Argo CD to sync:
    audit verify names it, apply removes it with a deploy.repaired entry."""
    assert run_apply(repo)[0] == 0
    stray = "deploy/kserve/production/evil.yaml"
    source = (repo / "deploy/kserve/production/credit.yaml").read_text(encoding="utf-8")
    commit(repo, {stray: source.replace("credit-production", "evil")}, "sneak", when=MERGE_AT_Z)
    code, out = run_verb("audit verify", repo)
    assert code == 1, out
    assert f"{stray} is not written by any ledger entry" in out
    code, out = run_apply(repo)
    assert code == 0, out
    assert f"evil production: repaired {stray} (drifted)" in out
    assert not (repo / stray).exists()
    assert ledger_at(repo)[-1].change.kind == "deploy.repaired"
