"""`plan` on the example's main change, credit 1.2.0 to production, in a real repository:
a promotion that passes with every gate run, and who counts as an approver (pending when
short, the author, stale approvals, outsiders, one person in two teams)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import Result
from plan_fixtures import (
    AUTHOR,
    CREDIT,
    approvals_file,
    change_of,
    finding,
    kinds,
    line_of,
    parsed,
    plan_args,
    promotion_pr,
    review,
    run_git,
)

Cli = Callable[..., Result]
HIGH_RISK = "production-high-risk"


def _promotion(plan: dict[str, object]) -> dict[str, object]:
    return change_of(plan, "stage.promoted", "credit")  # type: ignore[arg-type]


def test_promotion_with_both_teams_and_every_gate_passes(tmp_path: Path, cli: Cli) -> None:
    repo, head = promotion_pr(tmp_path)
    reviews = [review("priya-validation", head), review("jonas-credit", head)]
    result = cli(*plan_args(repo, "--approvals", str(approvals_file(tmp_path, head, reviews))))
    plan = parsed(result)

    assert result.code == 0, result.output
    assert plan["result"] == "pass"
    assert kinds(plan) == ["stage.promoted"]
    change = _promotion(plan)
    assert (change["from"], change["to"], change["stage"]) == ("1.1.0", "1.2.0", "production")
    line = line_of(repo, CREDIT, "    production: 1.2.0")
    assert (change["file"], change["line"]) == (CREDIT, line)
    approvals = finding(change, HIGH_RISK, "approvals")
    assert approvals["result"] == "pass"
    assert [a["login"] for a in approvals["approvals"]] == ["jonas-credit", "priya-validation"]
    assert (approvals["file"], approvals["line"]) == (CREDIT, line)
    for gate in ("test", "champion", "fairness", "drift"):
        found = finding(change, HIGH_RISK, gate)
        assert found["result"] == "pass", found["message"]
        assert found["gate"]["status"] == "pass"
    assert "1.2.0 beats 1.1.0" in finding(change, HIGH_RISK, "champion")["message"]
    soak = finding(change, HIGH_RISK, "staging-soak")
    assert soak["result"] == "pass"
    assert "has held staging for 14.0d" in soak["message"]
    assert finding(change, "builtin", "lifecycle")["result"] == "pass"
    assert all(f["result"] == "pass" for f in change["findings"])


def test_missing_approvals_are_pending_and_say_who_is_needed(tmp_path: Path, cli: Cli) -> None:
    repo, head = promotion_pr(tmp_path)
    one = approvals_file(tmp_path, head, [review("priya-validation", head)])
    result = cli(*plan_args(repo, "--no-gates", "--approvals", str(one)))
    plan = parsed(result)

    assert result.code == 3, result.output
    assert plan["result"] == "pending"
    change = _promotion(plan)
    approvals = finding(change, HIGH_RISK, "approvals")
    assert approvals["result"] == "pending"
    assert approvals["message"].startswith(
        "needs 2 approval(s) from model-risk, credit-risk; has 1 (priya-validation)"
    )
    assert approvals["line"] == line_of(repo, CREDIT, "    production: 1.2.0")
    # Nothing failed: only the approvals and the gates that were not run are outstanding.
    outstanding = {f["rule"] for f in change["findings"] if f["result"] != "pass"}
    assert outstanding == {"approvals", "test", "champion", "fairness", "drift"}

    text = cli(*plan_args(repo, "--no-gates", "--approvals", str(one), "--format", "text"))
    assert text.code == 3
    assert "needs 2 approval(s) from model-risk, credit-risk; has 1 (priya-validation)" in text.out
    assert f"{CREDIT}:{approvals['line']}" in text.out

    none_read = parsed(cli(*plan_args(repo, "--no-gates")))
    message = finding(_promotion(none_read), HIGH_RISK, "approvals")["message"]
    assert "needs 2 approval(s) from model-risk, credit-risk" in message
    assert "--approvals FILE" in message


def test_the_author_cannot_approve_their_own_promotion(tmp_path: Path, cli: Cli) -> None:
    repo, head = promotion_pr(tmp_path)
    reviews = [review(AUTHOR, head), review("priya-validation", head)]
    path = approvals_file(tmp_path, head, reviews, author=AUTHOR.upper())  # case-insensitive
    result = cli(*plan_args(repo, "--no-gates", "--approvals", str(path)))

    assert result.code == 3, result.output
    approvals = finding(_promotion(parsed(result)), HIGH_RISK, "approvals")
    assert approvals["result"] == "pending"
    assert "has 1 (priya-validation)" in approvals["message"]
    assert f"{AUTHOR} (the author cannot approve their own change)" in approvals["message"]
    assert [a["login"] for a in approvals["approvals"]] == ["priya-validation"]


def test_an_approval_of_an_older_commit_is_stale(tmp_path: Path, cli: Cli) -> None:
    repo, head = promotion_pr(tmp_path)
    older = run_git(repo, "rev-parse", "main")
    reviews = [review("priya-validation", head), review("jonas-credit", older)]
    path = approvals_file(tmp_path, head, reviews)
    result = cli(*plan_args(repo, "--no-gates", "--approvals", str(path)))

    approvals = finding(_promotion(parsed(result)), HIGH_RISK, "approvals")
    assert result.code == 3, result.output
    assert approvals["result"] == "pending"
    assert "has 1 (priya-validation)" in approvals["message"]
    assert f"jonas-credit (stale: approved {older[:7]}, head is {head[:7]})" in approvals["message"]


def test_approvals_are_judged_against_the_planned_head(tmp_path: Path, cli: Cli) -> None:
    """An approvals file written for an earlier push (its head_sha is the old head) must not
    make approvals of that old commit count for the commit being planned."""
    repo, first = promotion_pr(tmp_path)
    reviews = [review("priya-validation", first), review("jonas-credit", first)]
    path = approvals_file(tmp_path, first, reviews)
    head = run_git(repo, "commit", "--quiet", "--allow-empty", "-m", "another push")
    head = run_git(repo, "rev-parse", "HEAD")
    result = cli(*plan_args(repo, "--no-gates", "--approvals", str(path)))

    approvals = finding(_promotion(parsed(result)), HIGH_RISK, "approvals")
    assert approvals["result"] == "pending"
    assert "has 0 (none)" in approvals["message"]
    assert (
        f"priya-validation (stale: approved {first[:7]}, head is {head[:7]})"
        in approvals["message"]
    )


def test_an_approver_outside_the_required_teams_does_not_count(tmp_path: Path, cli: Cli) -> None:
    repo, head = promotion_pr(tmp_path)
    reviews = [review("priya-validation", head), review("mara-platform", head)]
    path = approvals_file(tmp_path, head, reviews)
    result = cli(*plan_args(repo, "--no-gates", "--approvals", str(path)))

    approvals = finding(_promotion(parsed(result)), HIGH_RISK, "approvals")
    assert result.code == 3, result.output
    assert approvals["result"] == "pending"
    assert "has 1 (priya-validation)" in approvals["message"]
    assert "mara-platform (not in model-risk, credit-risk)" in approvals["message"]


EACH_TEAM_POLICY = """\
apiVersion: modelops-gitops/v1
kind: Policy
metadata:
  name: two-lines-of-defence
