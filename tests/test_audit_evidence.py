"""A ledger entry's evidence drawn from a real plan: the example's credit 1.2.0 promotion to
production, planned with every gate on a real repository, approved, merged with a merge
commit, and found by provenance -- then the approvals, rules and gates the entry records.

`merged_promotion` is shared with test_audit_reports (one real plan per test module).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from conftest import isolation_env
from plan_fixtures import AUTHOR, NOW, approvals_file, promotion_pr, review, run_git

from modelops_gitops import git
from modelops_gitops.apply.evidence import approvals, draft_entry
from modelops_gitops.audit.ledger import (
    GateSummary,
    LedgerApproval,
    LedgerChange,
    LedgerEntry,
    PullRequestRef,
    RuleOutcome,
    canonical,
    chain,
    parse_ledger,
    serialize,
)
from modelops_gitops.audit.provenance import Introduction, introduced_by
from modelops_gitops.plan.approvals import read_approvals
from modelops_gitops.plan.gates import gate_runner
from modelops_gitops.plan.planner import PlanRequest, run_plan
from modelops_gitops.plan.result import Approval, ChangeResult, Finding

MERGED_AT = "2024-07-10T08:30:00Z"
PR_TITLE = "Promote credit 1.2.0 to production"
HIGH_RISK = "production-high-risk"


@dataclass(frozen=True)
class Merged:
    """A promotion planned with gates and approvals, then merged: what apply would hold."""

    repo: Path
    head: str
    result: ChangeResult
    policy_set_sha256: str
    intro: Introduction
    change: LedgerChange
    pr: PullRequestRef


def merged_promotion(tmp_path: Path) -> Merged:
    """credit 1.2.0 -> production: planned (gates run, two approvals), merged `--no-ff`."""
    repo, head = promotion_pr(tmp_path)
    reviews = [
        review("priya-validation", head),
        review("jonas-credit", head, at="2024-07-09T11:00:00Z"),
    ]
    request = PlanRequest(
        root=repo,
        base="main",
        head="pr",
        approvals=read_approvals(approvals_file(tmp_path, head, reviews)),
        gates=gate_runner(repo),
    )
    plan = run_plan(request, datetime.fromisoformat(NOW))
    assert plan.result == "pass", plan
    [result] = plan.changes
    run_git(repo, "checkout", "--quiet", "main")
    run_git(
        repo, "merge", "--no-ff", "--quiet", "-m", f"Merge PR 12: {PR_TITLE}", "pr", when=MERGED_AT
    )
    intro = introduced_by(git.LocalHistory(repo), "HEAD", "credit", "production", "1.2.0")
    assert intro is not None
    change = LedgerChange.model_validate(
        {
            "kind": "stage.promoted",
            "model": "credit",
            "stage": "production",
            "version": "1.2.0",
            "from": "1.1.0",
            "to": "1.2.0",
        }
    )
    pr = PullRequestRef(number=12, title=PR_TITLE, author=AUTHOR, head_sha=head)
    return Merged(repo, head, result, plan.policy_set_sha256, intro, change, pr)


@contextmanager
def isolated_git(home: Path) -> Iterator[None]:
    """The git isolation of conftest's `isolate`, for module-scoped fixtures (which a
    function-scoped fixture cannot serve)."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in isolation_env(home).items():
            env.setenv(name, value)
        yield


@pytest.fixture(scope="module")
def merged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Merged]:
    """One real plan for the module."""
    with isolated_git(tmp_path_factory.mktemp("home")):
        yield merged_promotion(tmp_path_factory.mktemp("evidence"))


def entry_of(merged: Merged) -> LedgerEntry:
    return draft_entry(
        merged.change, merged.intro, merged.pr, merged.result, merged.policy_set_sha256
    )


def test_the_draft_records_the_merge_the_pr_and_the_policy_set(merged: Merged) -> None:
    entry = entry_of(merged)

    assert (entry.seq, entry.prev_hash, entry.hash, entry.reports) == (1, "", "", ())
    assert entry.change == merged.change
    assert entry.merge_commit == merged.intro.commit == run_git(merged.repo, "rev-parse", "main")
    assert merged.intro.is_merge
    assert entry.time == MERGED_AT  # the merge commit's time, not the clock
    assert entry.pr == merged.pr
    assert len(entry.policy_set_sha256) == 64
    assert entry.policy_set_sha256 == merged.policy_set_sha256


def test_the_approvals_are_who_counted_with_team_commit_and_time(merged: Merged) -> None:
    entry = entry_of(merged)

    assert entry.approvals == (
        LedgerApproval(
            login="jonas-credit",
            teams=("credit-risk",),
            commit=merged.head,
            submitted_at="2024-07-09T11:00:00Z",
        ),
        LedgerApproval(
            login="priya-validation",
            teams=("model-risk",),
            commit=merged.head,
            submitted_at="2024-07-09T10:00:00Z",
        ),
    )


def test_every_finding_becomes_a_rule_outcome_in_the_plan_order(merged: Merged) -> None:
    entry = entry_of(merged)
    findings = merged.result.findings

    assert [(r.policy, r.rule, r.type, r.result) for r in entry.rules] == [
        (f.policy, f.rule, f.rule_type, f.result) for f in findings
    ]
    rules = {(r.policy, r.rule) for r in entry.rules}
    for rule in ("approvals", "staging-soak", "model-card", "safe-artifact"):
        assert (HIGH_RISK, rule) in rules
    assert ("builtin", "lifecycle") in rules
    assert all(r.result == "pass" for r in entry.rules)


