"""`audit verify` walks the branch's history: forward commits that cut, rewrite or launder
the ledger are caught even when the ledger at HEAD is a perfect chain (each of these passed
`audit verify` before the history walk)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from audit_fixtures import (
    applied_repo,
    deploy_files,
    kinds,
    ledger_drafts,
    ledger_lines,
    sealed_with_reports,
    write_ledger,
    write_lines,
)
from audit_fixtures import verify_json as verify
from conftest import Result
from plan_fixtures import CREDIT, apply_edits, commit, run_git, set_stage

from modelops_gitops.audit.ledger import LEDGER_PATH, LedgerApproval, LedgerEntry, chain

Cli = Callable[..., Result]
LATER = "2024-07-05T09:00:00Z"


@pytest.fixture
def applied(tmp_path: Path) -> tuple[Path, list[LedgerEntry]]:
    return applied_repo(tmp_path)


def test_an_untouched_history_is_intact_and_says_it_is_not_anchored(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    data = verify(cli, repo)
    assert data["intact"], data["problems"]
    assert any(n.startswith("not anchored: ") for n in data["notes"])
    text = cli("audit", "verify", "--repo", str(repo)).out
    assert "tamper-evident only" in text


def test_cutting_the_last_entry_and_putting_the_stage_back_is_caught(
    cli: Cli, applied: Any
) -> None:
    """Drop the newest entry (credit staging 1.2.0) and its reports, set the stage back in
    the model file, commit: the HEAD chain is intact and matches the branch."""
    repo, entries = applied
    lines = ledger_lines(repo)
    write_lines(repo, lines[:-1])
    for report in entries[-1].reports:
        (repo / report.path).unlink()
    edits = {CREDIT: set_stage("staging", "1.1.0")}
    apply_edits(repo, edits)
    put_back = {p: d.decode() for p, d in deploy_files(repo, entries[:-1]).items()}
    cut = commit(repo, {**edits, **put_back}, "tidy up", when=LATER)
    data = verify(cli, repo)
    assert sorted(set(kinds(data))) == ["ledger-cut", "mixed-commit"]
    first = data["first"]
    assert first["commit"] == cut
    cut_break = next(p for p in data["problems"] if p["kind"] == "ledger-cut")
    assert f"commit {cut[:12]} cuts the ledger: 1 entry removed (lines 7-7" in cut_break["message"]


def test_cutting_in_an_audit_only_commit_is_caught(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    write_lines(repo, ledger_lines(repo)[:-1])
    commit(repo, {}, "modelops-gitops apply: nothing to see", when=LATER)
    assert "ledger-cut" in kinds(verify(cli, repo))


def test_rehashing_the_chain_with_a_forged_approver_is_caught(cli: Cli, applied: Any) -> None:
    """Change an approver of entry 6, re-render its reports, re-hash the chain, commit."""
    repo, _ = applied
    drafts = ledger_drafts(repo)
    forged = LedgerApproval(login="mallory", teams=(), commit="0" * 40, submitted_at=LATER)
    drafts[5] = drafts[5].model_copy(update={"approvals": (drafts[5].approvals[0], forged)})
    entries, files = sealed_with_reports(drafts)
    write_ledger(repo, entries)
    for path, data in files.items():
        (repo / path).write_bytes(data)
    rewrite = commit(repo, {}, "modelops-gitops apply: fix", when=LATER)
    data = verify(cli, repo)
    assert kinds(data) == ["ledger-rewritten"]
    assert data["first"]["commit"] == rewrite
    assert "rewrites the ledger from line 6" in data["first"]["message"]


def test_status_runs_the_history_walk_too(cli: Cli, applied: Any) -> None:
    """The re-hashed rewrite above: `status --check` stayed green (it checked the chain at
    HEAD only, which is self-consistent)."""
    repo, _ = applied
    drafts = [d.model_copy(update={"policy_set_sha256": "f" * 64}) for d in ledger_drafts(repo)]
    entries, files = sealed_with_reports(drafts)
    write_ledger(repo, entries)
    for path, data in files.items():
        (repo / path).write_bytes(data)
    commit(repo, {}, "modelops-gitops apply: rebuild", when=LATER)
    result = cli("status", "--repo", str(repo), "--check")
    assert result.code == 1, result.output
    assert "chain BROKEN (1 problem(s); run `modelops-gitops audit verify`)" in result.out
    assert "models in sync" in result.out  # still shown


def test_a_whole_chain_rewrite_in_a_forward_commit_is_caught(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    drafts = ledger_drafts(repo)
    drafts = [d.model_copy(update={"policy_set_sha256": "f" * 64}) for d in drafts]
    entries, files = sealed_with_reports(drafts)
    write_ledger(repo, entries)
    for path, data in files.items():
        (repo / path).write_bytes(data)
    commit(repo, {}, "modelops-gitops apply: rebuild", when=LATER)
    data = verify(cli, repo)
    assert kinds(data) == ["ledger-rewritten"]
    assert "from line 1" in data["first"]["message"]


def test_laundering_a_direct_stage_change_with_a_copied_entry_is_caught(
    cli: Cli, applied: Any
) -> None:
    """One commit: spec.stages changed, a copied entry re-hashed onto the chain."""
    repo, entries = applied
    copied = entries[5].change.model_copy(
        update={"from_": "1.1.0", "to": "1.2.0", "version": "1.2.0"}
    )
    draft = entries[5].model_copy(update={"change": copied, "reports": ()})
    new = chain(entries, [draft])
    lines = ledger_lines(repo)
    write_lines(repo, [*lines, new[0].line()])
    edits = {CREDIT: set_stage("production", "1.2.0")}
    apply_edits(repo, edits)
    manifests = {p: d.decode() for p, d in deploy_files(repo, [*entries, *new]).items()}
    laundered = commit(repo, {**edits, **manifests}, "ship it", when=LATER)
    data = verify(cli, repo)
    assert sorted(set(kinds(data))) == ["entry-claim", "mixed-commit"]
    claim = next(p for p in data["problems"] if p["kind"] == "entry-claim")
    assert claim["commit"] == laundered
    assert "claims credit/production 1.1.0 -> 1.2.0 (stage.promoted)" in claim["message"]
    assert "but that commit made it 1.0.0 -> 1.1.0" in claim["message"]


def test_an_entry_citing_a_commit_after_it_is_not_an_ancestor(cli: Cli, applied: Any) -> None:
    repo, entries = applied
    draft = entries[6].model_copy(update={"merge_commit": "a" * 40, "reports": ()})
    write_lines(repo, [*ledger_lines(repo), chain(entries, [draft])[0].line()])
    commit(repo, {}, "modelops-gitops apply: more", when=LATER)
    assert "entry-not-ancestor" in kinds(verify(cli, repo))


def test_a_back_dated_entry_is_caught(cli: Cli, applied: Any) -> None:
    repo, entries = applied
    draft = entries[6].model_copy(update={"time": "2024-06-01T00:00:00Z", "reports": ()})
    write_lines(repo, [*ledger_lines(repo), chain(entries, [draft])[0].line()])
    commit(repo, {}, "modelops-gitops apply: again", when=LATER)
    assert "entry-time" in kinds(verify(cli, repo))


def test_the_history_walk_is_cached_per_commit(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    write_lines(repo, ledger_lines(repo)[:-1])
    commit(repo, {}, "cut", when=LATER)
    cold = verify(cli, repo)
    started = time.perf_counter()
    warm = verify(cli, repo)
    assert time.perf_counter() - started < 5
    assert kinds(warm) == kinds(cold)
    cache = run_git(repo, "rev-parse", "--git-dir")
    assert (repo / cache / "modelops-gitops" / "audit-history.pickle").exists()
    assert "ledger-cut" in kinds(verify(cli, repo, "--no-cache"))


def test_commits_before_the_ledger_existed_are_not_judged(cli: Cli, tmp_path: Path) -> None:
    from plan_fixtures import governed_repo

    repo = governed_repo(tmp_path, {"deploy/README.md": "hand-written, before adoption\n"})
    data = verify(cli, repo)
    assert not {"mixed-commit", "apply-without-entry"} & set(kinds(data))


def test_the_ledger_path_is_read_from_history(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    assert (repo / LEDGER_PATH).exists()
    run_git(repo, "rm", "--quiet", LEDGER_PATH)
    commit(repo, {}, "drop the ledger", when=LATER)
    assert {"ledger-deleted", "ledger-cut"} <= set(kinds(verify(cli, repo)))
