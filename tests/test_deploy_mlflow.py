"""The `mlflow` deploy target against a real MLflow tracking server (`mlflow server`, SQLite
backend, local artifacts, 127.0.0.1): every change kind reaches the registry, a server that is
down leaves a pending delivery that the next run completes, a delivery twice changes nothing,
and a run killed half-way converges.

Each test gives the example's models registered names of their own (one server per session).
"""

from __future__ import annotations

import itertools
import json
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from apply_fixtures import (
    MERGE_AT_Z,
    approvals,
    fresh_apply_repo,
    ledger_at,
    merge_pr,
    promote_credit,
    run_apply,
    run_status,
)
from mlflow import MlflowClient  # the [mlflow] extra is part of the test extra
from mlflow_fixtures import MlflowServer, Relay, configure
from plan_fixtures import BREAST_CANCER, CREDIT, commit, run_git, set_stage

_names = itertools.count(1)


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("template")


@pytest.fixture
def repo(template_dir: Path, tmp_path: Path) -> Path:
    return fresh_apply_repo(template_dir, tmp_path)


@pytest.fixture
def client(mlflow_server: MlflowServer) -> Any:
    return MlflowClient(tracking_uri=mlflow_server.url, registry_uri=mlflow_server.url)


def suffix() -> str:
    return f"t{next(_names)}"


def registry(client: Any, name: str) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """(alias -> our version, registry version -> its tags) of one registered model."""
    found = client.get_registered_model(name)
    versions = {v.version: dict(v.tags) for v in client.search_model_versions(f"name='{name}'")}
    ours = {alias: versions[v]["modelops_gitops.version"] for alias, v in found.aliases.items()}
    return ours, versions


def test_adoption_promotion_rollback_and_removal_reach_the_registry(
    repo: Path, tmp_path: Path, client: Any, mlflow_server: MlflowServer
) -> None:
    tag = suffix()
    configure(repo, mlflow_server.url, tag, MERGE_AT_Z)
    code, out = run_apply(repo)
    assert "deploy targets are delivered once the commit is on the remote" in out
    code, out = run_apply(repo, "--push")
    assert code == 0, out
    assert "delivered   mlflow: credit production 1.1.0 (adopted)" in out
    aliases, versions = registry(client, f"credit-{tag}")
    assert aliases == {"champion": "1.1.0", "staging": "1.2.0"}  # production -> champion
    seqs = {
        t["modelops_gitops.version"]: t["modelops_gitops.ledger_seq"] for t in versions.values()
    }
    ledger = {(e.change.model, e.change.stage): e.seq for e in ledger_at(repo)}
    assert seqs == {
        "1.1.0": str(ledger["credit", "production"]),
        "1.2.0": str(ledger["credit", "staging"]),
    }
    for tags in versions.values():
        assert len(tags["modelops_gitops.sha256"]) == 64

    _, _, file = promote_credit(repo, tmp_path)
    code, out = run_apply(repo, "--approvals", str(file), "--push")
    assert code == 0, out
    aliases, versions = registry(client, f"credit-{tag}")
    assert aliases == {"champion": "1.2.0", "staging": "1.2.0"}
    assert len(versions) == 2  # 1.2.0 was reused, not registered again
    promoted = ledger_at(repo)[-1]
    tags = next(t for t in versions.values() if t["modelops_gitops.version"] == "1.2.0")
    assert (tags["modelops_gitops.ledger_seq"], tags["modelops_gitops.pr"]) == (
        str(promoted.seq),
        "12",
    )

    back, _ = merge_pr(
        repo, {CREDIT: set_stage("production", "1.1.0")}, branch="back", at="2024-07-11T08:00:00Z"
    )
    oncall = approvals(tmp_path, "back", back, ("kai-oncall",), number=13)
    code, out = run_apply(repo, "--approvals", str(oncall), "--push")
    assert code == 0, out
    assert registry(client, f"credit-{tag}")[0] == {"champion": "1.1.0", "staging": "1.2.0"}

    gone, _ = merge_pr(
        repo, {BREAST_CANCER: lambda t: t.replace("    staging: 1.1.0\n", "")}, branch="rm"
    )
    code, out = run_apply(
        repo, "--approvals", str(approvals(tmp_path, "rm", gone, ("henrik-mrm",))), "--push"
    )
    assert code == 0, out
    assert registry(client, f"breast-cancer-{tag}")[0] == {"champion": "1.0.0"}
    code, out = run_apply(repo, "--deliver-only")
    assert (code, out.strip()) == (
        0,
        "apply --deliver-only: every deploy target matches the ledger",
    )


