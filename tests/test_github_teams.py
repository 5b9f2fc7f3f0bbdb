"""A team of policies/teams.yaml defined only by `github_team`: its members come from GitHub
(through github3.py against the emulator), asked only for the people who approved, and the
approvals rules then count them as that team."""

from __future__ import annotations

from github_emulator.running import RunningEmulator

from modelops_gitops.github import GitHubProvider
from modelops_gitops.github.teams import approvers, github_members, with_members
from modelops_gitops.kinds import Teams
from modelops_gitops.plan.approvals import ApprovalsInput, standing

pytest_plugins = ["github_emulator.fixtures"]

TEAMS = Teams.model_validate(
    {
        "apiVersion": "modelops-gitops/v1",
        "kind": "Teams",
        "metadata": {"name": "teams"},
        "spec": {
            "teams": [
                {"name": "model-risk", "github_team": "acme/model-risk"},
                {"name": "credit-risk", "members": ["jonas-credit"]},
            ]
        },
    }
)


def test_github_team_members_are_the_approvers_github_lists(
    github_emulator: RunningEmulator, github: GitHubProvider
) -> None:
    seed = github_emulator.seed
    seed.team("acme", "model-risk", {"priya-validation": "active", "henrik-mrm": "pending"})
    pull = seed.pull(author="amelie-credit")
    seed.review(pull, "priya-validation")
    seed.review(pull, "henrik-mrm")  # invited, not yet a member
    seed.review(pull, "jonas-credit")
    seed.review(pull, "sofia-risk", "COMMENTED")  # never approved: not asked
    seed.review(pull, "amelie-credit")  # the author: not asked
    approvals = github.approvals(pull.number)

    found = github_members(github, TEAMS, approvals)
    teams = with_members(TEAMS, found)

    assert approvers(approvals) == ["henrik-mrm", "jonas-credit", "priya-validation"]
    assert found == {"model-risk": {"priya-validation"}}
    asked = github_emulator.app.requests_to("/memberships/")
    assert sorted(e.path.rsplit("/", 1)[1] for e in asked) == [
        "henrik-mrm",
        "jonas-credit",
        "priya-validation",
    ]
    assert teams.spec.members("model-risk") == {"priya-validation"}
    assert teams.spec.members("credit-risk") == {"jonas-credit"}
    assert TEAMS.spec.members("model-risk") == set()  # the input is unchanged
    counted = standing(
        ApprovalsInput.model_validate(approvals.as_json()), teams, allow_stale=False
    ).valid
    assert counted["priya-validation"].teams == ("model-risk",)
    assert counted["henrik-mrm"].teams == ()


def test_no_approver_no_request(github_emulator: RunningEmulator, github: GitHubProvider) -> None:
    pull = github_emulator.seed.pull(author="amelie-credit")
    approvals = github.approvals(pull.number)

    assert github_members(github, TEAMS, approvals) == {}
    assert not github_emulator.app.requests_to("/teams/")
