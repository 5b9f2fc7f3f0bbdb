"""`apply` finding the merged PR of a merge commit and its approvals through GitHub (no
--approvals; GITHUB_TOKEN is set), over real HTTP against the GitHub emulator, on real
repositories adopted into a ledger: an approved PR is applied with GitHub's number, title and
reviews; a PR short of approvals, or a merge GitHub knows no PR for, is refused and nothing is
written; the token never shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from apply_fixtures import (
    MERGE_AT_Z,
    TWO_APPROVALS,
    fresh_apply_repo,
    merge_pr,
    run_apply,
    run_apply_json,
)
from github_emulator.running import RunningEmulator
from github_emulator.state import Pull
from plan_fixtures import AUTHOR, CREDIT, run_git, set_stage

from modelops_gitops.audit.ledger import LEDGER_PATH

pytest_plugins = ["github_emulator.fixtures"]

TITLE = "Promote credit 1.2.0 to production"


BEFORE_MERGE = "2023-12-31T23:00:00Z"  # the emulator merges at 2024-01-01 + ticks


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("template")


@pytest.fixture
def repo(template_dir: Path, tmp_path: Path) -> Path:
    """A fresh copy of one adopted repository (built once per module), with its own remote."""
    return fresh_apply_repo(template_dir, tmp_path)


def ledger_lines(repo: Path) -> list[str]:
    return (repo / LEDGER_PATH).read_text("utf-8").splitlines()


def promote(repo: Path) -> tuple[str, str, str]:
    """credit production 1.1.0 -> 1.2.0 on branch `promote`, merged --no-ff.
    (base, PR head, merge commit)"""
    base = run_git(repo, "rev-parse", "main")
    head, merge = merge_pr(repo, {CREDIT: set_stage("production", "1.2.0")}, branch="promote")
    return base, head, merge


def merged_pull(emulator: RunningEmulator, base: str, head: str, merge: str) -> Pull:
    return emulator.seed.pull(
        title=TITLE,
        author=AUTHOR,
        head_ref="promote",
        head_sha=head,
        base_sha=base,
        files=[CREDIT],
        merged_as=merge,
    )


def test_a_pr_merged_with_two_approvals_on_github_is_applied_with_its_number_and_reviews(
    repo: Path, github_env: RunningEmulator, github_token: str
) -> None:
    before = ledger_lines(repo)
    base, pr_head, merge = promote(repo)
    # an unrelated merged PR first, so the number is not just "the first one"
    github_env.seed.pull(title="Unrelated docs", merged_as="f" * 40, files=["README.md"])
    pull = merged_pull(github_env, base, pr_head, merge)
    for login in TWO_APPROVALS:
        github_env.seed.review(pull, login, commit_id=pr_head, submitted_at=BEFORE_MERGE)

    code, out = run_apply(repo)

    assert code == 0, out
    assert github_token not in out
    assert f"applied     credit production 1.1.0 -> 1.2.0 (PR #{pull.number})" in out
    assert run_git(repo, "rev-parse", "HEAD^") == merge  # one apply commit on the merge
    lines = ledger_lines(repo)
    assert lines[:-1] == before
    entry = json.loads(lines[-1])
    assert entry["pr"]["number"] == pull.number
    assert pull.number != 1
    assert entry["pr"]["title"] == TITLE
    assert entry["pr"]["head_sha"] == pr_head
    assert entry["merge_commit"] == merge
    assert entry["time"] == MERGE_AT_Z
    assert entry["change"]["kind"] == "stage.promoted"
    assert (entry["change"]["model"], entry["change"]["stage"]) == ("credit", "production")
    assert [a["login"] for a in entry["approvals"]] == ["jonas-credit", "priya-validation"]
    assert {a["commit"] for a in entry["approvals"]} == {pr_head}
    assert {(r["type"], r["result"]) for r in entry["rules"]} >= {("approvals", "pass")}
    # GitHub was asked about the merge commit, then for the PR and its reviews
    assert github_env.app.requests_to(f"/commits/{merge}/pulls", "GET")
    assert github_env.app.requests_to(f"/pulls/{pull.number}/reviews", "GET")

    again, out = run_apply(repo)  # idempotent: nothing left to apply
    assert again == 0, out
    assert "nothing to apply" in out
    assert ledger_lines(repo) == lines


def test_a_pr_with_one_approval_on_github_is_refused_and_nothing_is_written(
    repo: Path, github_env: RunningEmulator, github_token: str
) -> None:
    before = ledger_lines(repo)
    base, pr_head, merge = promote(repo)
    pull = merged_pull(github_env, base, pr_head, merge)
    github_env.seed.review(pull, "priya-validation", commit_id=pr_head, submitted_at=BEFORE_MERGE)

    code, out = run_apply(repo)

    assert code == 1, out
    assert github_token not in out
    assert "re-check-pending" in out
    assert "production-high-risk/approvals" in out
    assert "needs 2 approval(s)" in out
    assert "priya-validation" in out
    assert run_git(repo, "rev-parse", "HEAD") == merge  # no apply commit
    assert ledger_lines(repo) == before
    assert run_git(repo, "status", "--porcelain") == ""

    code, data = run_apply_json(repo)
    assert code == 1
    refused = data["refused"]
    assert [(r["model"], r["stage"], r["commit"], r["kind"]) for r in refused] == [
        ("credit", "production", merge, "re-check-pending")
    ]


def test_a_merge_github_knows_no_pr_for_is_unapproved_drift(
    repo: Path, github_env: RunningEmulator, github_token: str
) -> None:
    before = ledger_lines(repo)
    base, _, merge = promote(repo)
    # GitHub knows a merged PR, but not one merged as this commit
    other = github_env.seed.pull(title="Another PR", merged_as="e" * 40, base_sha=base)
    github_env.seed.review(other, "priya-validation")
    github_env.seed.review(other, "jonas-credit")

    code, out = run_apply(repo)

    assert code == 1, out
    assert github_token not in out
    assert "unapproved-drift" in out
    assert merge[:12] in out
    assert "without a reviewed pull request" in out
    assert "no merged PR or approvals file explains it" in out
    assert github_env.app.requests_to(f"/commits/{merge}/pulls", "GET")
    assert run_git(repo, "rev-parse", "HEAD") == merge
    assert ledger_lines(repo) == before

    code, data = run_apply_json(repo)
    assert code == 1
    refused = data["refused"]
    assert [(r["model"], r["stage"], r["commit"], r["kind"]) for r in refused] == [
        ("credit", "production", merge, "unapproved-drift")
    ]


@pytest.mark.parametrize(
    ("fault", "expected"), [("none", 1), ("unauthorized", 2), ("rate_limit", 2)]
)
def test_the_token_never_shows_in_apply_output(
    repo: Path, github_env: RunningEmulator, github_token: str, fault: str, expected: int
) -> None:
    before = ledger_lines(repo)
    base, pr_head, merge = promote(repo)
    pull = merged_pull(github_env, base, pr_head, merge)
    github_env.seed.review(pull, "priya-validation", commit_id=pr_head, submitted_at=BEFORE_MERGE)
    if fault == "unauthorized":
        github_env.faults.server_error("/pulls", status=401, times=20)
    elif fault == "rate_limit":
        github_env.faults.rate_limit("/pulls", reset_at=4102444800, times=20)  # 2100: no wait

    for args in ((), ("--format", "json"), ("--dry-run",)):
        code, out = run_apply(repo, *args)
        assert code == expected, out
        assert github_token not in out
        assert github_token[4:] not in out  # not even without its prefix
        assert "Traceback" not in out
        if expected == 2:
            assert f"could not find the pull request of commit {merge[:12]}" in out
    assert run_git(repo, "rev-parse", "HEAD") == merge  # nothing written
    assert ledger_lines(repo) == before
