"""`plan` in real repositories: the base's policies judge the PR — a PR that weakens a policy
while promoting, freeze windows and their break-glass override, soak time, waivers (valid
and expired), warn-only rules and rollbacks under the lighter rollback policy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import Result
from plan_fixtures import (
    BREAST_CANCER,
    CREDIT,
    NOW,
    approvals_file,
    change_of,
    commit,
    finding,
    governed_repo,
    kinds,
    line_of,
    open_pr,
    parsed,
    plan_args,
    promotion_pr,
    replace,
    review,
    run_git,
    set_stage,
)

Cli = Callable[..., Result]
HIGH_RISK = "production-high-risk"
HIGH_RISK_FILE = "policies/production-high-risk.yaml"
FREEZE_NOW = "2026-12-28T12:00:00+01:00"  # inside the example's 2026/27 year-end freeze


def _plan(cli: Cli, repo: Path, *extra: str, now: str = NOW) -> tuple[int, dict[str, Any]]:
    result = cli(*plan_args(repo, "--no-gates", *extra, now=now))
    return result.code, parsed(result)


WEAKER = replace(
    "      min: 2\n      teams: [model-risk, credit-risk]",
    "      min: 1\n      teams: [model-risk, credit-risk]",
)
APPROVALS_RULE = """\
    - id: approvals
      type: approvals
      description: Two approvals from validation or the owning business team (author excluded).
      min: 2
      teams: [model-risk, credit-risk]
