"""Rollback means going back: only to the holder immediately before the current one (or up
to the Lifecycle's `rollback_steps` back), never to a version that was itself rolled back out
of the stage; anything else is a promotion. Rollbacks are frozen unless the freeze exempts
them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import Result
from plan_fixtures import (
    CREDIT,
    approvals_file,
    change_of,
    commit,
    finding,
    governed_repo,
    kinds,
    open_pr,
    parsed,
    plan_args,
    replace,
    review,
    set_stage,
)

from modelops_gitops.repo.history import Holding, earlier_holders, is_rollback

Cli = Callable[..., Result]
FREEZE_NOW = "2026-12-28T12:00:00+01:00"  # inside the example's 2026/27 year-end freeze


@dataclass(frozen=True)
class Held:
    versions: tuple[str, ...]

    def holdings(self, model: str, stage: str) -> list[Holding]:
        start = datetime(2026, 1, 1, tzinfo=UTC)
        return [Holding(v, start + timedelta(days=i)) for i, v in enumerate(self.versions)]


@pytest.mark.parametrize(
    ("held", "current", "to", "steps", "rollback"),
    [
        (("1.0.0", "1.1.0"), "1.1.0", "1.0.0", 1, True),  # one step back
        (("1.0.0", "1.1.0", "1.2.0"), "1.2.0", "1.0.0", 1, False),  # two back: a promotion
        (("1.0.0", "1.1.0", "1.2.0"), "1.2.0", "1.0.0", 2, True),  # unless the lifecycle allows
        (("1.0.0", "1.1.0", "1.0.0"), "1.0.0", "1.1.0", 1, False),  # 1.1.0 was rolled back out
        (("1.0.0", "1.1.0", "1.0.0", "1.2.0"), "1.2.0", "1.0.0", 1, True),
        (("1.0.0",), "1.1.0", "1.0.0", 1, True),  # desired 1.1.0 never applied: back to 1.0.0
        (("1.0.0",), None, "1.0.0", 1, False),  # no current holder: entering the stage
        ((), "1.0.0", "0.9.0", 1, False),
    ],
)
def test_what_counts_as_a_step_back(
    held: tuple[str, ...], current: str | None, to: str, steps: int, rollback: bool
) -> None:
    assert is_rollback(Held(held), "m", "production", current, to, steps=steps) is rollback


@pytest.mark.parametrize(
    ("held", "current", "earlier"),
    [
        (("1.0.0", "1.1.0"), "1.1.0", ["1.0.0"]),
        (("1.0.0", "1.1.0", "1.2.0"), "1.2.0", ["1.1.0", "1.0.0"]),
        (("1.0.0", "1.1.0", "1.0.0"), "1.0.0", []),  # 1.1.0 was rolled back out
        (("1.0.0", "1.1.0", "1.2.0", "1.1.0"), "1.1.0", ["1.0.0"]),  # so was 1.2.0
        (("1.0.0",), "1.1.0", ["1.0.0"]),  # desired 1.1.0 not applied yet
        ((), "1.0.0", []),
    ],
)
def test_earlier_holders_skip_versions_rolled_back_out(
    held: tuple[str, ...], current: str, earlier: list[str]
) -> None:
    found = earlier_holders(Held(held), "m", "production", current)
    assert found == earlier
    for version in found[:1]:  # the first is a true rollback when it is one step back
        steps = len(held) - 1 - max(i for i, v in enumerate(held) if v == version)
        assert is_rollback(Held(held), "m", "production", current, version, steps=max(steps, 1))


def test_putting_back_a_version_that_was_rolled_back_out_is_a_promotion(
    tmp_path: Path, cli: Cli
) -> None:
    """credit production: 1.0.0, then 1.1.0, then rolled back to 1.0.0 on main. Putting 1.1.0
    back is a promotion with a promotion's rules, not a one-approval rollback."""
    repo = governed_repo(tmp_path)
    commit(
        repo, {CREDIT: set_stage("production", "1.0.0")}, "roll back", when="2024-07-02T09:00:00Z"
    )
    head = open_pr(repo, {CREDIT: set_stage("production", "1.1.0")})
    path = approvals_file(tmp_path, head, [review("kai-oncall", head)])
    plan = parsed(cli(*plan_args(repo, "--no-gates", "--approvals", str(path))))
    assert kinds(plan) == ["stage.promoted"]
    change = change_of(plan, "stage.promoted", "credit")
    assert finding(change, "production-high-risk", "approvals")["result"] == "pending"


def test_a_rollback_during_a_freeze_needs_the_override_unless_exempt(
    tmp_path: Path, cli: Cli
) -> None:
    not_exempt = {"policies/freeze.yaml": replace("      exempt_rollbacks: true\n", "")}
    repo = governed_repo(tmp_path, not_exempt)
    head = open_pr(repo, {CREDIT: set_stage("production", "1.0.0")})
    path = approvals_file(tmp_path, head, [review("priya-validation", head)])
    result = cli(*plan_args(repo, "--no-gates", "--approvals", str(path), now=FREEZE_NOW))
    change = change_of(parsed(result), "stage.rollback", "credit")
    frozen = finding(change, "year-end-freeze", "freeze")
    assert result.code == 1
    assert frozen["result"] == "fail"
    assert "changes are frozen" in frozen["message"]
    oncall = approvals_file(tmp_path, head, [review("kai-oncall", head)])  # sre: break-glass
    result = cli(*plan_args(repo, "--no-gates", "--approvals", str(oncall), now=FREEZE_NOW))
    assert result.code == 0, result.output


def test_rollback_never_proposes_a_version_rolled_back_out(tmp_path: Path, cli: Cli) -> None:
    """credit production: 1.0.0, 1.1.0, rolled back to 1.0.0. `rollback` (and monitor's
    proposal, which asks the same `previous_holder`) must not pick 1.1.0: plan would judge
    that a promotion. With no other earlier holder it says so and names --to."""
    repo = governed_repo(tmp_path)
    commit(
        repo, {CREDIT: set_stage("production", "1.0.0")}, "roll back", when="2024-07-02T09:00:00Z"
    )
    before = (repo / CREDIT).read_bytes()
    result = cli("rollback", "credit", "production", "--repo", str(repo))
    assert result.code == 2, result.output
    assert "no earlier version held production" in result.err
    assert (repo / CREDIT).read_bytes() == before
