"""Time you can trust and changes that are never passed silently: a commit dated in the
future beyond `spec.trust.max_clock_skew` is refused at plan and at apply; a change that no
policy of the base selects is reported (warn, or block when modelops.yaml says so)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apply_fixtures import approvals, fresh_apply_repo, merge_pr, run_apply
from conftest import Result
from plan_fixtures import (
    BREAST_CANCER,
    CREDIT,
    governed_repo,
    open_pr,
    parsed,
    plan_args,
    replace,
    run_git,
    set_stage,
)

Cli = Callable[..., Result]
NOW = "2024-07-15T10:00:00+00:00"
TOMORROW_AND_AN_HOUR = "2024-07-16T11:00:00+00:00"  # 25 hours after NOW
SETTINGS = "modelops.yaml"


def _overall(plan: dict[str, object], rule: str) -> list[dict[str, object]]:
    return [f for f in plan["findings"] if f["rule"] == rule]  # type: ignore[attr-defined,index]


def test_a_head_commit_dated_in_the_future_is_refused_at_plan(tmp_path: Path, cli: Cli) -> None:
    repo = governed_repo(tmp_path)
    head = open_pr(repo, {CREDIT: set_stage("production", "1.2.0")}, when=TOMORROW_AND_AN_HOUR)
    result = cli(*plan_args(repo, "--no-gates", now=NOW))
    plan = parsed(result)
    assert result.code == 1, result.output
    [found] = _overall(plan, "future-commit")
    assert found["result"] == "fail"
    assert f"the head commit {head[:12]} is dated 2024-07-16T11:00:00Z" in str(found["message"])


def test_the_allowed_skew_is_configurable(tmp_path: Path, cli: Cli) -> None:
    lenient = {
        SETTINGS: replace("  governance:\n", "  trust:\n    max_clock_skew: 2d\n  governance:\n")
    }
    repo = governed_repo(tmp_path, lenient)
    open_pr(repo, {CREDIT: set_stage("production", "1.2.0")}, when=TOMORROW_AND_AN_HOUR)
    plan = parsed(cli(*plan_args(repo, "--no-gates", now=NOW)))
    assert _overall(plan, "future-commit") == []


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("template")


def test_a_merge_dated_in_the_future_is_refused_at_apply(
    template_dir: Path, tmp_path: Path
) -> None:
    """The merge time is what apply judges soak and freeze at: 25 hours ahead of the clock,
    it would satisfy a 24-hour soak that has not passed."""
    repo = fresh_apply_repo(template_dir, tmp_path)
    future = (datetime.now(UTC) + timedelta(hours=25)).isoformat(timespec="seconds")
    head, merge = merge_pr(repo, {CREDIT: set_stage("production", "1.2.0")}, branch="p", at=future)
    code, out = run_apply(repo, "--approvals", str(approvals(tmp_path, "p", head)))
    assert code == 1, out
    assert "builtin/future-commit" in out
    assert f"merge commit {merge[:12]}" in out
    assert run_git(repo, "rev-parse", "HEAD") == merge


def test_a_change_no_policy_selects_is_reported(tmp_path: Path, cli: Cli) -> None:
    repo = governed_repo(tmp_path)
    open_pr(repo, {BREAST_CANCER: set_stage("staging", "1.0.0")})  # no policy covers staging
    result = cli(*plan_args(repo, "--no-gates", now=NOW))
    plan = parsed(result)
    assert result.code == 0, result.output
    [found] = _overall(plan, "uncovered-change")
    assert found["result"] == "warn"
    assert "no policy selects this stage.promoted of breast-cancer" in str(found["message"])
    assert found["file"] == BREAST_CANCER


def test_uncovered_changes_block_when_the_settings_say_so(tmp_path: Path, cli: Cli) -> None:
    strict = {
        SETTINGS: replace(
            "  governance:\n", "  trust:\n    uncovered_changes: block\n  governance:\n"
        )
    }
    repo = governed_repo(tmp_path, strict)
    open_pr(repo, {BREAST_CANCER: set_stage("staging", "1.0.0")})
    result = cli(*plan_args(repo, "--no-gates", now=NOW))
    assert result.code == 1, result.output
    [found] = _overall(parsed(result), "uncovered-change")
    assert found["result"] == "fail"
