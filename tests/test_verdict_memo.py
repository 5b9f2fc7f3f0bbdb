"""A warm `audit verify` on an unchanged work tree prints the verdict it kept, without
running a check; every change to what the verdict depends on is still caught (each attack
below first makes sure the kept verdict was reusable, then changes one input)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from audit_fixtures import applied_repo, kinds
from audit_fixtures import verify_json as verify
from conftest import Result
from plan_fixtures import CREDIT, run_git

from modelops_gitops.audit import verdict_memo
from modelops_gitops.repo.validate_cache import RACY_NS
from modelops_gitops.repo.workspace import cache_dir

Cli = Callable[..., Result]


@pytest.fixture
def warm(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An applied repository whose kept verdict is reusable (files are keyed however
    recently they changed: nanosecond ctimes tell every write apart here)."""
    monkeypatch.setattr(verdict_memo, "RACY_NS", 0)
    repo, _ = applied_repo(tmp_path)
    assert verify(cli, repo)["intact"] is True  # learns which artifacts the verdict reads
    assert verify(cli, repo)["intact"] is True  # keyed with them: reusable
    assert _reusable(repo)
    return repo


def _reusable(repo: Path) -> bool:
    folder = cache_dir(repo)
    assert folder is not None
    kept = verdict_memo._load(folder)
    return kept is not None and kept.key is not None


def _same_size_edit(path: Path, old: bytes, new: bytes) -> None:
    """Change bytes in place, keeping size and mtime (only ctime and content move)."""
    before = path.stat()
    data = path.read_bytes()
    assert old in data
    assert len(old) == len(new)
    path.write_bytes(data.replace(old, new, 1))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def _artifact(repo: Path) -> Path:
    folder = cache_dir(repo)
    assert folder is not None
    kept = verdict_memo._load(folder)
    assert kept is not None
    assert kept.verdict.inputs  # the artifacts of the versions holding stages
    return repo / kept.verdict.inputs[0]


def test_a_warm_run_reuses_the_verdict(cli: Cli, warm: Path) -> None:
    first = verify(cli, warm)
    assert first == verify(cli, warm)
    assert _reusable(warm)


def test_a_model_stage_changed_in_place_is_caught(cli: Cli, warm: Path) -> None:
    _same_size_edit(warm / CREDIT, b"production: 1.1.0", b"production: 1.0.0")
    assert "unapproved-drift" in kinds(verify(cli, warm))


def test_artifact_bytes_overwritten_in_place_are_caught(cli: Cli, warm: Path) -> None:
    artifact = _artifact(warm)
    data = artifact.read_bytes()
    before = artifact.stat()
    artifact.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    os.utime(artifact, ns=(before.st_atime_ns, before.st_mtime_ns))
    data = verify(cli, warm)
    assert data["intact"] is False
    assert any(artifact.name in f"{p['message']} {p['path']}" for p in data["problems"])


def test_a_deploy_file_edited_is_caught(cli: Cli, warm: Path) -> None:
    deployed = sorted((warm / "deploy").rglob("*.json"))[0]
    text = deployed.read_text()
    deployed.write_text(text.replace('"', "'", 1) if '"' in text else text + " ")
    assert "deploy-drift" in kinds(verify(cli, warm))


def test_a_report_edited_or_added_is_caught(cli: Cli, warm: Path) -> None:
    report = sorted((warm / "audit" / "reports").rglob("*.md"))[0]
    _same_size_edit(
        report, report.read_bytes()[:1], b"#" if report.read_bytes()[:1] != b"#" else b"%"
    )
    assert verify(cli, warm)["intact"] is False
    run_git(warm, "checkout", "--", str(report.relative_to(warm)))
    assert verify(cli, warm)["intact"] is True
    (report.parent / "extra.md").write_text("not named by any entry\n")
    assert verify(cli, warm)["intact"] is False


