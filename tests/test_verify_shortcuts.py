"""The warm shortcuts of `audit verify` still catch what a cold run catches: the ledger's
sha256 kept per stat signature is recomputed when any part of the signature changes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from audit_fixtures import applied_repo, ledger_lines, write_lines
from audit_fixtures import verify_json as verify
from conftest import Result
from plan_fixtures import run_git

from modelops_gitops.audit.ledger import LEDGER_PATH
from modelops_gitops.audit.verify_source import VerifyCache
from modelops_gitops.repo.validate_cache import RACY_NS
from modelops_gitops.repo.workspace import cache_dir

Cli = Callable[..., Result]


def _past_racy_window() -> None:
    time.sleep(RACY_NS / 1e9 + 0.1)


def _kept_signature(repo: Path) -> object:
    memo = VerifyCache(cache_dir(repo))._load("audit-memo.pickle")
    assert isinstance(memo, dict)
    return memo.get("ledger-sha256")


def test_same_size_edit_with_restored_mtime_is_caught_warm(cli: Cli, tmp_path: Path) -> None:
    repo, _ = applied_repo(tmp_path)
    _past_racy_window()
    assert verify(cli, repo)["intact"] is True  # fills the cache
    assert _kept_signature(repo) is not None  # the ledger's digest is kept by stat signature
    assert verify(cli, repo)["intact"] is True  # warm
    ledger = repo / LEDGER_PATH
    before = os.stat(ledger)
    lines = ledger_lines(repo)
    lines[3] = lines[3].replace(b'"to":"1.1.0"', b'"to":"1.9.0"')
    write_lines(repo, lines)
    os.utime(ledger, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(ledger)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    _past_racy_window()
    data = verify(cli, repo)
    assert data["intact"] is False
    assert data["first"]["kind"] == "edited"
    assert data["first"]["line"] == 4


def test_no_cache_recomputes_and_keeps_nothing(cli: Cli, tmp_path: Path) -> None:
    repo, _ = applied_repo(tmp_path)
    _past_racy_window()
    lines = ledger_lines(repo)
    lines[3] = lines[3].replace(b'"to":"1.1.0"', b'"to":"1.9.0"')
    write_lines(repo, lines)
    first = cli("audit", "verify", "--no-cache", "--repo", str(repo))
    assert first.code == 1
    assert "edited" in first.out
    assert not (cache_dir(repo) / "audit-memo.pickle").exists() or _kept_signature(repo) is None


def test_a_weakened_local_stat_check_does_not_hide_an_edited_report(
    cli: Cli, tmp_path: Path
) -> None:
    repo, _ = applied_repo(tmp_path)
    run_git(repo, "config", "core.trustctime", "false")
    run_git(repo, "config", "core.checkStat", "minimal")
    _past_racy_window()
    run_git(repo, "update-index", "--refresh")  # the index newer than every file: not racy
    assert verify(cli, repo)["intact"] is True  # fills the cache (reports judged by tree id)
    report = sorted((repo / "audit" / "reports").rglob("*.md"))[0]
    before = os.stat(report)
    body = report.read_bytes()
    report.write_bytes(body[:-1] + (b"X" if body[-1:] != b"X" else b"Y"))
    os.utime(report, ns=(before.st_atime_ns, before.st_mtime_ns))
    _past_racy_window()
    data = verify(cli, repo)
    assert data["intact"] is False
    assert report.name in str(data["problems"])
