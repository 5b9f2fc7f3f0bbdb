"""apply asks provenance in one history pass (`introductions`, as status and audit verify
do): on a real history with merged PRs, direct pushes, a revert and a rollback it finds the
same introducing commits as the walk per (model, stage), and `apply --dry-run` judges the
same PRs into the same entries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from apply_fixtures import apply_repo, approvals, merge_pr, promote_credit, run_apply_json
from plan_fixtures import CREDIT, commit, run_git, set_stage

from modelops_gitops import git
from modelops_gitops.apply import reconcile
from modelops_gitops.audit.provenance import Introduction, introduced_by, introductions
from modelops_gitops.audit.replay import Difference


def _history(tmp_path: Path) -> tuple[Path, list[Path]]:
    """Adopted (credit staging 1.2.0, production 1.1.0), then: a merged PR rolling
    production back to 1.0.0; a direct push of staging back to 1.1.0, reverted; an unrelated
    commit; a merged PR promoting production to 1.2.0; a direct push of staging to 1.1.0."""
    repo = apply_repo(tmp_path, remote=False)
    head, _ = merge_pr(
        repo,
        {CREDIT: set_stage("production", "1.0.0")},
        branch="rollback",
        at="2024-07-09T09:00:00+00:00",
    )
    first = approvals(tmp_path, "rollback", head, number=11, title="Roll back credit")
    commit(repo, {CREDIT: set_stage("staging", "1.1.0")}, "push", when="2024-07-09T10:00:00Z")
    run_git(repo, "revert", "--no-edit", "HEAD", when="2024-07-09T11:00:00Z")
    commit(repo, {"notes.txt": "unrelated"}, "notes", when="2024-07-09T12:00:00Z")
    _, _, second = promote_credit(repo, tmp_path)
    commit(repo, {CREDIT: set_stage("staging", "1.1.0")}, "again", when="2024-07-13T09:00:00Z")
    return repo, [first, second]


def test_one_pass_finds_what_the_per_stage_walk_finds(tmp_path: Path) -> None:
    repo, _ = _history(tmp_path)
    history = git.LocalHistory(repo)
    diffs = [
        Difference(model, stage, None, desired)
        for model in ("credit", "diabetes", "absent")
        for stage in ("staging", "production", "canary")
        for desired in ("1.0.0", "1.1.0", "1.2.0", "9.9.9", None)
    ]
    batched = introductions(history, "HEAD", diffs, cache=tmp_path / "cache")
    found = 0
    for diff in diffs:
        expected = introduced_by(history, "HEAD", diff.model, diff.stage, diff.desired)
        assert batched(diff) == expected, diff
        found += expected is not None
    assert found >= 5  # merges, pushes, the revert and the rollback were all found
    again = introductions(history, "HEAD", diffs, cache=tmp_path / "cache")  # from the cache
    assert [again(d) for d in diffs] == [batched(d) for d in diffs]


def _per_stage(
    history: git.History, head: str, diffs: Any, **_: Any
) -> Any:  # the walk per (model, stage), as apply asked before
    def intro_of(diff: Difference) -> Introduction | None:
        return introduced_by(history, head, diff.model, diff.stage, diff.desired)

    return intro_of


def test_apply_judges_the_same_prs_into_the_same_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, files = _history(tmp_path)
    args = ["--dry-run", *(a for f in files for a in ("--approvals", str(f)))]
    code, one_pass = run_apply_json(repo, *args)
    with monkeypatch.context() as patch:
        patch.setattr(reconcile, "introductions", _per_stage)
        per_code, per_stage = run_apply_json(repo, *args)
    assert (code, one_pass) == (per_code, per_stage)
    accepted = [
        (e["change"]["stage"], e["change"]["to"], e["pr"]["number"]) for e in one_pass["applied"]
    ]
    assert accepted == [("production", "1.2.0", 12)]  # the last PR, past the rollback one
    refused = {r["stage"]: r["kind"] for r in one_pass["refused"]}
    assert refused == {"staging": "unapproved-drift"}  # the last direct push, not the revert