def test_a_file_added_under_reports_is_caught_even_with_the_folder_time_put_back(
    cli: Cli, warm: Path
) -> None:
    folder = warm / "audit" / "reports" / "credit"
    before = folder.stat()
    (folder / "planted.json").write_text("{}\n")
    os.utime(folder, ns=(before.st_atime_ns, before.st_mtime_ns))  # ctime still moves
    assert folder.stat().st_mtime_ns == before.st_mtime_ns
    assert verify(cli, warm)["intact"] is False


def test_a_new_folder_under_reports_is_caught(cli: Cli, warm: Path) -> None:
    planted = warm / "audit" / "reports" / "ghost" / "deep"
    planted.mkdir(parents=True)
    (planted / "000099-production-9.9.9.md").write_text("# forged\n")
    assert verify(cli, warm)["intact"] is False


def test_a_model_file_swapped_for_a_link_is_caught(cli: Cli, warm: Path) -> None:
    model = warm / CREDIT
    copy = warm / "elsewhere.yaml"
    copy.write_bytes(model.read_bytes().replace(b"production: 1.1.0", b"production: 1.0.0"))
    model.unlink()
    model.symlink_to(copy)
    assert verify(cli, warm)["intact"] is False


def test_editing_the_target_of_a_linked_model_file_is_caught(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verdict_memo, "RACY_NS", 0)
    repo, _ = applied_repo(tmp_path)
    model = repo / CREDIT
    target = repo / "shared" / "credit.yaml"  # outside the folders the key lists
    target.parent.mkdir()
    target.write_bytes(model.read_bytes())
    model.unlink()
    model.symlink_to("../../shared/credit.yaml")
    verify(cli, repo)
    verify(cli, repo)
    assert _reusable(repo)
    _same_size_edit(target, b"production: 1.1.0", b"production: 1.0.0")
    assert "unapproved-drift" in kinds(verify(cli, repo))


def test_a_new_commit_is_judged_afresh(cli: Cli, warm: Path) -> None:
    model = warm / CREDIT
    model.write_bytes(model.read_bytes().replace(b"production: 1.1.0", b"production: 1.0.0"))
    run_git(warm, "commit", "-qam", "a direct push", when="2024-07-03T09:00:00+00:00")
    assert "unapproved-drift" in kinds(verify(cli, warm))


def test_a_corrupt_memo_is_ignored(cli: Cli, warm: Path) -> None:
    folder = cache_dir(warm)
    assert folder is not None
    (folder / verdict_memo.MEMO_FILE).write_bytes(b"\x80\x05garbage")
    _same_size_edit(warm / CREDIT, b"production: 1.1.0", b"production: 1.0.0")
    assert "unapproved-drift" in kinds(verify(cli, warm))


def test_a_warm_run_loads_none_of_the_checks(cli: Cli, tmp_path: Path) -> None:
    """In a real process, after the racy window: the kept verdict is printed and the
    modules that run the checks are never imported."""
    repo, _ = applied_repo(tmp_path)
    time.sleep(RACY_NS / 1e9 + 0.1)
    probe = (
        "import sys, atexit\n"
        "atexit.register(lambda: sys.stderr.write('RAN:' + str('modelops_gitops.audit.verify_run' "
        "in sys.modules) + '\\n'))\n"
        "from modelops_gitops.cli import main\n"
        "sys.argv = ['modelops-gitops', 'audit', 'verify', '--repo', sys.argv[1]]\n"
        "main()\n"
    )

    def ran_checks() -> tuple[bool, Any]:
        proc = subprocess.run(
            [sys.executable, "-c", probe, str(repo)], capture_output=True, text=True, check=False
        )
        line = [t for t in proc.stderr.splitlines() if t.startswith("RAN:")][-1]
        return line == "RAN:True", proc.stdout.splitlines()[-1]

    first = ran_checks()
    second = ran_checks()
    third = ran_checks()
    assert first[0] is True
    assert second[0] is True  # keyed now with the artifacts it read
    assert third == (False, second[1])
    assert "intact" in third[1]
