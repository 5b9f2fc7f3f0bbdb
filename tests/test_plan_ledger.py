"""Once apply has run, plan judges rollbacks, soak times and the champion by the ledger (what
was APPLIED), not by what the model files once asked for."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Result
from ledger_drafts import draft
from plan_fixtures import (
    CREDIT,
    change_of,
    commit,
    finding,
    governed_repo,
    kinds,
    open_pr,
    parsed,
    plan_args,
    set_stage,
)

from modelops_gitops.audit.ledger import (
    LEDGER_PATH,
    LedgerEntry,
    chain,
    serialize,
)


def applied(model: str, stage: str, to: str, time: str, frm: str | None = None) -> LedgerEntry:
    return draft(model, stage, to, frm, time=time)


Cli = Callable[..., Result]

# Applied: production 1.0.0 and staging 1.1.0 in May; never 1.1.0 in production, never
# 1.2.0 in staging (the model file's history says otherwise: apply refused or never ran).
LEDGER = serialize(
    chain(
        [],
        [
            applied("credit", "production", "1.0.0", "2024-05-01T12:00:00Z"),
            applied("credit", "staging", "1.1.0", "2024-05-01T12:00:00Z"),
        ],
    )
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = governed_repo(tmp_path)
    commit(repo, {LEDGER_PATH: LEDGER.decode()}, "apply", when="2024-07-01T10:00:00+00:00")
    return repo


def test_soak_counts_only_what_the_ledger_says_was_applied(repo: Path, cli: Cli) -> None:
    open_pr(repo, {CREDIT: set_stage("production", "1.2.0")})
    plan = parsed(cli(*plan_args(repo, "--no-gates")))
    soak = finding(change_of(plan, "stage.promoted"), "production-high-risk", "staging-soak")
    assert soak["result"] == "fail"
    assert "staging" in soak["message"]


def test_a_rollback_is_a_return_to_an_applied_holder(repo: Path, cli: Cli) -> None:
    open_pr(repo, {CREDIT: set_stage("production", "1.0.0")})
    plan = parsed(cli(*plan_args(repo, "--no-gates")))
    assert kinds(plan) == ["stage.rollback"]


def test_a_version_desired_but_never_applied_is_no_rollback_target(repo: Path, cli: Cli) -> None:
    # The model file's history has production at 1.1.0 for a month (a rollback target by git
    # history); the ledger says it never got there.
    commit(
        repo, {CREDIT: set_stage("production", "1.2.0")}, "ask", when="2024-07-02T00:00:00+00:00"
    )
    open_pr(repo, {CREDIT: set_stage("production", "1.1.0")})
    plan = parsed(cli(*plan_args(repo, "--no-gates")))
    assert kinds(plan) == ["stage.promoted"]


def test_the_champion_is_the_applied_holder(repo: Path, cli: Cli) -> None:
    open_pr(repo, {CREDIT: set_stage("production", "1.2.0")})
    plan = parsed(cli(*plan_args(repo)))
    champion = finding(change_of(plan, "stage.promoted"), "production-high-risk", "champion")
    assert "1.0.0" in champion["gate"]["summary"]
    assert "1.1.0" not in champion["gate"]["summary"]


def test_a_corrupt_ledger_at_the_base_is_bad_input_naming_its_line(repo: Path, cli: Cli) -> None:
    commit(
        repo,
        {LEDGER_PATH: LEDGER.decode() + "{not json\n"},
        "break",
        when="2024-07-02T00:00:00+00:00",
    )
    open_pr(repo, {CREDIT: set_stage("production", "1.2.0")})
    result = cli(*plan_args(repo, "--no-gates"))
    assert result.code == 2
    assert f"{LEDGER_PATH}:3" in result.err
    assert "Traceback" not in result.output


def test_a_holding_that_starts_after_now_does_not_count_as_soak() -> None:
    from datetime import UTC, datetime

    from modelops_gitops.audit.replay import LedgerHistory
    from modelops_gitops.repo.history import time_held

    history = LedgerHistory(
        chain([], [applied("credit", "staging", "1.2.0", "2024-07-01T09:00:00Z")])
    )
    before = datetime(2024, 6, 1, tzinfo=UTC)
    after = datetime(2024, 7, 2, 9, tzinfo=UTC)
    assert time_held(history, "credit", "staging", "1.2.0", before) is None
    held = time_held(history, "credit", "staging", "1.2.0", after)
    assert held is not None
    assert held.total_seconds() == 24 * 3600
