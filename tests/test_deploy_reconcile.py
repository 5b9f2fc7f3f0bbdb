"""deploy/ is reconciled, not written once: `audit verify` names a drifted file, `status`
shows the stage out of sync, and `apply` restores it with a `deploy.repaired` entry. Before,
an edited manifest left verify, `status --check` and apply silent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from apply_fixtures import chain_ok, fresh_apply_repo, ledger_at, run_apply
from audit_fixtures import verify_json as verify
from conftest import Result
from plan_fixtures import commit, run_git

from modelops_gitops.digest import sha256_bytes

Cli = Callable[..., Result]
LATER = "2024-07-11T09:00:00Z"
PROD = "deploy/production/credit.json"


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("template")


@pytest.fixture
def repo(template_dir: Path, tmp_path: Path) -> Path:
    return fresh_apply_repo(template_dir, tmp_path)


def problems(data: dict[str, object]) -> list[dict[str, str]]:
    found = data["problems"]
    assert isinstance(found, list)
    return found


def test_an_edited_manifest_is_named_shown_out_of_sync_and_repaired(cli: Cli, repo: Path) -> None:
    original = (repo / PROD).read_bytes()
    forged = original.replace(b'"version":"1.1.0"', b'"version":"1.0.0"')
    assert forged != original
    commit(repo, {PROD: forged.decode()}, "serve the old one", when=LATER)

    data = verify(cli, repo)
    assert [(p["kind"], p["path"]) for p in problems(data)] == [("deploy-drift", PROD)]
    message = problems(data)[0]["message"]
    assert f"{PROD} names version 1.0.0, but ledger seq" in message
    assert "says version 1.1.0" in message

    status = cli("status", "--repo", str(repo), "--check")
    assert status.code == 1, status.output
    assert "production   desired 1.1.0      applied 1.1.0      out of sync: deploy drift" in (
        status.out
    )

    code, out = run_apply(repo)
    assert code == 0, out
    assert f"credit production: repaired {PROD} (drifted)" in out
    assert (repo / PROD).read_bytes() == original
    entry = ledger_at(repo)[-1]
    assert entry.change.kind == "deploy.repaired"
    assert (entry.change.model, entry.change.stage) == ("credit", "production")
    assert (entry.change.from_, entry.change.to) == ("1.0.0", "1.1.0")
    assert entry.repair is not None
    assert entry.repair.found_sha256 == sha256_bytes(forged)
    assert entry.repair.restored_sha256 == sha256_bytes(original)
    assert chain_ok(ledger_at(repo))
    changed = run_git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(changed) == ["audit/ledger.jsonl", PROD]
    assert verify(cli, repo)["intact"]
    assert cli("status", "--repo", str(repo), "--check").code == 0
    code, out = run_apply(repo)
    assert "nothing to apply" in out


def test_a_deleted_manifest_is_restored(cli: Cli, repo: Path) -> None:
    original = (repo / PROD).read_bytes()
    commit(repo, {PROD: None}, "oops", when=LATER)
    assert "is missing" in problems(verify(cli, repo))[0]["message"]
    code, out = run_apply(repo)
    assert code == 0, out
    assert (repo / PROD).read_bytes() == original
    repair = ledger_at(repo)[-1].repair
    assert repair is not None
    assert repair.found_sha256 is None
    assert verify(cli, repo)["intact"]


def test_a_manifest_no_entry_wrote_is_removed(cli: Cli, repo: Path) -> None:
    extra = "deploy/production/shadow-model.json"
    commit(repo, {extra: '{"model":"shadow-model","version":"9.9.9"}\n'}, "x", when=LATER)
    assert problems(verify(cli, repo))[0]["message"] == (
        f"{extra} is not written by any ledger entry"
    )
    code, out = run_apply(repo)
    assert code == 0, out
    assert not (repo / extra).exists()
    entry = ledger_at(repo)[-1]
    assert entry.change.to is None
    assert entry.change.from_ == "9.9.9"
    assert verify(cli, repo)["intact"]


def test_a_warm_verify_reads_no_model_file_and_still_sees_a_new_drift(
    cli: Cli, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deploy and artifact checks are kept per fingerprint of their inputs: a warm run
    loads no model (10,000 YAML documents in the benchmark); a changed input is a miss."""
    import time

    from modelops_gitops.apply import deploy_state
    from modelops_gitops.audit import verify_run

    time.sleep(2.1)  # files changed within two seconds are never trusted by stat (racy)
    assert verify(cli, repo)["intact"]  # fills the cache

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a warm verify loaded the models")

    with monkeypatch.context() as patched:
        patched.setattr(deploy_state, "load_state", refuse)
        patched.setattr(verify_run, "load_state", refuse)
        assert verify(cli, repo)["intact"]
    (repo / PROD).write_bytes((repo / PROD).read_bytes().replace(b'"1.1.0"', b'"1.0.0"'))
    data = verify(cli, repo)
    assert [(p["kind"], p["path"]) for p in problems(data)] == [("deploy-drift", PROD)]
