"""The judge cannot be replaced by the change it judges: a PR that edits the workflows,
CODEOWNERS or modelops.yaml is a governance change judged by the base's policies, and may not
also promote; `init` writes CODEOWNERS over every file that configures the judge."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import Result
from plan_fixtures import (
    CREDIT,
    approvals_file,
    change_of,
    finding,
    governed_repo,
    kinds,
    open_pr,
    parsed,
    plan_args,
    review,
    set_stage,
)

Cli = Callable[..., Result]
NEUTERED_PLAN = "name: modelops plan\non: pull_request\njobs: {plan: {runs-on: x, steps: []}}\n"


def test_a_pr_that_rewrites_the_plan_workflow_is_a_governance_change(
    tmp_path: Path, cli: Cli
) -> None:
    repo = governed_repo(tmp_path)
    head = open_pr(repo, {".github/workflows/plan.yml": NEUTERED_PLAN})
    result = cli(*plan_args(repo))
    plan = parsed(result)
    assert result.code == 3, result.output  # before: exit 0, "no changes"
    assert kinds(plan) == ["governance.changed"]
    change = change_of(plan, "governance.changed")
    assert change["file"] == ".github/workflows/plan.yml"
    assert finding(change, "governance", "approvals")["result"] == "pending"
    reviews = [review("claudia-gov", head), review("omar-compliance", head)]
    approved = cli(*plan_args(repo, "--approvals", str(approvals_file(tmp_path, head, reviews))))
    assert approved.code == 0, approved.output
    assert (
        finding(change_of(parsed(approved), "governance.changed"), "governance", "approvals")[
            "result"
        ]
        == "pass"
    )


def test_codeowners_and_settings_are_governance_changes_too(tmp_path: Path, cli: Cli) -> None:
    repo = governed_repo(tmp_path)
    open_pr(
        repo,
        {
            "CODEOWNERS": "* @someone\n",
            ".github/CODEOWNERS": "* @someone\n",
            "modelops.yaml": lambda text: text.replace("timezone: Europe/Berlin", "timezone: UTC"),
        },
    )
    plan = parsed(cli(*plan_args(repo)))
    files = sorted(c["file"] for c in plan["changes"] if c["kind"] == "governance.changed")
    assert files == [".github/CODEOWNERS", "CODEOWNERS", "modelops.yaml"]


def test_a_workflow_edit_may_not_ride_along_with_a_promotion(tmp_path: Path, cli: Cli) -> None:
    repo = governed_repo(tmp_path)
    open_pr(
        repo,
        {CREDIT: set_stage("production", "1.2.0"), ".github/workflows/plan.yml": NEUTERED_PLAN},
    )
    result = cli(*plan_args(repo))
    plan = parsed(result)
    assert result.code == 1, result.output
    [overall] = [f for f in plan["findings"] if f["rule"] == "policy-and-stage-changes"]
    assert overall["result"] == "fail"
    assert ".github/workflows/plan.yml" in overall["message"]


def test_init_writes_codeowners_over_everything_that_configures_the_judge(
    tmp_path: Path, cli: Cli
) -> None:
    target = tmp_path / "gitops"
    assert cli("init", str(target), "--owner", "acme", "--name", "models").code == 0
    owners = {
        line.split()[0]: line.split()[1:]
        for line in (target / "CODEOWNERS").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    assert owners["/.github/"] == ["@acme/platform"]
    assert owners["/policies/"] == ["@acme/governance"]
    assert owners["/modelops.yaml"] == ["@acme/platform"]
    assert owners["/CODEOWNERS"] == ["@acme/platform"]
    governance = (target / "policies" / "governance.yaml").read_text(encoding="utf-8")
    assert "change_kinds: [policy.changed, governance.changed]" in governance
    platform = (target / "policies" / "platform.yaml").read_text(encoding="utf-8")
    assert "teams: [platform]" in platform