"""


def test_weakening_the_policy_while_promoting_is_blocked_and_judged_by_the_old_policy(
    tmp_path: Path, cli: Cli
) -> None:
    repo = governed_repo(tmp_path)
    head = open_pr(repo, {HIGH_RISK_FILE: WEAKER, CREDIT: set_stage("production", "1.2.0")})
    path = approvals_file(tmp_path, head, [review("priya-validation", head)])
    code, plan = _plan(cli, repo, "--approvals", str(path))

    assert code == 1
    assert plan["result"] == "fail"
    assert sorted(kinds(plan)) == ["policy.changed", "stage.promoted"]
    [whole] = plan["findings"]
    assert (whole["policy"], whole["rule"], whole["result"]) == (
        "builtin",
        "policy-and-stage-changes",
        "fail",
    )
    assert (whole["file"], whole["line"]) == (HIGH_RISK_FILE, 1)
    assert HIGH_RISK_FILE in whole["message"]
    assert "credit production -> 1.2.0" in whole["message"]
    # The promotion is judged by the policy as it stands on main: still two approvals.
    approvals = finding(change_of(plan, "stage.promoted", "credit"), HIGH_RISK, "approvals")
    assert approvals["result"] == "pending"
    assert approvals["message"].startswith(
        "needs 2 approval(s) from model-risk, credit-risk; has 1"
    )
    # The policy edit itself needs the policy owners.
    edit = change_of(plan, "policy.changed")
    assert edit["file"] == HIGH_RISK_FILE
    owners = finding(edit, "governance", "approvals")
    assert owners["result"] == "pending"
    assert "needs 2 approval(s) from governance; has 0" in owners["message"]


def test_removing_the_approvals_rule_while_promoting_still_needs_two(
    tmp_path: Path, cli: Cli
) -> None:
    repo = governed_repo(tmp_path)
    head = open_pr(
        repo,
        {HIGH_RISK_FILE: replace(APPROVALS_RULE, ""), CREDIT: set_stage("production", "1.2.0")},
    )
    code, plan = _plan(cli, repo, "--approvals", str(approvals_file(tmp_path, head, [])))

    assert code == 1
    assert [f["rule"] for f in plan["findings"]] == ["policy-and-stage-changes"]
    approvals = finding(change_of(plan, "stage.promoted", "credit"), HIGH_RISK, "approvals")
    assert approvals["result"] == "pending"
    assert "needs 2 approval(s)" in approvals["message"]


def test_approvals_min_zero_in_the_head_is_bad_input(tmp_path: Path, cli: Cli) -> None:
    """`min: 0` is not a weaker policy but an invalid one (min >= 1): exit 2 at its line."""
    repo = governed_repo(tmp_path)
    zero = replace(
        "      min: 2\n      teams: [model-risk, credit-risk]",
        "      min: 0\n      teams: [model-risk, credit-risk]",
    )
    open_pr(repo, {HIGH_RISK_FILE: zero, CREDIT: set_stage("production", "1.2.0")})
    result = cli(*plan_args(repo, "--no-gates"))

    assert result.code == 2, result
    assert result.out == ""
    line = (repo / HIGH_RISK_FILE).read_text("utf-8").splitlines().index("      min: 0") + 1
    assert f"{HIGH_RISK_FILE}:{line}:" in result.err
    assert "spec.rules[0].min" in result.err
    assert "Traceback" not in result.err


def test_a_promotion_inside_the_freeze_window_is_blocked(tmp_path: Path, cli: Cli) -> None:
    repo, head = promotion_pr(tmp_path)
    path = approvals_file(tmp_path, head, [review("priya-validation", head)])
    code, plan = _plan(cli, repo, "--approvals", str(path), now=FREEZE_NOW)

    assert code == 1
    change = change_of(plan, "stage.promoted", "credit")
    freeze = finding(change, "year-end-freeze", "freeze")
    assert freeze["result"] == "fail"
    assert (
        "changes are frozen: 2026-12-23 00:00 to 2027-01-03 00:00 Europe/Berlin"
        in freeze["message"]
    )
    assert "(Year-end freeze 2026/2027)" in freeze["message"]
    assert "an approval from sre overrides it" in freeze["message"]
    assert freeze["override"] is None
    assert (freeze["file"], freeze["line"]) == (
        CREDIT,
        line_of(repo, CREDIT, "    production: 1.2.0"),
    )


def test_an_sre_approval_breaks_the_freeze_and_is_named(tmp_path: Path, cli: Cli) -> None:
    repo, head = promotion_pr(tmp_path)
    reviews = [
        review("priya-validation", head),
        review("jonas-credit", head),
        review("kai-oncall", head),
    ]
    path = approvals_file(tmp_path, head, reviews)
    code, plan = _plan(cli, repo, "--approvals", str(path), now=FREEZE_NOW)

    freeze = finding(change_of(plan, "stage.promoted", "credit"), "year-end-freeze", "freeze")
    assert freeze["result"] == "pass"
    assert freeze["override"] == "kai-oncall"
    assert "overridden by kai-oncall (sre)" in freeze["message"]
    assert [a["login"] for a in freeze["approvals"]] == ["kai-oncall"]
    assert code == 3  # nothing fails; only the gates (not run here) are outstanding
    assert plan["result"] == "pending"


def test_a_stale_sre_approval_does_not_break_the_freeze(tmp_path: Path, cli: Cli) -> None:
    repo, head = promotion_pr(tmp_path)
    path = approvals_file(tmp_path, head, [review("kai-oncall", "0" * 40)])
    code, plan = _plan(cli, repo, "--approvals", str(path), now=FREEZE_NOW)

    assert code == 1
    freeze = finding(change_of(plan, "stage.promoted", "credit"), "year-end-freeze", "freeze")
    assert freeze["result"] == "fail"
    assert freeze["override"] is None


def test_unmet_soak_time_blocks_the_promotion(tmp_path: Path, cli: Cli) -> None:
    repo, head = promotion_pr(tmp_path)
    reviews = [review("priya-validation", head), review("jonas-credit", head)]
    path = approvals_file(tmp_path, head, reviews)
    one_hour_later = "2024-07-01T10:00:00+00:00"  # 1.2.0 entered staging at 09:00Z
    code, plan = _plan(cli, repo, "--approvals", str(path), now=one_hour_later)

    assert code == 1
    change = change_of(plan, "stage.promoted", "credit")
    for policy, rule in (("builtin", "lifecycle"), (HIGH_RISK, "staging-soak")):
        soak = finding(change, policy, rule)
        assert soak["result"] == "fail"
        assert soak["message"] == "1.2.0 has held staging for 1.0h; needs 24.0h"
        assert (soak["file"], soak["line"]) == (
            CREDIT,
            line_of(repo, CREDIT, "    production: 1.2.0"),
        )
    assert finding(change, HIGH_RISK, "approvals")["result"] == "pass"


def _breast_cancer_promotion(tmp_path: Path) -> Path:
    repo = governed_repo(tmp_path)
    open_pr(repo, {BREAST_CANCER: set_stage("production", "1.1.0")})
    return repo


def test_a_valid_waiver_turns_the_failure_into_waived(tmp_path: Path, cli: Cli) -> None:
    repo = _breast_cancer_promotion(tmp_path)
    code, plan = _plan(cli, repo, now="2027-03-31T21:30:00+00:00")  # 23:30 in Berlin

    change = change_of(plan, "stage.promoted", "breast-cancer")
    docs = finding(change, "production-standard", "documentation")
    assert docs["result"] == "waived"
    assert docs["waiver"] == "breast-cancer-documentation"
    assert "model card fields are empty: limitations" in docs["message"]
    assert "waived by breast-cancer-documentation until 2027-03-31" in docs["message"]
    assert docs["file"] == BREAST_CANCER
    assert docs["line"] > 0
    assert code == 3  # approvals and gates outstanding; the waived rule blocks nothing


def test_an_expired_waiver_leaves_the_failure_and_is_named(tmp_path: Path, cli: Cli) -> None:
    repo = _breast_cancer_promotion(tmp_path)
    code, plan = _plan(cli, repo, now="2027-03-31T22:30:00+00:00")  # April 1st in Berlin

    assert code == 1
    docs = finding(
        change_of(plan, "stage.promoted", "breast-cancer"), "production-standard", "documentation"
    )
    assert docs["result"] == "fail"
    assert docs["waiver"] is None
    assert "model card fields are empty: limitations" in docs["message"]
    assert "(waiver breast-cancer-documentation expired on 2027-03-31)" in docs["message"]


def _rollback_pr(tmp_path: Path, base_edits: dict[str, Any] | None = None) -> tuple[Path, str]:
    """credit production 1.1.0 -> 1.0.0; 1.0.0 held production before 1.1.0 on main."""
    repo = governed_repo(tmp_path, base_edits)
    return repo, open_pr(repo, {CREDIT: set_stage("production", "1.0.0")})


def test_a_rollback_is_judged_by_the_rollback_policy(tmp_path: Path, cli: Cli) -> None:
    repo, head = _rollback_pr(tmp_path)
    path = approvals_file(tmp_path, head, [review("kai-oncall", head)])
    code, plan = _plan(cli, repo, "--approvals", str(path), now=FREEZE_NOW)

    assert code == 0, plan
    assert kinds(plan) == ["stage.rollback"]
    change = change_of(plan, "stage.rollback", "credit")
    assert (change["from"], change["to"], change["stage"]) == ("1.1.0", "1.0.0", "production")
    assert [(f["policy"], f["rule"], f["result"]) for f in change["findings"]] == [
        ("rollback", "approvals", "pass"),
        ("year-end-freeze", "freeze", "pass"),  # the freeze exempts rollbacks, explicitly
    ]
    assert "rollbacks are exempt" in change["findings"][1]["message"]
    approvals = change["findings"][0]
    assert approvals["message"].startswith("needs 1 approval(s) from model-risk, sre; has 1")
    assert (approvals["file"], approvals["line"]) == (
        CREDIT,
        line_of(repo, CREDIT, "    production: 1.0.0"),
    )

    pending = approvals_file(tmp_path, head, [])
    code, plan = _plan(cli, repo, "--approvals", str(pending))
    assert code == 3
    assert change_of(plan, "stage.rollback", "credit")["findings"][0]["result"] == "pending"


WARN_POLICY = """\
apiVersion: modelops-gitops/v1
kind: Policy
metadata:
  name: ticket-label
