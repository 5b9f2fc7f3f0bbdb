"""`status [MODEL]`: sync (in sync / out of sync / unapproved drift) and health (monitor
results, waivers expiring or expired)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from audit_fixtures import APPLY_AT, applied_repo
from conftest import Result
from plan_fixtures import CREDIT, commit, open_pr, run_git, set_stage

from modelops_gitops.audit.ledger import LedgerEntry
from modelops_gitops.monitor.records import MonitorRecord, save_record

Cli = Callable[..., Result]


@pytest.fixture
def applied(tmp_path: Path) -> tuple[Path, list[LedgerEntry]]:
    return applied_repo(tmp_path)


def status(cli: Cli, repo: Path, *extra: str, code: int = 0) -> dict[str, Any]:
    result = cli("status", "--repo", str(repo), "--format", "json", "--now", "2027-03-20", *extra)
    assert result.code == code, result
    data: dict[str, Any] = json.loads(result.out)
    return data


def stages(data: dict[str, Any], model: str) -> dict[str, dict[str, Any]]:
    found = [m for m in data["models"] if m["model"] == model]
    assert len(found) == 1
    return {s["stage"]: s for s in found[0]["stages"]}


def model(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(m for m in data["models"] if m["model"] == name)


def test_everything_applied_is_in_sync(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    data = status(cli, repo, "--check")
    assert [m["model"] for m in data["models"]] == ["breast-cancer", "credit", "diabetes"]
    assert all(m["in_sync"] for m in data["models"])
    credit = stages(data, "credit")
    assert list(credit) == ["staging", "production"]
    assert credit["production"]["applied"] == "1.1.0"
    assert credit["production"]["applied_seq"] == 6
    assert data["ledger"] == {"entries": 7, "intact": True}
    text = cli("status", "--repo", str(repo), "--now", "2027-03-20")
    assert "status: 3/3 models in sync" in text.out
    assert "production   desired 1.1.0      applied 1.1.0      in sync" in text.out


def test_a_merge_awaiting_apply_and_a_direct_push(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    open_pr(repo, {CREDIT: set_stage("staging", "1.1.0")}, when="2024-07-04T09:00:00Z")
    run_git(repo, "checkout", "--quiet", "main")
    run_git(repo, "merge", "--no-ff", "--quiet", "-m", "Merge PR 13", "pr", when=APPLY_AT)
    merge = run_git(repo, "rev-parse", "HEAD")
    pushed = commit(
        repo, {CREDIT: set_stage("production", "1.2.0")}, "push", when="2024-07-05T09:00:00Z"
    )
    data = status(cli, repo, "credit")
    credit = stages(data, "credit")
    assert credit["staging"]["sync"] == "out of sync"
    assert f"not yet applied (merged in {merge[:12]}" in credit["staging"]["detail"]
    assert credit["production"]["sync"] == "unapproved drift"
    assert pushed[:12] in credit["production"]["detail"]
    assert [m["model"] for m in data["models"]] == ["credit"]
    checked = cli("status", "credit", "--repo", str(repo), "--check")
    assert checked.code == 1
    assert "unapproved drift: unapproved drift:" not in checked.out
    assert cli("status", "diabetes", "--repo", str(repo), "--check").code == 0


def test_health_from_the_latest_monitor_result(cli: Cli, applied: Any) -> None:
    repo, _ = applied

    def record(model: str, version: str, drifted: bool) -> MonitorRecord:
        return MonitorRecord(
            model=model,
            stage="production",
            version=version,
            checked_at="2024-07-10T06:00:00Z",
            drifted=drifted,
            drift_share=0.5 if drifted else 0.0,
            drifted_features=["income", "age"] if drifted else [],
            issue_url="https://github.com/acme/models/issues/3" if drifted else None,
        )

    save_record(repo, record("credit", "1.1.0", True))
    save_record(repo, record("diabetes", "1.0.0", False))
    save_record(repo, record("breast-cancer", "0.9.0", False))
    data = status(cli, repo)
    credit = model(data, "credit")["health"]
    assert credit["status"] == "drifting"
    assert credit["detail"] == (
        "data drift in production 1.1.0: 50% of features drifted (income, age)"
    )
    assert credit["issue_url"] == "https://github.com/acme/models/issues/3"
    assert model(data, "diabetes")["health"]["status"] == "healthy"
    stale = model(data, "breast-cancer")["health"]
    assert stale["status"] == "unknown"
    assert "was of production 0.9.0" in stale["detail"]
    assert status(cli, repo, "--check")["models"][0]["in_sync"]  # health does not fail --check


def test_waivers_expiring_soon_and_expired(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    soon = status(cli, repo, "breast-cancer")
    waivers = model(soon, "breast-cancer")["health"]["waivers"]
    assert waivers == [
        "expiring soon: waiver breast-cancer-documentation (production-standard/documentation) "
        "ends in 11 days (2027-03-31)"
    ]
    far = status(cli, repo, "breast-cancer", "--waiver-horizon", "5")
    assert model(far, "breast-cancer")["health"]["waivers"] == []
    result = cli("status", "--repo", str(repo), "--now", "2027-04-01")
    assert "waiver expired: waiver breast-cancer-documentation" in result.out
    assert "ended on 2027-03-31" in result.out
    assert "waiver" not in json.dumps(model(status(cli, repo), "credit")["health"]["waivers"])


def test_no_ledger_yet_is_out_of_sync_everywhere(cli: Cli, tmp_path: Path) -> None:
    from plan_fixtures import governed_repo

    repo = governed_repo(tmp_path)
    data = status(cli, repo)
    assert data["ledger"] == {"entries": 0, "intact": True}
    assert not any(m["in_sync"] for m in data["models"])
    assert stages(data, "credit")["production"]["applied"] is None
    assert cli("status", "--repo", str(repo), "--check").code == 1


def test_a_broken_ledger_is_flagged_but_still_shown(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    path = repo / "audit/ledger.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:2] + lines[3:]))
    data = status(cli, repo)
    assert data["ledger"]["intact"] is False
    text = cli("status", "--repo", str(repo))
    assert "chain BROKEN" in text.out
    assert "audit verify" in text.out


def test_bad_input(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    unknown = cli("status", "nope", "--repo", str(repo))
    assert unknown.code == 2
    assert "unknown model 'nope'" in unknown.err
    assert cli("status", "--repo", str(repo), "--now", "someday").code == 2
    (repo / CREDIT).write_text("kind: Model\nspec: {stages: [\n")
    broken = cli("status", "--repo", str(repo))
    assert broken.code == 2
    assert CREDIT in broken.err
    assert "Traceback" not in broken.output


def test_a_repository_without_models_says_so_rather_than_in_sync(cli: Cli, tmp_path: Path) -> None:
    """Nothing compared is not "0/0 in sync": the summary says there is nothing yet."""
    target = tmp_path / "models"
    assert cli("init", str(target)).code == 0
    run_git(target, "add", "-A")
    run_git(target, "commit", "-qm", "init")
    result = cli("status", "--repo", str(target))
    assert result.code == 0
    assert "in sync" not in result.out
    assert "status: no models yet" in result.out


def test_health_shows_performance_on_labelled_data(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    base = {"stage": "production", "checked_at": "2024-07-10T06:00:00Z", "drift_share": 0.0}
    breach = "production-high-risk/performance: roc_auc 0.61 in production vs 0.80 ..."
    save_record(
        repo,
        MonitorRecord(
            model="credit",
            version="1.1.0",
            labelled_snapshot="data/credit/labelled/2024-07-08.parquet",
            performance={"roc_auc": 0.61},
            breaches=[breach],
            degraded=True,
            blocking=True,
            **base,
        ),
    )
    save_record(
        repo,
        MonitorRecord(
            model="diabetes",
            version="1.0.0",
            labelled_snapshot="data/diabetes/labelled.parquet",
            performance={"rmse": 54.25, "r2": 0.48},
            **base,
        ),
    )
    data = status(cli, repo)
    credit = model(data, "credit")["health"]
    assert credit["status"] == "degraded"
    assert credit["detail"] == f"breach in production 1.1.0: {breach}"
    diabetes = model(data, "diabetes")["health"]
    assert (diabetes["status"], diabetes["detail"]) == (
        "healthy",
        "no data drift and performance within its rules (r2 0.48, rmse 54.25) in production 1.0.0",
    )


def test_a_warm_status_reads_no_ledger_yet_sees_an_edit_with_size_and_mtime_put_back(
    cli: Cli, applied: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Warm, `status` trusts the ledger's digest kept for its stat signature and never reads
    the file (a 205 MB ledger held twice was most of its memory). An attacker who edits a
    line in place, same size, and puts the mtime back still moves the ctime: the ledger is
    read again and the break shown."""
    from modelops_gitops.audit import fingerprint, verify_source

    for module in (verify_source, fingerprint):
        monkeypatch.setattr(module, "RACY_NS", 0)  # these files are seconds old
    repo, _ = applied
    path = repo / "audit/ledger.jsonl"
    assert status(cli, repo)["ledger"]["intact"] is True  # fills the cache
    reads: list[Path] = []
    real = Path.read_bytes

    def counting(self: Path) -> bytes:
        reads.append(self)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    assert status(cli, repo)["ledger"]["intact"] is True
    assert path not in reads
    assert path.resolve() not in reads
    data = real(path)
    info = path.stat()
    path.write_bytes(data.replace(b'"seq":2,', b'"seq":9,', 1))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size
    assert status(cli, repo)["ledger"]["intact"] is False
