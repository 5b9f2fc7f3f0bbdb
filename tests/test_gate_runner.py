"""The gate registry, verified reading and the result cache."""

from __future__ import annotations

import importlib
import shutil
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sklearn
from gate_support import Repo, breast_cancer, sha256
from sklearn.exceptions import InconsistentVersionWarning

from modelops_gitops.errors import GateInputError, InputError
from modelops_gitops.gates import runner
from modelops_gitops.gates.artifacts import load_artifact
from modelops_gitops.gates.base import Gate, GateRequest
from modelops_gitops.gates.cache import ResultCache
from modelops_gitops.kinds import policy
from modelops_gitops.kinds.policy import ChampionRule, FairnessRule


class CountingLoader:
    """The real loader, counting the artifacts it is asked to load."""

    def __init__(self) -> None:
        self.loaded: list[str] = []

    def __call__(self, artifact: Any, **options: Any) -> Any:
        self.loaded.append(artifact.path)
        return load_artifact(artifact, **options)


@pytest.fixture
def cancer(tmp_path: Path) -> Repo:
    return breast_cancer(tmp_path / "repo")


def request(repo: Repo, rule: Any, *, champion: str | None = None) -> GateRequest:
    model = repo.model()
    return GateRequest(
        repo.root,
        model,
        model.spec.versions[1],
        rule,
        champion=model.spec.version(champion) if champion else None,
    )


def test_registry_declares_each_gate_as_its_module_does() -> None:
    """The registry answers name, version and pins without importing a gate; the module it
    imports to run the gate must say the same."""
    assert set(runner.GATES) >= {"test", "champion", "fairness", "drift"}
    for name, entry in runner.GATES.items():
        module: Gate = importlib.import_module(entry.module)  # type: ignore[assignment]
        assert name == entry.NAME == module.NAME
        assert entry.VERSION == module.VERSION
        assert module.pins is entry.pinned
        assert callable(module.run)


def test_unknown_gate_is_an_input_error(cancer: Repo) -> None:
    with pytest.raises(InputError, match="unknown gate 'speed'"):
        runner.run_gate("speed", request(cancer, policy.TestRule(type="test")))