spec:
  selector:
    change_kinds: [stage.rollback]
  rules:
    - id: ticket
      type: require
      enforcement: warn
      message: every rollback names its incident ticket in metadata.labels.incident
      schema:
        type: object
        required: [metadata]
        properties:
          metadata:
            type: object
            required: [labels]
            properties:
              labels:
                type: object
                required: [incident]
"""


def test_a_warn_only_rule_warns_without_changing_the_exit_code(tmp_path: Path, cli: Cli) -> None:
    repo, head = _rollback_pr(tmp_path, {"policies/ticket-label.yaml": WARN_POLICY})
    path = approvals_file(tmp_path, head, [review("kai-oncall", head)])
    code, plan = _plan(cli, repo, "--approvals", str(path))

    assert code == 0
    assert plan["result"] == "pass"
    change = change_of(plan, "stage.rollback", "credit")
    assert change["result"] == "pass"
    ticket = finding(change, "ticket-label", "ticket")
    assert ticket["result"] == "warn"
    assert ticket["message"].startswith("every rollback names its incident ticket")
    assert ticket["file"] == CREDIT
    assert ticket["line"] == line_of(repo, CREDIT, "  labels:")


def test_lowering_the_risk_tier_while_promoting_escapes_nothing(tmp_path: Path, cli: Cli) -> None:
    repo = governed_repo(tmp_path)
    head = open_pr(
        repo,
        {
            CREDIT: lambda t: set_stage("production", "1.2.0")(
                t.replace("risk_tier: high", "risk_tier: low")
            )
        },
    )
    path = approvals_file(tmp_path, head, [review("mara-platform", head)])
    code, plan = _plan(cli, repo, "--approvals", str(path))

    assert sorted(kinds(plan)) == ["metadata.changed", "stage.promoted"]
    promotion = change_of(plan, "stage.promoted", "credit")
    standard = finding(promotion, "production-standard", "approvals")
    assert standard["result"] == "pass"
    high = finding(promotion, HIGH_RISK, "approvals")  # the tier at base still selects it
    assert high["result"] == "pending"
    assert "needs 2 approval(s) from model-risk, credit-risk; has 0" in high["message"]
    assert code == 3


def test_a_waiver_written_by_the_pr_does_not_apply(tmp_path: Path, cli: Cli) -> None:
    """The PR adds a waiver for the failing rule next to the promotion: blocked for mixing
    policies and promotions, and the rule still fails (waivers come from the base)."""
    repo = governed_repo(tmp_path)
    waiver = (repo / "policies/waiver-breast-cancer-documentation.yaml").read_text("utf-8")
    own = waiver.replace("name: breast-cancer-documentation", "name: self-serve").replace(
        "expires: 2027-03-31", "expires: 2099-12-31"
    )
    open_pr(
        repo,
        {"policies/self-serve.yaml": own, BREAST_CANCER: set_stage("production", "1.1.0")},
    )
    code, plan = _plan(cli, repo, now="2027-06-01T12:00:00+00:00")

    assert code == 1
    assert [f["rule"] for f in plan["findings"]] == ["policy-and-stage-changes"]
    docs = finding(
        change_of(plan, "stage.promoted", "breast-cancer"), "production-standard", "documentation"
    )
    assert docs["result"] == "fail"
    assert "self-serve" not in docs["message"]
    assert "(waiver breast-cancer-documentation expired on 2027-03-31)" in docs["message"]


def test_deleting_the_governance_policy_still_needs_the_policy_owners(
    tmp_path: Path, cli: Cli
) -> None:
    repo = governed_repo(tmp_path)
    head = open_pr(repo, {"policies/governance.yaml": None})
    path = approvals_file(tmp_path, head, [review("claudia-gov", head)])
    code, plan = _plan(cli, repo, "--approvals", str(path))

    assert code == 3
    assert kinds(plan) == ["policy.changed"]
    change = change_of(plan, "policy.changed")
    assert change["file"] == "policies/governance.yaml"
    owners = finding(change, "governance", "approvals")
    assert owners["result"] == "pending"
    assert owners["message"].startswith("needs 2 approval(s) from governance; has 1 (claudia-gov)")

    both = [review("claudia-gov", head), review("omar-compliance", head)]
    code, plan = _plan(cli, repo, "--approvals", str(approvals_file(tmp_path, head, both)))
    assert code == 0
    assert finding(change_of(plan, "policy.changed"), "governance", "approvals")["result"] == "pass"


def _register_1_3_0(text: str) -> str:
    """A copy of credit 1.2.0's entry as 1.3.0 (the gates are not run: same artifact)."""
    start = text.index("    - version: 1.2.0\n")
    end = text.index("  # Desired stages.")
    return text[:end] + text[start:end].replace("version: 1.2.0", "version: 1.3.0") + text[end:]


