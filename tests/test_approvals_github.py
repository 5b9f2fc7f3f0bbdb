"""`approvals --pr N` over real HTTP against the GitHub emulator: the file holds what `plan
--pr N` reads, so planning with it judges the approvals the same way; and a rehearsal
(`plan --at`) is never published to the pull request."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from conftest import Result
from github_emulator.running import RunningEmulator
from plan_fixtures import AUTHOR, CREDIT, promotion_pr, run_git

pytest_plugins = ["github_emulator.fixtures"]

Cli = Callable[..., Result]


def approvals_message(result: Result) -> str:
    plan = json.loads(result.out)
    [change] = plan["changes"]
    [found] = [f for f in change["findings"] if f["rule"] == "approvals"]
    return str(found["message"])


def test_the_file_read_from_a_pull_request_judges_as_plan_pr_does(
    tmp_path: Path, cli: Cli, github_env: RunningEmulator
) -> None:
    repo, head = promotion_pr(tmp_path)
    base = run_git(repo, "rev-parse", "main")
    pull = github_env.seed.pull(
        title="Promote credit 1.2.0",
        author=AUTHOR,
        head_ref="pr",
        head_sha=head,
        base_sha=base,
        files=[CREDIT],
    )
    github_env.seed.review(pull, "priya-validation")
    github_env.seed.review(pull, "jonas-credit", "CHANGES_REQUESTED")
    out = tmp_path / "approvals.json"

    made = cli("approvals", "--repo", str(repo), "--pr", str(pull.number), "--out", str(out))

    assert made.code == 0, made.output
    data = json.loads(out.read_text("utf-8"))
    assert (data["head_sha"], data["author"], data["number"]) == (head, AUTHOR, pull.number)
    assert data["title"] == "Promote credit 1.2.0"
    assert [(r["login"], r["state"]) for r in data["reviews"]] == [
        ("priya-validation", "APPROVED"),
        ("jonas-credit", "CHANGES_REQUESTED"),
    ]
    common = ("plan", "--repo", str(repo), "--no-gates", "--format", "json")
    common += ("--now", "2024-07-15T10:00:00Z")
    from_file = cli(*common, "--base", "main", "--head", "pr", "--approvals", str(out))
    from_github = cli(*common, "--pr", str(pull.number))
    assert from_file.code == from_github.code == 3
    assert approvals_message(from_file) == approvals_message(from_github)
    assert "jonas-credit (changes requested)" in approvals_message(from_file)


def test_a_rehearsal_is_never_published(
    tmp_path: Path, cli: Cli, github_env: RunningEmulator
) -> None:
    """A workflow edited to plan `--at` a later time (the soak over, the freeze not yet
    begun) cannot turn the PR's statuses green: the rehearsal refuses to publish."""
    repo, head = promotion_pr(tmp_path)
    base = run_git(repo, "rev-parse", "main")
    pull = github_env.seed.pull(
        title="t", author=AUTHOR, head_ref="pr", head_sha=head, base_sha=base, files=[CREDIT]
    )
    for flag in ("--comment", "--check-run"):
        result = cli(
            "plan", "--repo", str(repo), "--pr", str(pull.number), flag,
            "--at", "2030-01-01T00:00:00Z",
        )  # fmt: skip
        assert result.code == 2, result.output
        assert f"--at rehearses and {flag} publishes" in result.err
    repo_state = github_env.state.repos[github_env.repository]
    assert repo_state.statuses == []
    assert repo_state.comments_on(pull.number) == []
    assert github_env.app.requests_to("/check-runs", "POST") == []
