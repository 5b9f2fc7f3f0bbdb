"""`approvals`: the file it writes is the one plan and apply read, with the SHAs from git.

A rollback of credit production (1.1.0 -> 1.0.0) needs one approval from model-risk or sre
and runs no gate: pending without approvals, passing with the file the command writes; an
approval of an older commit comes out stale; bad input exits 2 naming the flag, nothing
written."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Result
from plan_fixtures import (
    AUTHOR,
    CREDIT,
    change_of,
    commit,
    finding,
    governed_repo,
    open_pr,
    parsed,
    plan_args,
    run_git,
    set_stage,
)

Cli = Callable[..., Result]


@pytest.fixture
def rollback_pr(tmp_path: Path) -> tuple[Path, str]:
    repo = governed_repo(tmp_path)
    return repo, open_pr(repo, {CREDIT: set_stage("production", "1.0.0")})


def approvals(cli: Cli, repo: Path, *args: str) -> Result:
    return cli("approvals", "--repo", str(repo), *args)


def rollback_approvals(plan: dict[str, object]) -> dict[str, object]:
    change = change_of(plan, "stage.rollback", "credit")  # type: ignore[arg-type]
    return finding(change, "rollback", "approvals")


def test_the_file_written_turns_pending_approvals_into_a_pass(
    rollback_pr: tuple[Path, str], cli: Cli, tmp_path: Path
) -> None:
    repo, head = rollback_pr
    pending = cli(*plan_args(repo, "--no-gates"))
    assert pending.code == 3, pending.output
    assert "modelops-gitops approvals" in rollback_approvals(parsed(pending))["message"]
    assert "--approvals" in pending.err
    assert "modelops-gitops approvals" in pending.err

    out = tmp_path / "approvals.json"
    made = approvals(cli, repo, "--author", AUTHOR, "--approve", "kai-oncall", "--out", str(out))
    assert made.code == 0, made.output
    assert "written to" in made.out
    assert f"--approvals {out}" in made.out
    data = json.loads(out.read_text("utf-8"))
    base = run_git(repo, "rev-parse", "main")
    assert data["head_sha"] == head
    assert data["author"] == AUTHOR
    [review] = data["reviews"]
    assert (review["login"], review["state"], review["commit_id"]) == (
        "kai-oncall",
        "APPROVED",
        head,
    )
    assert review["submitted_at"] == "2024-07-08T09:00:00Z"  # the head commit's time
    assert data["commits"] == [{"sha": head, "author": AUTHOR, "committer": AUTHOR}]
    assert base not in {c["sha"] for c in data["commits"]}

    passed = cli(*plan_args(repo, "--no-gates", "--approvals", str(out)))
    assert passed.code == 0, passed.output
    assert rollback_approvals(parsed(passed))["result"] == "pass"


def test_an_approval_of_an_older_commit_comes_out_stale(
    rollback_pr: tuple[Path, str], cli: Cli, tmp_path: Path
) -> None:
    repo, first = rollback_pr
    head = commit(
        repo, {"models/credit/NOTES.md": "why\n"}, "notes", when="2024-07-08T10:00:00+00:00"
    )
    out = tmp_path / "approvals.json"
    made = approvals(
        cli, repo, "--author", AUTHOR, "--approve", "kai-oncall@HEAD~1",
        "--request-changes", "nina-sre", "--out", str(out),
    )  # fmt: skip
    assert made.code == 0, made.output
    assert "stale" in made.out
    reviews = json.loads(out.read_text("utf-8"))["reviews"]
    assert [(r["login"], r["state"], r["commit_id"]) for r in reviews] == [
        ("kai-oncall", "APPROVED", first),
        ("nina-sre", "CHANGES_REQUESTED", head),
    ]
    result = cli(*plan_args(repo, "--no-gates", "--approvals", str(out)))
    assert result.code == 3, result.output
    message = rollback_approvals(parsed(result))["message"]
    assert f"kai-oncall (stale: approved {first[:7]}, head is {head[:7]})" in message
    assert "nina-sre (changes requested)" in message


def test_it_writes_to_standard_output_without_out(rollback_pr: tuple[Path, str], cli: Cli) -> None:
    repo, head = rollback_pr
    made = approvals(cli, repo, "--author", AUTHOR, "--approve", "kai-oncall", "--number", "7")
    assert made.code == 0, made.output
    data = json.loads(made.out)
    assert (data["head_sha"], data["number"]) == (head, 7)
    assert "1 approved" in made.err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--approve", "kai-oncall"], "--author"),
        (["--author", AUTHOR, "--approve", "kai-0ncall"], "did you mean 'kai-oncall'?"),
        (["--author", AUTHOR, "--approve", "kai-oncall@nope"], "--approve kai-oncall@nope"),
        (["--author", AUTHOR, "--approve", "kai-oncall@--upload-pack=x"], "--approve"),
        (["--author", AUTHOR, "--approve", "\u212aai-oncall"], "--approve: "),
        (["--author", "bad login", "--approve", "kai-oncall"], "--author: "),
        (["--author", AUTHOR, "--head", "no-such-branch", "--approve", "kai-oncall"], "--head"),
        (
            ["--author", AUTHOR, "--approve", "kai-oncall", "--request-changes", "KAI-oncall"],
            "--request-changes: 'KAI-oncall' is also given to --approve",
        ),
        (["--author", AUTHOR, "--submitted-at", "tomorrow"], "--submitted-at"),
        (["--pr", "3", "--approve", "kai-oncall"], "--approve cannot go with it"),
    ],
)
def test_bad_input_exits_2_naming_the_flag_and_writes_nothing(
    rollback_pr: tuple[Path, str], cli: Cli, tmp_path: Path, args: list[str], says: str
) -> None:
    repo, _ = rollback_pr
    out = tmp_path / "approvals.json"
    result = approvals(cli, repo, *args, "--out", str(out))
    assert result.code == 2, result.output
    assert says in result.err, result.err
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_login_in_no_team_is_written_with_a_note(
    rollback_pr: tuple[Path, str], cli: Cli, tmp_path: Path
) -> None:
    repo, _ = rollback_pr
    out = tmp_path / "approvals.json"
    made = approvals(
        cli, repo, "--author", AUTHOR, "--approve", "outside-reviewer", "--out", str(out)
    )
    assert made.code == 0, made.output
    assert "outside-reviewer is in no team of policies/teams.yaml" in made.err
    result = cli(*plan_args(repo, "--no-gates", "--approvals", str(out)))
    assert result.code == 3
    assert (
        "outside-reviewer (not in model-risk, sre)" in rollback_approvals(parsed(result))["message"]
    )


def test_the_written_file_explains_the_merge_to_apply(cli: Cli, tmp_path: Path) -> None:
    """Written on the branch, given to apply after the merge: the change is applied (the
    reviews are dated at the head commit, before the merge, so they count)."""
    repo = governed_repo(tmp_path)
    adopted = cli("apply", "--repo", str(repo), "--adopt")  # the ledger starts before the PR
    assert adopted.code == 0, adopted.output
    open_pr(repo, {CREDIT: set_stage("staging", "1.1.0")}, when="2024-07-08T09:00:00+00:00")
    out = tmp_path / "approvals.json"
    args = ("--author", AUTHOR, "--approve", "kai-oncall", "--number", "4", "--out", str(out))
    assert approvals(cli, repo, *args).code == 0
    run_git(repo, "checkout", "--quiet", "main")
    merge = ("merge", "--quiet", "--no-ff", "-m", "Merge #4", "pr")
    run_git(repo, *merge, when="2024-07-09T09:00:00+00:00")
    refused = cli("apply", "--repo", str(repo), "--dry-run")
    assert refused.code == 1
    assert "modelops-gitops approvals --head" in refused.out
    assert "--approvals" in refused.out
    applied = cli("apply", "--repo", str(repo), "--approvals", str(out))
    assert applied.code == 0, applied.output
    assert "credit staging 1.2.0 -> 1.1.0 (PR #4)" in applied.out