def test_staging_and_production_in_one_pr_fails_the_soak(tmp_path: Path, cli: Cli) -> None:
    repo = governed_repo(tmp_path)
    both = set_stage("production", "1.3.0"), set_stage("staging", "1.3.0")
    open_pr(repo, {CREDIT: lambda t: both[0](both[1](_register_1_3_0(t)))})
    code, plan = _plan(cli, repo)

    assert code == 1
    assert sorted(kinds(plan)) == ["stage.promoted", "stage.promoted", "version.registered"]
    promotion = next(c for c in plan["changes"] if c["stage"] == "production")
    for policy, rule in (("builtin", "lifecycle"), (HIGH_RISK, "staging-soak")):
        soak = finding(promotion, policy, rule)
        assert soak["result"] == "fail"
        assert soak["message"] == "1.3.0 has never been applied in staging"


def test_soak_counts_from_the_merge_not_from_the_branch_commit(tmp_path: Path, cli: Cli) -> None:
    """1.3.0 went to staging in a branch commit dated a week back, merged to main an hour
    before now: it has held staging on main for one hour."""
    repo = governed_repo(tmp_path)
    run_git(repo, "checkout", "--quiet", "-b", "staging-1.3.0")
    edit = {CREDIT: lambda t: set_stage("staging", "1.3.0")(_register_1_3_0(t))}
    commit(repo, edit, "1.3.0 to staging", when="2024-07-02T09:00:00+00:00")
    run_git(repo, "checkout", "--quiet", "main")
    merged = "2024-07-10T09:00:00+00:00"
    run_git(
        repo,
        "merge",
        "--quiet",
        "--no-ff",
        "-m",
        "merge staging-1.3.0",
        "staging-1.3.0",
        when=merged,
    )
    open_pr(repo, {CREDIT: set_stage("production", "1.3.0")}, when=merged)
    code, plan = _plan(cli, repo, now="2024-07-10T10:00:00+00:00")

    assert code == 1
    soak = finding(change_of(plan, "stage.promoted", "credit"), "builtin", "lifecycle")
    assert soak["result"] == "fail"
    assert soak["message"] == "1.3.0 has held staging for 1.0h; needs 24.0h"