spec:
  selector:
    stages: [production]
    risk_tiers: [high]
    change_kinds: [stage.promoted]
  rules:
    - id: each-team
      type: approvals
      min: 1
      teams: [model-risk, governance]
      each_team: true
"""


def test_a_person_in_two_teams_counts_once(tmp_path: Path, cli: Cli) -> None:
    """henrik-mrm is in model-risk AND governance: alone he fills one team's slot, not both;
    approving twice, or under another capitalisation, changes nothing."""
    repo, head = promotion_pr(tmp_path, {"policies/each-team.yaml": EACH_TEAM_POLICY})
    henrik = [
        review("henrik-mrm", head, at="2024-07-09T10:00:00Z"),
        review("Henrik-MRM", head, at="2024-07-09T11:00:00Z"),
    ]
    result = cli(
        *plan_args(repo, "--no-gates", "--approvals", str(approvals_file(tmp_path, head, henrik)))
    )
    change = _promotion(parsed(result))
    each = finding(change, "two-lines-of-defence", "each-team")
    assert each["result"] == "pending"
    assert "needs 1 approval(s) from EACH of model-risk, governance" in each["message"]
    assert len(each["approvals"]) == 1
    high = finding(change, HIGH_RISK, "approvals")
    assert high["result"] == "pending"
    assert "has 1 (Henrik-MRM)" in high["message"]

    both = [*henrik, review("claudia-gov", head)]
    result = cli(
        *plan_args(repo, "--no-gates", "--approvals", str(approvals_file(tmp_path, head, both)))
    )
    each = finding(_promotion(parsed(result)), "two-lines-of-defence", "each-team")
    assert each["result"] == "pass", each["message"]
    assert sorted((a["login"].lower(), a["teams"]) for a in each["approvals"]) == [
        ("claudia-gov", ["governance"]),
        ("henrik-mrm", ["model-risk", "governance"]),
    ]
