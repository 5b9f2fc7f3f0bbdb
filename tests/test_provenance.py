"""Which first-parent commit introduced a stage's desired version: merges and direct pushes."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from plan_fixtures import CREDIT, commit, governed_repo, open_pr, run_git, set_stage

from modelops_gitops import git
from modelops_gitops.audit.provenance import introduced_by, introductions
from modelops_gitops.audit.replay import Difference
from modelops_gitops.repo.history import GitHistory, registrations
from modelops_gitops.repo.model_files import ModelFiles


def test_a_merged_pr_is_found_as_its_merge_commit_with_the_pr_head(tmp_path: Path) -> None:
    repo = governed_repo(tmp_path)
    head = open_pr(repo, {CREDIT: set_stage("production", "1.2.0")})
    run_git(repo, "checkout", "--quiet", "main")
    base = run_git(repo, "rev-parse", "HEAD")
    run_git(
        repo, "merge", "--no-ff", "--quiet", "-m", "Merge PR 1", "pr", when="2026-03-01T10:00:00Z"
    )
    merge = run_git(repo, "rev-parse", "HEAD")
    found = introduced_by(git.LocalHistory(repo), "HEAD", "credit", "production", "1.2.0")
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
    found = introduced_by(git.LocalHistory(repo), "HEAD", "credit", "production", "1.2.0")
    assert found is not None
    assert found.commit == pushed
    assert not found.is_merge
    assert found.merged_head == ""


def test_the_latest_transition_counts_and_never_held_gives_none(tmp_path: Path) -> None:
    repo = governed_repo(tmp_path)
    first = introduced_by(git.LocalHistory(repo), "HEAD", "credit", "production", "1.1.0")
    commit(repo, {CREDIT: set_stage("production", "1.0.0")}, "back", when="2026-03-02T00:00:00Z")
    again = commit(
        repo, {CREDIT: set_stage("production", "1.1.0")}, "fwd", when="2026-03-03T00:00:00Z"
    )
    latest = introduced_by(git.LocalHistory(repo), "HEAD", "credit", "production", "1.1.0")
    assert first is not None
    assert latest is not None
    assert latest.commit == again != first.commit
    assert introduced_by(git.LocalHistory(repo), "HEAD", "credit", "production", "9.9.9") is None


class SnapshotHistory:
    """A `git.History` held in memory: every answer the history readers asked a real clone
    for, recorded, then served without git. It proves the readers need nothing but the
    protocol (a hosted backend would be written the same way)."""

    def __init__(self, source: git.History, head: str, paths: list[str]) -> None:
        self.head = source.resolve(head)
        self.logs = {
            (path, first): source.file_log(path, self.head, first_parent=first)
            for path in paths
            for first in (False, True)
        }
        shas = {sha for log in self.logs.values() for sha, _ in log}
        self.parent_map = {sha: source.parents(sha) for sha in shas}
        self.files = {(sha, path): source.show_file(sha, path) for sha in shas for path in paths}
        self.times = {sha: source.commit_time(sha) for sha in shas}
        self.mainline = source.first_parent(self.head)

    def resolve(self, ref: str) -> str:
        assert ref in ("HEAD", self.head)
        return self.head

    def parents(self, commit: str) -> tuple[str, ...]:
        return self.parent_map[commit]

    def commit_time(self, commit: str) -> datetime:
        return self.times[commit]

    def file_log(
        self, path: str, ref: str, *, first_parent: bool = False
    ) -> list[tuple[str, datetime]]:
        assert self.resolve(ref) == self.head
        return self.logs[(path, first_parent)]

    def first_parent(self, head: str) -> list[str]:
        return self.mainline

    def show_file(self, commit: str, path: str) -> bytes:
        return self.files.get((commit, path), b"")


def test_history_readers_run_on_any_history_backend(tmp_path: Path) -> None:
    """introduced_by, the stage history and registrations give the same answers from a
    snapshot in memory as from the clone, after the clone is gone."""
    repo = governed_repo(tmp_path)
    open_pr(repo, {CREDIT: set_stage("production", "1.2.0")})
    run_git(repo, "checkout", "--quiet", "main")
    run_git(repo, "merge", "--no-ff", "--quiet", "-m", "PR", "pr", when="2026-03-01T10:00:00Z")
    commit(repo, {CREDIT: set_stage("production", "1.1.0")}, "back", when="2026-03-02T00:00:00Z")
    local = git.LocalHistory(repo)
    path = "models/credit/model.yaml"

    def answers(history: git.History) -> tuple[object, ...]:
        return (
            introduced_by(history, "HEAD", "credit", "production", "1.2.0"),
            introduced_by(history, "HEAD", "credit", "production", "1.1.0"),
            GitHistory(history, "HEAD").holdings("credit", "production"),
            registrations(history, "HEAD", path),
        )

    from_clone = answers(local)
    snapshot = SnapshotHistory(local, "HEAD", [path])
    shutil.rmtree(repo)
    assert answers(snapshot) == from_clone
    held = [holding.version for holding in from_clone[2]]  # type: ignore[attr-defined]
    assert held[-2:] == ["1.2.0", "1.1.0"]


def test_one_history_pass_answers_as_the_per_stage_walk_does(tmp_path: Path) -> None:
    """`introductions` and `ModelFiles.registrations` (one `git log --raw`, blobs read
    together) give exactly the answers of `introduced_by` and `registrations` (a walk per
    model and stage) on a history with merges, direct pushes, unrelated commits, a file
    deleted and brought back, and a model whose history has a name git could misread."""
    repo = governed_repo(tmp_path)
    open_pr(repo, {CREDIT: set_stage("production", "1.2.0")})
    run_git(repo, "checkout", "--quiet", "main")
    run_git(repo, "merge", "--no-ff", "--quiet", "-m", "PR", "pr", when="2026-03-01T10:00:00Z")
    commit(repo, {"notes.txt": "unrelated"}, "notes", when="2026-03-01T11:00:00Z")
    commit(repo, {CREDIT: set_stage("production", "1.1.0")}, "back", when="2026-03-02T00:00:00Z")
    text = (repo / CREDIT).read_text("utf-8")
    (repo / CREDIT).unlink()
    run_git(repo, "commit", "--quiet", "-am", "drop credit", when="2026-03-03T00:00:00Z")
    commit(repo, {CREDIT: text}, "credit again", when="2026-03-04T00:00:00Z")
    commit(
        repo,
        {"models/-x y/model.yaml": text.replace("name: credit", "name: -x y")},
        "odd name",
        when="2026-03-05T00:00:00Z",
    )
    history = git.LocalHistory(repo)
    models = ["credit", "breast-cancer", "diabetes", "-x y", "never-there"]
    diffs = [
        Difference(model, stage, None, desired)
        for model in models
        for stage in ("staging", "production", "canary")
        for desired in ("1.0.0", "1.1.0", "1.2.0", "9.9.9", None)
    ]
    batched = introductions(history, "HEAD", diffs)
    for diff in diffs:
        expected = introduced_by(history, "HEAD", diff.model, diff.stage, diff.desired)
        assert batched(diff) == expected, diff
    assert batched(Difference("credit", "production", None, "1.1.0")) is not None
    files = ModelFiles(history, "HEAD")
    for model in models:
        path = f"models/{model}/model.yaml"
        assert files.registrations(path) == registrations(history, "HEAD", path), model


def test_model_file_facts_are_kept_by_blob_for_the_next_command(tmp_path: Path) -> None:
    """The second pass over the same history reads no blob: each blob's stages and versions
    come from the clone's cache (content addressed, so they cannot go stale); a corrupt
    cache file is ignored."""
    repo = governed_repo(tmp_path)
    folder = tmp_path / "cache"
    folder.mkdir()
    reads: list[int] = []

    class Counting(git.LocalHistory):
        def read_blobs(self, oids: Sequence[str]) -> dict[str, bytes]:
            reads.append(len(oids))
            return super().read_blobs(oids)

    path = "models/credit/model.yaml"
    first = ModelFiles(Counting(repo), "HEAD", cache=folder)
    expected = first.registrations(path)
    first.save()
    assert reads
    reads.clear()
    second = ModelFiles(Counting(repo), "HEAD", cache=folder)
    assert second.registrations(path) == expected
    assert reads == []
    for cached in folder.iterdir():
        cached.write_bytes(b"garbage")
    third = ModelFiles(Counting(repo), "HEAD", cache=folder)
    assert third.registrations(path) == expected
    assert reads