def test_a_pr_behind_main_is_judged_on_its_own_changes(tmp_path: Path, cli: Cli) -> None:
    """main moved on after the PR branched (a policy edit, another promotion): those are not
    the PR's changes, so they are neither reported as reverted by it nor block it."""
    repo, head = promotion_pr(tmp_path)
    run_git(repo, "checkout", "--quiet", "main")
    later = {
        BREAST_CANCER: set_stage("production", "1.1.0"),
        "policies/rollback.yaml": replace("no freeze.", "no freeze (reviewed)."),
    }
    commit(repo, later, "meanwhile on main", when="2024-07-09T09:00:00+00:00")
    path = approvals_file(
        tmp_path, head, [review("priya-validation", head), review("jonas-credit", head)]
    )
    code, plan = _plan(cli, repo, "--approvals", str(path))

    assert kinds(plan) == ["stage.promoted"]
    assert change_of(plan, "stage.promoted", "credit")["to"] == "1.2.0"
    assert plan["findings"] == []
    assert code == 3  # only the gates (not run) are outstanding


def test_hand_edits_under_audit_are_blocked(tmp_path: Path, cli: Cli) -> None:
    repo = governed_repo(tmp_path)
    open_pr(repo, {"audit/ledger.jsonl": '{"forged": true}\n'})
    code, plan = _plan(cli, repo)

    assert code == 1
    assert plan["changes"] == []
    [owned] = plan["findings"]
    assert (owned["policy"], owned["rule"], owned["result"], owned["file"]) == (
        "builtin",
        "apply-owned-paths",
        "fail",
        "audit/ledger.jsonl",
    )