def test_a_server_that_is_down_leaves_the_delivery_pending_until_the_next_run(
    repo: Path, client: Any, mlflow_server: MlflowServer
) -> None:
    relay = Relay(int(mlflow_server.url.rsplit(":", 1)[1]))
    tag = suffix()
    configure(repo, relay.url, tag, MERGE_AT_Z)
    relay.down()
    before = ledger_at(repo)
    code, out = run_apply(repo, "--push")
    assert code == 4, out
    assert "delivery pending" in out
    assert "pending     mlflow credit production: unreachable" in out
    assert ledger_at(repo) == before  # the ledger stays as it is
    code, out = run_status(repo, "--live", "--check")
    assert code == 1, out
    assert "credit         production   manifest in sync · mlflow unreachable\n" in out
    assert "  mlflow unreachable: MlflowException: " in out
    relay.up()
    code, out = run_apply(repo, "--deliver-only")
    assert code == 0, out
    assert "delivered   mlflow: credit staging 1.2.0 (adopted)" in out
    assert registry(client, f"credit-{tag}")[0] == {"champion": "1.1.0", "staging": "1.2.0"}


def test_a_server_back_within_the_backoff_is_delivered_in_the_same_run(
    repo: Path, client: Any, mlflow_server: MlflowServer
) -> None:
    relay = Relay(int(mlflow_server.url.rsplit(":", 1)[1]))
    tag = suffix()
    configure(repo, relay.url, tag, MERGE_AT_Z)
    relay.down()
    timer = threading.Timer(0.3, relay.up)
    timer.start()
    code, out = run_apply(repo, "--push")
    timer.join()
    assert code == 0, out
    assert registry(client, f"diabetes-{tag}")[0] == {"champion": "1.0.0"}


def test_a_duplicated_delivery_changes_nothing(
    repo: Path, client: Any, mlflow_server: MlflowServer
) -> None:
    from modelops_gitops.apply.delivery import wanted
    from modelops_gitops.apply.mlflow_target import MlflowTarget
    from modelops_gitops.git.tree import GitTree
    from modelops_gitops.repo.state import load_state

    tag = suffix()
    configure(repo, mlflow_server.url, tag, MERGE_AT_Z)
    assert run_apply(repo, "--push")[0] == 0
    first = registry(client, f"credit-{tag}")
    with GitTree(repo, "HEAD") as tree:
        target = MlflowTarget.from_state(load_state(tree))
    entries = list(wanted(ledger_at(repo)).values())
    target.deliver(repo, entries)  # the same entries once more, straight to the target
    assert registry(client, f"credit-{tag}") == first
    code, out = run_apply(repo)
    assert code == 0, out
    assert "delivered" not in out  # nothing differed, nothing was handed over


KILLER = """\
import os, signal, sys
from mlflow import MlflowClient
original = MlflowClient.set_registered_model_alias
def killed(self, *args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)  # the version exists; the alias is never set
MlflowClient.set_registered_model_alias = killed
from modelops_gitops.cli import main
main(sys.argv[1:])
"""


def test_a_delivery_killed_half_way_converges_on_the_next_run(
    repo: Path, tmp_path: Path, client: Any, mlflow_server: MlflowServer
) -> None:
    tag = suffix()
    configure(repo, mlflow_server.url, tag, MERGE_AT_Z)
    _, _, file = promote_credit(repo, tmp_path)
    driver = tmp_path / "killer.py"
    driver.write_text(KILLER)
    argv = [sys.executable, str(driver), "apply", "--repo", str(repo), "--approvals", str(file)]
    proc = subprocess.run([*argv, "--push"], capture_output=True, text=True, timeout=180)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert ledger_at(repo)[-1].change.to == "1.2.0"  # committed and pushed before delivery
    assert run_git(repo, "status", "--porcelain") == ""
    half = client.search_model_versions(f"name='breast-cancer-{tag}'")
    assert len(half) == 1
    assert not client.get_registered_model(f"breast-cancer-{tag}").aliases

    code, out = run_apply(repo, "--push")
    assert code == 0, out
    assert "nothing to apply" in out
    for model, expected in {
        "breast-cancer": {"champion": "1.0.0", "staging": "1.1.0"},
        "credit": {"champion": "1.2.0", "staging": "1.2.0"},
        "diabetes": {"champion": "1.0.0"},
    }.items():
        aliases, versions = registry(client, f"{model}-{tag}")
        assert aliases == expected
        held = [t["modelops_gitops.version"] for t in versions.values()]
        assert sorted(held) == sorted(set(held))  # one registry version per model version


BLOCKED = """\
import sys
sys.modules["mlflow"] = None
from modelops_gitops.cli import main
main(sys.argv[1:])
"""


def test_the_mlflow_target_without_its_extra_is_bad_input_before_anything_is_written(
    repo: Path, tmp_path: Path
) -> None:
    configure(repo, "http://127.0.0.1:9", suffix(), MERGE_AT_Z)
    _, merge, file = promote_credit(repo, tmp_path)
    argv = [sys.executable, "-c", BLOCKED, "apply", "--repo", str(repo), "--approvals", str(file)]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "pip install 'modelops-gitops[mlflow]'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert run_git(repo, "rev-parse", "HEAD") == merge  # nothing committed
    argv = [sys.executable, "-c", BLOCKED, "audit", "verify", "--repo", str(repo)]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert "extra" not in proc.stdout + proc.stderr  # reading the trail never needs it
    assert "Traceback" not in proc.stderr


