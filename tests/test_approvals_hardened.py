"""Approvals an attacker with write access cannot bend: a reviewer who pushed to the PR, a
bot, review times in another offset, a login with a Unicode lookalike, a review submitted
after the merge. Each test is an attack that succeeded before approvals were hardened."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Result
from github_emulator.running import RunningEmulator
from plan_fixtures import (
    AUTHOR,
    approvals_file,
    change_of,
    finding,
    parsed,
    plan_args,
    promotion_pr,
    review,
)
from test_approvals import HEAD, TEAMS, approvals
from test_plan_github import approvals_finding, open_pull, plan

from modelops_gitops.errors import InputError
from modelops_gitops.plan.approvals import ApprovalsInput, count_for, read_approvals, standing

pytest_plugins = ["github_emulator.fixtures"]

Cli = Callable[..., Result]


def test_a_reviewer_who_pushed_a_commit_of_the_head_cannot_approve_it() -> None:
    data = approvals(
        {
            "login": "rita",
            "state": "APPROVED",
            "commit_id": HEAD,
            "submitted_at": "2026-01-01T00:00:01Z",
        }
    ).model_dump()
    data["commits"] = [{"sha": "c" * 40, "author": "alice", "committer": "Rita"}]
    found = standing(ApprovalsInput.model_validate(data), TEAMS, allow_stale=False)
    assert found.valid == {}
    assert found.not_counted["rita"].startswith("pushed to this change (commit ccccccc)")
    allowed = standing(
        ApprovalsInput.model_validate(data), TEAMS, allow_stale=False, allow_pushers=True
    )
    assert list(allowed.valid) == ["rita"]


@pytest.mark.parametrize(
    ("login", "user_type"), [("github-actions[bot]", "User"), ("release-helper", "Bot")]
)
def test_bots_never_count_even_when_a_rule_names_no_team(login: str, user_type: str) -> None:
    data = approvals().model_dump()
    data["reviews"] = [
        {"login": login, "state": "APPROVED", "commit_id": HEAD, "user_type": user_type}
    ]
    found = standing(ApprovalsInput.model_validate(data), TEAMS, allow_stale=False)
    assert count_for(found, []) == []
    assert "bot" in found.not_counted[login]


def test_review_times_are_compared_as_times_not_text() -> None:
    # 10:00+02:00 is 08:00Z, BEFORE the 09:00Z request for changes; as text it sorts after
    found = standing(
        approvals(
            {
                "login": "rita",
                "state": "APPROVED",
                "commit_id": HEAD,
                "submitted_at": "2026-01-01T10:00:00+02:00",
            },
            {
                "login": "rita",
                "state": "CHANGES_REQUESTED",
                "commit_id": HEAD,
                "submitted_at": "2026-01-01T09:00:00Z",
            },
        ),
        TEAMS,
        allow_stale=False,
    )
    assert found.valid == {}
    assert found.not_counted == {"rita": "changes requested"}


def test_times_are_normalised_and_a_time_without_offset_is_refused() -> None:
    ok = approvals(
        {"login": "rita", "state": "APPROVED", "submitted_at": "2026-01-01T10:00:00+02:00"}
    )
    assert ok.reviews[0].submitted_at == "2026-01-01T08:00:00Z"
    with pytest.raises(ValueError, match="no UTC offset"):
        approvals({"login": "rita", "state": "APPROVED", "submitted_at": "2026-01-01T10:00:00"})
    with pytest.raises(ValueError, match="not an ISO 8601 time"):
        approvals({"login": "rita", "state": "APPROVED", "submitted_at": "yesterday"})


@pytest.mark.parametrize("where", ["reviews", "author", "commits"])
def test_a_login_with_a_unicode_lookalike_is_refused_at_input(tmp_path: Path, where: str) -> None:
    kelvin = "\u212aaren"  # KELVIN SIGN + "aren": lower() gives "karen"
    data = approvals(
        {"login": "karen", "state": "APPROVED", "commit_id": HEAD}, author="alice"
    ).model_dump()
    if where == "reviews":
        data["reviews"][0]["login"] = kelvin
    elif where == "author":
        data["author"] = kelvin
    else:
        data["commits"] = [{"sha": "c" * 40, "author": kelvin, "committer": None}]
    path = tmp_path / "approvals.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError, match="not a GitHub login") as caught:
        read_approvals(path)
    assert str(path) in str(caught.value)


def test_the_kelvin_sign_author_cannot_approve_through_the_cli(tmp_path: Path, cli: Cli) -> None:
    repo, head = promotion_pr(tmp_path)
    reviews = [review("priya-validation", head), review("jonas-credit", head)]
    path = approvals_file(tmp_path, head, reviews, author="\u212aaren")
    result = cli(*plan_args(repo, "--approvals", str(path)))
    assert result.code == 2, result.output
    assert "not a GitHub login" in result.err
    assert "Traceback" not in result.output


def test_reviews_after_the_merge_do_not_count() -> None:
    data = approvals(
        {
            "login": "rita",
            "state": "APPROVED",
            "commit_id": HEAD,
            "submitted_at": "2026-01-01T12:00:00Z",
        },
        {
            "login": "bea",
            "state": "APPROVED",
            "commit_id": HEAD,
            "submitted_at": "2026-01-01T10:00:00Z",
        },
    ).model_dump()
    data["merged_at"] = "2026-01-01T13:00:00+02:00"  # 11:00Z
    kept = ApprovalsInput.model_validate(data).before_merge()
    assert [r.login for r in kept.reviews] == ["bea"]


def test_a_pusher_read_from_github_cannot_approve(
    tmp_path: Path, cli: Cli, github_env: RunningEmulator
) -> None:
    repo, head = promotion_pr(tmp_path)
    pull = open_pull(github_env, repo, head)
    github_env.seed.push(pull, "d" * 40, author=AUTHOR, committer="jonas-credit")
    github_env.seed.review(pull, "priya-validation")
    github_env.seed.review(pull, "jonas-credit")

    out = plan(cli, repo, pull.number, "--no-gates", "--format", "json")

    found = approvals_finding(out)
    assert found["result"] == "pending"
    assert "jonas-credit (pushed to this change (commit ddddddd)" in str(found["message"])


def test_a_bot_account_read_from_github_never_counts(
    tmp_path: Path, cli: Cli, github_env: RunningEmulator
) -> None:
    repo, head = promotion_pr(tmp_path)
    pull = open_pull(github_env, repo, head)
    github_env.state.user("deploy-helper", "Bot")
    github_env.seed.review(pull, "deploy-helper")

    out = plan(cli, repo, pull.number, "--no-gates", "--format", "json")

    assert "deploy-helper (a bot account never counts" in str(approvals_finding(out)["message"])


def test_the_approvals_file_of_a_plan_still_reads_old_files(tmp_path: Path, cli: Cli) -> None:
    repo, head = promotion_pr(tmp_path)
    reviews = [review("priya-validation", head), review("jonas-credit", head)]
    result = cli(*plan_args(repo, "--approvals", str(approvals_file(tmp_path, head, reviews))))
    plan_ = parsed(result)
    approved = finding(
        change_of(plan_, "stage.promoted", "credit"), "production-high-risk", "approvals"
    )
    assert approved["result"] == "pass"
