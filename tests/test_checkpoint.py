"""Checkpoints: an auditor keeps one line; a force-pushed history rewrite (which the history
walk cannot see: the rewritten branch is self-consistent) is caught by it."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from audit_fixtures import (
    APPLY_AT,
    applied_repo,
    deploy_files,
    kinds,
    ledger_drafts,
    sealed_with_reports,
    write_ledger,
)
from audit_fixtures import verify_json as verify
from conftest import Result
from plan_fixtures import commit, run_git

from modelops_gitops.audit.ledger import LedgerApproval, LedgerEntry

Cli = Callable[..., Result]


@pytest.fixture
def applied(tmp_path: Path) -> tuple[Path, list[LedgerEntry]]:
    return applied_repo(tmp_path)


def test_checkpoint_prints_the_head_as_one_line(
    cli: Cli, applied: tuple[Path, list[LedgerEntry]]
) -> None:
    repo, entries = applied
    result = cli("audit", "checkpoint", "--repo", str(repo))
    assert result.code == 0, result
    head = run_git(repo, "rev-parse", "HEAD")
    assert result.out == (
        f"modelops-gitops-checkpoint v1 7 {entries[-1].hash} {head} 2024-07-02T09:00:00Z\n"
    )


def rewrite_history(repo: Path) -> None:
    """Force-push style: reset before the apply commit and re-apply a forged ledger."""
    run_git(repo, "reset", "--quiet", "--hard", "HEAD~1")
    drafts = ledger_drafts(repo)
    forged = LedgerApproval(login="mallory", teams=(), commit="0" * 40, submitted_at=APPLY_AT)
    drafts[5] = drafts[5].model_copy(update={"approvals": (forged,)})
    entries, files = sealed_with_reports(drafts)
    write_ledger(repo, entries)
    for path, data in {**files, **deploy_files(repo, entries)}.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_bytes(data)
    commit(repo, {}, "modelops-gitops apply: the history so far", when=APPLY_AT)


def test_a_force_push_rewrite_is_caught_by_a_kept_checkpoint(
    cli: Cli, applied: tuple[Path, list[LedgerEntry]], tmp_path: Path
) -> None:
    repo, entries = applied
    kept = tmp_path / "kept.checkpoint"
    kept.write_text(cli("audit", "checkpoint", "--repo", str(repo)).out)
    assert verify(cli, repo, "--checkpoint", str(kept))["intact"]
    assert verify(cli, repo, "--checkpoint", f"7:{entries[-1].hash}")["intact"]
    rewrite_history(repo)
    assert verify(cli, repo)["intact"]  # the rewritten branch alone is consistent
    data = verify(cli, repo, "--checkpoint", str(kept))
    assert kinds(data) == ["checkpoint"]
    problems = data["problems"]
    assert isinstance(problems, list)
    assert "the history was rewritten after the checkpoint was taken" in problems[0]["message"]
    assert kinds(verify(cli, repo, "--checkpoint", f"3:{entries[2].hash}")) == []
    assert kinds(verify(cli, repo, "--checkpoint", f"6:{entries[5].hash}")) == ["checkpoint"]


def test_a_checkpoint_beyond_the_ledger_is_a_cut(
    cli: Cli, applied: tuple[Path, list[LedgerEntry]]
) -> None:
    repo, entries = applied
    data = verify(cli, repo, "--checkpoint", f"9:{entries[-1].hash}")
    problems = data["problems"]
    assert isinstance(problems, list)
    assert "the ledger now has only 7 entries" in problems[0]["message"]


def test_a_bad_checkpoint_is_bad_input(
    cli: Cli, applied: tuple[Path, list[LedgerEntry]], tmp_path: Path
) -> None:
    repo, _ = applied
    bad = tmp_path / "bad"
    bad.write_text("hello\n")
    result = cli("audit", "verify", "--repo", str(repo), "--checkpoint", str(bad))
    assert result.code == 2
    assert "not a checkpoint line" in result.output


def test_a_signed_checkpoint_verifies_against_the_declared_signers(
    cli: Cli, applied: tuple[Path, list[LedgerEntry]], tmp_path: Path
) -> None:
    repo, _ = applied
    key = tmp_path / "bot"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    public = key.with_suffix(".pub").read_text().strip()
    text = (repo / "modelops.yaml").read_text()
    text += f"  audit:\n    signers:\n      - principal: bot@example.com\n        key: {public}\n"
    commit(repo, {"modelops.yaml": text}, "declare", when="2024-07-03T09:00:00Z")
    result = cli("audit", "checkpoint", "--repo", str(repo), "--sign-key", str(key))
    assert result.code == 0, result
    assert "-----BEGIN SSH SIGNATURE-----" in result.out
    kept = tmp_path / "signed.checkpoint"
    kept.write_text(result.out)
    assert verify(cli, repo, "--checkpoint", str(kept))["intact"]
    lines = result.out.split("\n", 1)
    forged = lines[0].replace(" 7 ", " 6 ") + "\n" + lines[1]
    kept.write_text(forged)
    data = verify(cli, repo, "--checkpoint", str(kept))
    problems = data["problems"]
    assert isinstance(problems, list)
    assert any("checkpoint signature: not a good signature" in p["message"] for p in problems)