def test_every_gate_is_summarised_without_its_metrics(merged: Merged) -> None:
    entry = entry_of(merged)

    assert [(g.gate, g.rule, g.status) for g in entry.gates] == [
        ("test", "test", "pass"),
        ("champion", "champion", "pass"),
        ("fairness", "fairness", "pass"),
        ("drift", "drift", "pass"),
    ]
    champion = next(f.gate for f in merged.result.findings if f.rule == "champion")
    assert champion is not None
    assert champion.metrics  # the real gate measured floats ...
    assert entry.gates[1].summary == champion.summary
    # ... which the entry does not carry: it is canonical JSON, floats refused.
    data = entry.content()
    canonical(data)
    assert "metrics" not in json.dumps(data)


def test_the_draft_chains_seals_and_round_trips(merged: Merged) -> None:
    first = entry_of(merged)
    [sealed] = chain([], [first])

    assert sealed.seq == 1
    assert sealed.hash == sealed.computed_hash()
    assert parse_ledger(serialize([sealed])) == [sealed]
    assert entry_of(merged) == first  # a function of its inputs


# --- the rules of the mapping, on constructed findings ---------------------------------------


def approval(login: str, teams: tuple[str, ...], at: str, commit: str = "c" * 40) -> Approval:
    return Approval(login=login, teams=teams, commit_id=commit, submitted_at=at)


def finding(rule_type: str, *approved: Approval, **extra: object) -> Finding:
    return Finding.model_validate(
        {
            "policy": "p",
            "rule": rule_type,
            "rule_type": rule_type,
            "result": "pass",
            "message": "m",
            "approvals": approved,
        }
        | extra
    )


def test_a_person_counted_by_two_rules_is_listed_once_with_both_teams() -> None:
    found = approvals(
        [
            finding("approvals", approval("Priya", ("model-risk",), "2024-01-01T00:00:00Z")),
            finding(
                "approvals", approval("priya", ("governance",), "2024-01-02T00:00:00Z", "d" * 40)
            ),
            finding("approvals", approval("anna", (), "2024-01-01T00:00:00Z")),
        ]
    )

    assert found == (
        LedgerApproval(
            login="anna", teams=(), commit="c" * 40, submitted_at="2024-01-01T00:00:00Z"
        ),
        LedgerApproval(
            login="priya",
            teams=("governance", "model-risk"),
            commit="d" * 40,
            submitted_at="2024-01-02T00:00:00Z",
        ),
    )


def test_only_approvals_rules_contribute_approvers() -> None:
    other = finding("freeze", approval("kai-oncall", ("sre",), "2024-01-01T00:00:00Z"))
    assert approvals([other]) == ()
    assert approvals([]) == ()


def test_waivers_overrides_and_failures_are_recorded_as_they_were() -> None:
    result = ChangeResult.model_validate(
        {
            "change": {"kind": "stage.promoted", "model": "credit", "stage": "production"},
            "result": "pass",
            "findings": [
                finding("documentation", result="waived", waiver="credit-card-waiver"),
                finding("freeze", result="pass", override="kai-oncall (sre)"),
                finding("artifact", result="warn"),
            ],
        }
    )
    intro = Introduction(commit="a" * 40, parents=("b" * 40,), time="2026-01-01T00:00:00Z")
    change = LedgerChange(
        kind="stage.promoted", model="credit", stage="production", version="1.2.0", to="1.2.0"
    )
    entry = draft_entry(change, intro, PullRequestRef(), result, "e" * 64)

    assert entry.rules == (
        RuleOutcome(
            policy="p",
            rule="documentation",
            type="documentation",
            result="waived",
            waiver="credit-card-waiver",
        ),
        RuleOutcome(
            policy="p", rule="freeze", type="freeze", result="pass", override="kai-oncall (sre)"
        ),
        RuleOutcome(policy="p", rule="artifact", type="artifact", result="warn"),
    )
    assert entry.gates == ()
    assert entry.approvals == ()
    assert entry.merge_commit == "a" * 40  # a single-parent commit is recorded as it is


def test_a_gate_that_errored_is_summarised_with_its_status() -> None:
    gate = {
        "gate": "test",
        "status": "error",
        "summary": "artifact sha256 mismatch",
        "metrics": {"auc": 0.5},
    }
    result = ChangeResult.model_validate(
        {
            "change": {"kind": "stage.promoted", "model": "m"},
            "result": "fail",
            "findings": [finding("test", result="fail", gate=gate)],
        }
    )
    intro = Introduction(commit="a" * 40, parents=(), time="2026-01-01T00:00:00Z")
    change = LedgerChange(kind="stage.promoted", model="m", stage="s", version="1.0.0", to="1.0.0")
    entry = draft_entry(change, intro, PullRequestRef(), result, "e" * 64)

    assert entry.gates == (
        GateSummary(gate="test", rule="test", status="error", summary="artifact sha256 mismatch"),
    )
    canonical(entry.content())  # no float from the gate's metrics leaks in
