"""Which first-parent commit introduced a stage's desired version: merges and direct pushes."""

from __future__ import annotations

from pathlib import Path

from plan_fixtures import CREDIT, commit, governed_repo, open_pr, run_git, set_stage

from modelops_gitops.audit.provenance import introduced_by


def test_a_merged_pr_is_found_as_its_merge_commit_with_the_pr_head(tmp_path: Path) -> None:
    repo = governed_repo(tmp_path)
    head = open_pr(repo, {CREDIT: set_stage("production", "1.2.0")})
    run_git(repo, "checkout", "--quiet", "main")
    base = run_git(repo, "rev-parse", "HEAD")
    run_git(
        repo, "merge", "--no-ff", "--quiet", "-m", "Merge PR 1", "pr", when="2026-03-01T10:00:00Z"
    )
    merge = run_git(repo, "rev-parse", "HEAD")
    found = introduced_by(repo, "HEAD", "credit", "production", "1.2.0")
    assert found is not None
    assert found.commit == merge
    assert found.is_merge
    assert found.base == base
    assert found.merged_head == head
    assert found.time == "2026-03-01T10:00:00Z"


def test_a_direct_push_is_a_single_parent_commit(tmp_path: Path) -> None:
    repo = governed_repo(tmp_path)
    pushed = commit(
        repo, {CREDIT: set_stage("production", "1.2.0")}, "push", when="2026-03-02T00:00:00Z"
    )
    found = introduced_by(repo, "HEAD", "credit", "production", "1.2.0")
    assert found is not None
    assert found.commit == pushed
    assert not found.is_merge
    assert found.merged_head == ""


def test_the_latest_transition_counts_and_never_held_gives_none(tmp_path: Path) -> None:
    repo = governed_repo(tmp_path)
    first = introduced_by(repo, "HEAD", "credit", "production", "1.1.0")
    commit(repo, {CREDIT: set_stage("production", "1.0.0")}, "back", when="2026-03-02T00:00:00Z")
    again = commit(
        repo, {CREDIT: set_stage("production", "1.1.0")}, "fwd", when="2026-03-03T00:00:00Z"
    )
    latest = introduced_by(repo, "HEAD", "credit", "production", "1.1.0")
    assert first is not None
    assert latest is not None
    assert latest.commit == again != first.commit
    assert introduced_by(repo, "HEAD", "credit", "production", "9.9.9") is None