def test_second_run_is_served_from_the_cache_without_loading(cancer: Repo, tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    rule = policy.TestRule(type="test", thresholds={"roc_auc": {"min": 0.9}})
    first_loader, second_loader = CountingLoader(), CountingLoader()
    first = runner.run_gate(
        "test",
        request(cancer, rule),
        cache=cache,
        io=runner.VerifiedIO(cancer.root, loader=first_loader),
    )
    second = runner.run_gate(
        "test",
        request(cancer, rule),
        cache=cache,
        io=runner.VerifiedIO(cancer.root, loader=second_loader),
    )
    assert first_loader.loaded == ["artifacts/cancer/1.1.0/model.skops"]
    assert second_loader.loaded == []
    assert second == first
    assert len(list((tmp_path / "cache").glob("test-*.json"))) == 1
    # a different rule config is a different key: computed again
    stricter = policy.TestRule(type="test", thresholds={"roc_auc": {"min": 0.95}})
    runner.run_gate(
        "test",
        request(cancer, stricter),
        cache=cache,
        io=runner.VerifiedIO(cancer.root, loader=second_loader),
    )
    assert second_loader.loaded == ["artifacts/cancer/1.1.0/model.skops"]


def test_a_cache_hit_still_checks_the_pinned_digests(cancer: Repo, tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    rule = policy.TestRule(type="test")
    assert runner.run_gate("test", request(cancer, rule), cache=cache).status == "pass"
    artifact = cancer.root / "artifacts/cancer/1.1.0/model.skops"
    shutil.copy(cancer.root / "artifacts/cancer/1.0.0/model.skops", artifact)
    with pytest.raises(GateInputError, match="sha256 mismatch"):
        runner.run_gate("test", request(cancer, rule), cache=cache)


def test_errors_are_captured_for_plan_and_never_cached(cancer: Repo, tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    (cancer.root / "data/eval.parquet").unlink()
    rule = FairnessRule(type="fairness", sensitive_feature="mean_radius")
    result = runner.run_gate("fairness", request(cancer, rule), cache=cache, capture_errors=True)
    assert result.status == "error"
    assert "data/eval.parquet" in result.summary
    assert not (tmp_path / "cache").exists()


def test_one_io_loads_each_artifact_once_across_gates(cancer: Repo) -> None:
    loader = CountingLoader()
    io = runner.VerifiedIO(cancer.root, loader=loader)
    runner.run_gate("test", request(cancer, policy.TestRule(type="test")), io=io)
    champion = ChampionRule(type="champion", metric="accuracy", bootstrap={"samples": 100})
    runner.run_gate("champion", request(cancer, champion, champion="1.0.0"), io=io)
    assert sorted(loader.loaded) == [
        "artifacts/cancer/1.0.0/model.skops",
        "artifacts/cancer/1.1.0/model.skops",
    ]


def test_corrupt_cache_entries_are_misses(cancer: Repo, tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    rule = policy.TestRule(type="test")
    first = runner.run_gate("test", request(cancer, rule), cache=cache)
    (entry,) = (tmp_path / "cache").glob("test-*.json")
    entry.write_text("{not json", encoding="utf-8")
    loader = CountingLoader()
    again = runner.run_gate(
        "test", request(cancer, rule), cache=cache, io=runner.VerifiedIO(cancer.root, loader=loader)
    )
    assert again == first
    assert len(loader.loaded) == 1


def test_a_cache_hit_is_the_computed_result_key_order_included(
    cancer: Repo, tmp_path: Path
) -> None:
    """The order of a table row's keys is the order of its columns in plan comments and
    audit reports: a hit must not come back with sorted keys (it did: the entry was written
    with sort_keys, so a report rendered from cached results put `claimed` before `metric`)."""
    cache = ResultCache(tmp_path / "cache")
    rule = policy.TestRule(type="test", thresholds={"roc_auc": {"min": 0.9}})
    computed = runner.run_gate("test", request(cancer, rule), cache=cache)
    cached = runner.run_gate("test", request(cancer, rule), cache=cache)
    columns = list(computed.tables["metrics"][0])
    assert columns != sorted(columns)  # the case that matters: not alphabetical
    assert [list(row) for row in cached.tables["metrics"]] == [
        list(row) for row in computed.tables["metrics"]
    ]
    assert cached.model_dump_json() == computed.model_dump_json()


def _artifact_from_old_sklearn(cancer: Repo) -> None:
    """Version 1.1.0's artifact stamped as saved by scikit-learn 1.0.2: sklearn warns on load."""
    path = cancer.root / "artifacts/cancer/1.1.0/model.skops"
    with zipfile.ZipFile(path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    schema = members["schema.json"].decode()
    stamp = f'\\"{sklearn.__version__}\\"'  # a JSON string inside the JSON schema
    assert stamp in schema
    members["schema.json"] = schema.replace(stamp, '\\"1.0.2\\"').encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in members.items():
            target.writestr(name, data)
    cancer.versions[1]["artifact"]["sha256"] = sha256(path)


def test_warnings_while_a_gate_runs_are_kept_with_the_result(cancer: Repo) -> None:
    """An artifact saved by another scikit-learn version: sklearn warns on load; the warning
    travels with the result (what a reviewer should see) instead of going to stderr."""
    _artifact_from_old_sklearn(cancer)
    with warnings.catch_warnings():
        warnings.filterwarnings("default", category=InconsistentVersionWarning)
        result = runner.run_gate("test", request(cancer, policy.TestRule(type="test")))
    assert result.status == "pass"
    rows = result.tables["warnings"]
    assert {row["category"] for row in rows} == {"InconsistentVersionWarning"}
    assert any("LogisticRegression from version 1.0.2" in str(row["message"]) for row in rows)


def test_every_gate_using_an_artifact_records_its_load_warnings(cancer: Repo) -> None:
    """The artifact is loaded once per run, by whichever gate asks first; which gate that is
    depends on which results came from the cache. Each gate's result holds the warning, so a
    report does not change with the cache's state."""
    _artifact_from_old_sklearn(cancer)
    io = runner.VerifiedIO(cancer.root)
    fairness = FairnessRule(type="fairness", sensitive_feature="mean_radius")
    with warnings.catch_warnings():
        warnings.filterwarnings("default", category=InconsistentVersionWarning)
        first = runner.run_gate("test", request(cancer, policy.TestRule(type="test")), io=io)
        second = runner.run_gate("fairness", request(cancer, fairness), io=io)
        alone = runner.run_gate("fairness", request(cancer, fairness))
    assert second.tables["warnings"] == first.tables["warnings"] == alone.tables["warnings"]


def test_unsafe_artifacts_run_only_when_the_request_allows_them(tmp_path: Path) -> None:
    repo = breast_cancer(tmp_path)
    repo.add_version("2.0.0", repo.fitted["1.1.0"], fmt="joblib")
    model = repo.model()
    refused = GateRequest(repo.root, model, model.spec.versions[2], policy.TestRule(type="test"))
    with pytest.raises(GateInputError, match="format 'joblib' is refused"):
        runner.run_gate("test", refused)
    allowed = GateRequest(
        repo.root, model, model.spec.versions[2], policy.TestRule(type="test"), allow_unsafe=True
    )
    assert runner.run_gate("test", allowed).status == "pass"
