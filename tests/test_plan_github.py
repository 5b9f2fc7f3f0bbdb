"""`plan --pr N [--comment] [--check-run]` through the CLI, over real HTTP (github3.py) against
the GitHub emulator, on real git repositories: approvals read from the PR's reviews, the one
plan comment edited in place, the two commit statuses, check-run annotations, rate limits,
bad input (exit 2, nothing written), and a token that never shows."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Result
from github_emulator.running import RunningEmulator
from github_emulator.state import Pull, Repo
from plan_fixtures import (
    AUTHOR,
    CREDIT,
    NOW,
    governed_repo,
    line_of,
    open_pr,
    promotion_pr,
    replace,
    run_git,
    set_stage,
)

from modelops_gitops.github import PLAN_MARKER, STATUS_APPROVALS, STATUS_PLAN

pytest_plugins = ["github_emulator.fixtures"]

Cli = Callable[..., Result]
HIGH_RISK = "production-high-risk"
INSTALLATION_TOKEN = "ghs_" + "Pq7Rs2Tu9Vw4Xy1Za6Bc3De8Fg5Hi0Jk2Lm7"


def open_pull(emulator: RunningEmulator, repo: Path, head: str) -> Pull:
    """The PR on the emulated GitHub, for the real branch `pr` off `main`."""
    base = run_git(repo, "rev-parse", "main")
    return emulator.seed.pull(
        title="Promote credit 1.2.0 to production",
        author=AUTHOR,
        head_ref="pr",
        head_sha=head,
        base_sha=base,
        files=[CREDIT],
    )


def plan(cli: Cli, repo: Path, number: int, *extra: str, now: str = NOW) -> Result:
    return cli("plan", "--repo", str(repo), "--pr", str(number), "--now", now, *extra)


def github_repo(emulator: RunningEmulator) -> Repo:
    return emulator.state.repos[emulator.repository]


def statuses(emulator: RunningEmulator, sha: str) -> dict[str, tuple[str, str | None]]:
    """The latest state and description of each context on `sha`."""
    found = {}
    for status in github_repo(emulator).statuses:
        if status.sha == sha:
            found[status.context] = (status.state, status.description)
    return found


def comments(emulator: RunningEmulator, number: int) -> list[str]:
    return [c.body for c in github_repo(emulator).comments_on(number)]


def approvals_finding(result: Result) -> dict[str, object]:
    assert "Traceback" not in result.output, result.output
    plan = json.loads(result.out)
    [change] = plan["changes"]
    [found] = [
        f for f in change["findings"] if (f["policy"], f["rule"]) == (HIGH_RISK, "approvals")
    ]
    return dict(found)


def test_the_plan_comment_is_created_then_edited_in_place_and_statuses_follow(
    tmp_path: Path, cli: Cli, github_env: RunningEmulator, github_token: str
) -> None:
    repo, head = promotion_pr(tmp_path)
    pull = open_pull(github_env, repo, head)
    github_env.seed.comment(pull.number, "LGTM once model-risk has looked", login="jonas-credit")

    first = plan(
        cli, repo, pull.number, "--comment", "--no-gates", "--report-url", "https://ci/r/1"
    )

    assert first.code == 3, first.output
    assert "plan comment created: " in first.err
    [_, body] = comments(github_env, pull.number)
    assert body.startswith(f"{PLAN_MARKER}\n## ⏳ modelops-gitops plan: pending")
    assert "[Full report](https://ci/r/1)" in body
    assert statuses(github_env, head) == {
        STATUS_PLAN: ("pending", "4 checks pending (champion, drift, fairness, test)"),
        STATUS_APPROVALS: (
            "pending",
            "missing in 1 change: needs 2 approval(s) from model-risk, credit-risk; has 0 (none)",
        ),
    }

    github_env.seed.review(pull, "priya-validation")
    github_env.seed.review(pull, "jonas-credit")
    second = plan(cli, repo, pull.number, "--comment")  # every gate runs this time

    assert second.code == 0, second.output
    assert "plan comment updated: " in second.err
    bodies = comments(github_env, pull.number)
    assert len(bodies) == 2
    [plan_body] = [b for b in bodies if PLAN_MARKER in b]
    assert plan_body.count(PLAN_MARKER) == 1
    assert plan_body.startswith(f"{PLAN_MARKER}\n## ✅ modelops-gitops plan: pass")
    assert len(github_env.app.requests_to("/comments", "POST")) == 1
    assert statuses(github_env, head) == {
        STATUS_PLAN: ("success", "no blocking violations in 1 change"),
        STATUS_APPROVALS: ("success", "approved by jonas-credit, priya-validation"),
    }
    for result in (first, second):
        assert github_token not in result.output
    assert all(github_token not in b for b in bodies)
    assert all(github_token not in (s.description or "") for s in github_repo(github_env).statuses)


@pytest.mark.parametrize(
    ("reviews", "result", "why"),
    [
        ([("priya-validation", "head"), ("jonas-credit", "head")], "pass", ""),
        (
            [("priya-validation", "head"), ("jonas-credit", "base")],
            "pending",
            "jonas-credit (stale: approved ",
        ),
        (
            [("priya-validation", "head"), (AUTHOR, "head")],
            "pending",
            f"{AUTHOR} (the author cannot approve their own change)",
        ),
        (
            [("priya-validation", "head"), ("mallory-outside", "head")],
            "pending",
            "mallory-outside (not in model-risk, credit-risk)",
        ),
    ],
    ids=["valid", "stale", "self", "outside-the-team"],
)
def test_approvals_come_from_the_pull_requests_reviews(
    tmp_path: Path,
    cli: Cli,
    github_env: RunningEmulator,
    reviews: list[tuple[str, str]],
    result: str,
    why: str,
) -> None:
    repo, head = promotion_pr(tmp_path)
    pull = open_pull(github_env, repo, head)
    commits = {"head": head, "base": pull.base_sha}
    for login, on in reviews:
        github_env.seed.review(pull, login, commit_id=commits[on])

    out = plan(cli, repo, pull.number, "--no-gates", "--format", "json")

    assert out.code == 3, out.output  # gates not run: pending whatever the approvals
    found = approvals_finding(out)
    assert found["result"] == result
    assert why in str(found["message"])
    assert not github_repo(github_env).statuses  # no --comment: nothing written
    assert not comments(github_env, pull.number)


def test_blocking_violations_fail_the_plan_status_and_annotate_the_check_run(
    tmp_path: Path, cli: Cli, github_env: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", INSTALLATION_TOKEN)  # Actions' token: an App's
    repo = governed_repo(tmp_path)  # the PR is committed, and planned, an hour into staging
    head = open_pr(repo, {CREDIT: set_stage("production", "1.2.0")}, when="2024-07-01T09:30:00Z")
    pull = open_pull(github_env, repo, head)
    github_env.seed.review(pull, "priya-validation")
    github_env.seed.review(pull, "jonas-credit")
    one_hour_in_staging = "2024-07-01T10:00:00+00:00"

    out = plan(
        cli, repo, pull.number, "--comment", "--check-run", "--no-gates", now=one_hour_in_staging
    )

    assert out.code == 1, out.output
    assert statuses(github_env, head) == {
        STATUS_PLAN: ("failure", "2 blocking violations in 1 change"),
        STATUS_APPROVALS: ("success", "approved by jonas-credit, priya-validation"),
    }
    [run] = github_repo(github_env).check_runs.values()
    assert (run.name, run.head_sha, run.conclusion) == ("modelops plan", head, "failure")
    line = line_of(repo, CREDIT, "    production: 1.2.0")
    assert sorted((a["path"], a["start_line"], a["title"]) for a in run.annotations) == [
        (CREDIT, line, "builtin/lifecycle"),
        (CREDIT, line, f"{HIGH_RISK}/staging-soak"),
    ]
    assert "check run created with 2 annotations" in out.err
    assert INSTALLATION_TOKEN not in out.output


def test_check_run_is_skipped_with_a_note_without_an_app_token(
    tmp_path: Path, cli: Cli, github_env: RunningEmulator
) -> None:
    repo, head = promotion_pr(tmp_path)
    pull = open_pull(github_env, repo, head)

    out = plan(cli, repo, pull.number, "--comment", "--check-run", "--no-gates")

    assert out.code == 3, out.output
    assert "check run skipped: it needs a GitHub App installation token" in out.err
    assert not github_repo(github_env).check_runs
    assert set(statuses(github_env, head)) == {STATUS_PLAN, STATUS_APPROVALS}


def test_rate_limited_then_the_plan_goes_through(
    tmp_path: Path, cli: Cli, github_env: RunningEmulator
) -> None:
    repo, head = promotion_pr(tmp_path)
    pull = open_pull(github_env, repo, head)
    github_env.seed.review(pull, "priya-validation")
    limit = github_env.faults.rate_limit(f"/pulls/{pull.number}/reviews")  # resets in 1 s

    out = plan(cli, repo, pull.number, "--no-gates", "--format", "json")

    assert out.code == 3, out.output
    assert limit.fired == 1
    assert approvals_finding(out)["approvals"][0]["login"] == "priya-validation"  # type: ignore[index]
    assert len(github_env.app.requests_to(f"/pulls/{pull.number}/reviews", "GET")) == 2


def test_the_pr_commits_must_be_in_the_clone(
    tmp_path: Path, cli: Cli, github_env: RunningEmulator
) -> None:
    repo, _ = promotion_pr(tmp_path)
    pull = github_env.seed.pull(author=AUTHOR, head_sha="f" * 40, base_sha="e" * 40)

    out = plan(cli, repo, pull.number, "--comment")

    assert out.code == 2
    assert f"the pull request's base commit {'e' * 40} is not in this clone" in out.err
    assert "git fetch origin" in out.err
    assert not comments(github_env, pull.number)


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            ["--approvals", "approvals.json"],
            {},
            "--pr and --approvals are exclusive",
        ),
        ([], {"GITHUB_TOKEN": ""}, "--pr 1 needs a GitHub token: set GITHUB_TOKEN"),
        (["--pr-number-404"], {}, "could not read pull request #404 of acme/models"),
        (["--head", "WORKTREE"], {}, "--head WORKTREE cannot be used with it"),
    ],
    ids=["with-approvals", "no-token", "unknown-pr", "worktree"],
)
def test_bad_input_is_exit_2_and_writes_nothing(
    tmp_path: Path,
    cli: Cli,
    github_env: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    github_token: str,
    args: list[str],
    env: dict[str, str],
    message: str,
) -> None:
    repo, head = promotion_pr(tmp_path)
    pull = open_pull(github_env, repo, head)
    (tmp_path / "approvals.json").write_text("{}", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    number = 404 if args == ["--pr-number-404"] else pull.number
    args = [] if args == ["--pr-number-404"] else args
    out_file = tmp_path / "plan.md"

    out = plan(cli, repo, number, "--comment", "--no-gates", "--out", str(out_file), *args)

    assert out.code == 2, out.output
    assert message in out.err
    assert "Traceback" not in out.output
    assert github_token not in out.output
    assert not out_file.exists()
    assert not comments(github_env, pull.number)
    assert not github_repo(github_env).statuses


def test_comment_without_pr_is_exit_2(tmp_path: Path, cli: Cli) -> None:
    repo, _ = promotion_pr(tmp_path)

    out = cli("plan", "--repo", str(repo), "--comment", "--check-run")

    assert out.code == 2
    assert "--comment, --check-run needs --pr N" in out.err


def test_a_github_team_only_team_counts_the_members_github_lists(
    tmp_path: Path, cli: Cli, github_env: RunningEmulator
) -> None:
    listed = (
        "      members:\n        - priya-validation\n        - henrik-mrm\n        - sofia-risk\n"
    )
    on_github = "      github_team: acme/model-risk\n"
    repo, head = promotion_pr(tmp_path, {"policies/teams.yaml": replace(listed, on_github)})
    github_env.seed.team("acme", "model-risk", {"priya-validation": "active"})
    pull = open_pull(github_env, repo, head)
    github_env.seed.review(pull, "priya-validation")
    github_env.seed.review(pull, "jonas-credit")

    found = approvals_finding(plan(cli, repo, pull.number, "--no-gates", "--format", "json"))

    assert found["result"] == "pass", found
    assert {a["login"]: a["teams"] for a in found["approvals"]} == {  # type: ignore[attr-defined]
        "jonas-credit": ["credit-risk"],
        "priya-validation": ["model-risk"],
    }