def test_the_mlflow_target_without_a_tracking_server_is_bad_input(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    text = (repo / "modelops.yaml").read_text(encoding="utf-8")
    text += "  deploy:\n    targets: [manifest, mlflow]\n"
    commit(repo, {"modelops.yaml": text}, "mlflow, no server", when=MERGE_AT_Z)
    _, merge, file = promote_credit(repo, tmp_path)
    code, out = run_apply(repo, "--approvals", str(file))
    assert code == 2, out
    assert "spec.deploy.mlflow.tracking_uri" in out
    assert run_git(repo, "rev-parse", "HEAD") == merge


def test_an_alias_moved_by_hand_is_shown_by_status_live_and_moved_back_by_apply(
    repo: Path, client: Any, mlflow_server: MlflowServer
) -> None:
    tag = suffix()
    configure(repo, mlflow_server.url, tag, MERGE_AT_Z)
    assert run_apply(repo, "--push")[0] == 0
    code, out = run_status(repo, "--live", "--check")
    assert code == 0, out
    assert "credit         production   manifest in sync · mlflow in sync" in out
    name = f"credit-{tag}"
    staging = client.get_model_version_by_alias(name, "staging").version
    client.set_registered_model_alias(name, "champion", staging)  # someone, by hand

    code, out = run_status(repo, "--live", "--check")
    assert code == 1, out
    assert "mlflow out of sync: ledger 1.1.0, mlflow 1.2.0" in out
    assert "live: 1 difference(s)" in out
    code, out = run_status(repo, "credit", "--live", "--format", "json")
    assert code == 0, out
    rows = [r for r in json.loads(out)["live"] if r["state"] != "in sync"]
    assert rows == [
        {"target": "mlflow", "model": "credit", "stage": "production", "expected": "1.1.0",
         "found": "1.2.0", "state": "out of sync", "detail": ""}
    ]  # fmt: skip

    code, out = run_apply(repo, "--push")
    assert code == 0, out
    assert "nothing to apply" in out
    assert "delivered   mlflow: credit production 1.1.0 (adopted)" in out  # recorded here
    assert registry(client, name)[0] == {"champion": "1.1.0", "staging": "1.2.0"}
    assert run_status(repo, "--live", "--check")[0] == 0


def test_a_version_whose_tags_do_not_match_the_pin_is_out_of_sync(
    repo: Path, client: Any, mlflow_server: MlflowServer
) -> None:
    """An attacker with registry access re-tags another artifact as 1.1.0: the sha256 tag
    differs from the pin, so the alias is not taken as serving 1.1.0."""
    tag = suffix()
    configure(repo, mlflow_server.url, tag, MERGE_AT_Z)
    assert run_apply(repo, "--push")[0] == 0
    name = f"credit-{tag}"
    held = client.get_model_version_by_alias(name, "champion").version
    client.set_model_version_tag(name, held, "modelops_gitops.sha256", "0" * 64)
    code, out = run_status(repo, "credit", "--live", "--check")
    assert code == 1, out
    assert "sha256 differs from the pin" in out
    code, out = run_apply(repo, "--push")
    assert code == 0, out
    fixed = client.get_model_version_by_alias(name, "champion")
    assert fixed.version != held  # a version with the pinned bytes, not the forged tags
    assert run_status(repo, "credit", "--live", "--check")[0] == 0


@pytest.mark.parametrize("swap", ["symlink", "bytes"])
def test_an_artifact_swapped_in_the_clone_is_never_uploaded(tmp_path: Path, swap: str) -> None:
    """The bytes sent to the registry are the pinned ones: a link out of the repository or
    changed bytes stop the delivery (exit 2) before the registry is asked anything."""
    from modelops_gitops.apply.mlflow_target import MlflowTarget
    from modelops_gitops.digest import sha256_bytes
    from modelops_gitops.errors import InputError
    from modelops_gitops.kinds.deploy import MlflowSettings

    root = tmp_path / "repo"
    (root / "artifacts").mkdir(parents=True)
    pinned = b"the reviewed model"
    secret = tmp_path / "secret"
    secret.write_bytes(pinned)
    artifact = root / "artifacts" / "model.skops"
    if swap == "symlink":
        artifact.symlink_to(secret)
    else:
        artifact.write_bytes(b"another model")
    target = MlflowTarget(MlflowSettings(tracking_uri="http://127.0.0.1:9"), {})
    with pytest.raises(InputError, match=r"artifacts/model\.skops"):
        target._source(None, root, "artifacts/model.skops", sha256_bytes(pinned))
