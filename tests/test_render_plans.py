"""Plans built by hand for the renderer tests, the golden-file helper, and checks that the
hand-built plans are themselves consistent (a change's result follows from its findings).

The sample plan has one of everything a renderer must show: a passing promotion with a
passing test gate; a promotion pending approvals (one approval so far); a failing promotion
whose champion gate carries checks, metrics, tables and plots, with a waived documentation
rule and an artifact rule that only warns; a policy change pending the policy owners; and
the plan-level finding "policies changed together with a promotion".

Golden files live in tests/golden/. When an output changes on purpose, regenerate them with

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_render_*.py

and review the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

from modelops_gitops.gates.result import Check, GateResult
from modelops_gitops.plan.result import (
    BUILTIN_POLICY,
    Approval,
    Change,
    ChangeResult,
    Finding,
    PlanResult,
    combine,
)
from modelops_gitops.render import Links

GOLDEN = Path(__file__).parent / "golden"
BASE_SHA = "1" * 40
HEAD_SHA = "2" * 40
POLICY_SHA = "3" * 64
LINKS = Links.github("acme", "models", HEAD_SHA)
CREDIT = "models/credit/model.yaml"
FRAUD = "models/fraud/model.yaml"
POLICIES = "policies/production.yaml"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'


def assert_golden(name: str, text: str) -> None:
    """`text` equals tests/golden/`name`; UPDATE_GOLDEN=1 rewrites the file instead."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from its golden file (UPDATE_GOLDEN=1 to update)"


def alice(commit: str = HEAD_SHA) -> Approval:
    return Approval(
        login="alice", teams=("ml-platform",), commit_id=commit, submitted_at="2024-05-02T10:00:00Z"
    )


def finding(
    policy: str, rule: str, rule_type: str, result: str, message: str, **kw: object
) -> Finding:
    return Finding.model_validate(
        {
            "policy": policy,
            "rule": rule,
            "rule_type": rule_type,
            "result": result,
            "message": message,
        }
        | kw
    )


def make_change(**fields: object) -> Change:
    """A Change; `from_` too (the constructor only knows its alias `from`, a Python keyword)."""
    return Change.model_validate(fields)


def change_result(change: Change, *findings: Finding) -> ChangeResult:
    return ChangeResult(
        change=change, result=combine([f.result for f in findings]), findings=findings
    )


def passing_test_gate() -> GateResult:
    return GateResult(
        gate="test",
        status="pass",
        summary="2 of 2 checks hold on data/credit/eval.parquet",
        checks=(
            Check(name="roc_auc", value=0.913, op=">=", threshold=0.85, passed=True),
            Check(
                name="roc_auc claimed",
                value=0.913,
                op="within",
                threshold=0.01,
                passed=True,
                message="claimed 0.91",
            ),
        ),
        metrics={"roc_auc": 0.913, "accuracy": 0.874},
        inputs={"data/credit/eval.parquet": "c" * 64},
    )


def champion_gate() -> GateResult:
    return GateResult(
        gate="champion",
        status="fail",
        summary="roc_auc improves by 0.002, less than min_delta 0.01",
        checks=(
            Check(
                name="roc_auc delta",
                value=0.002,
                op=">=",
                threshold=0.01,
                passed=False,
                message="candidate 0.842 vs champion 0.840",
            ),
        ),
        metrics={"candidate_roc_auc": 0.842, "champion_roc_auc": 0.84, "delta": 0.002},
        tables={
            "bootstrap": [
                {"statistic": "delta", "estimate": 0.002, "ci_low": -0.004, "ci_high": 0.008},
                {"statistic": "resamples", "estimate": 1000, "ci_low": None, "ci_high": None},
            ],
            "segments": [{"segment": "new customers", "improved": False}],
        },
        plots={"roc": SVG, "bootstrap": SVG},
        inputs={"data/fraud/eval.parquet": "d" * 64},
    )


def sample_plan() -> PlanResult:
    passing = change_result(
        make_change(
            kind="stage.promoted",
            model="credit",
            stage="staging",
            to="1.2.0",
            from_="1.1.0",
            file=CREDIT,
            line=40,
            column=14,
        ),
        finding(
            "staging",
            "approvals",
            "approvals",
            "pass",
            "1 of 1 approvals",
            file=CREDIT,
            line=40,
            column=14,
            approvals=(alice(),),
        ),
        finding(
            "staging",
            "tests",
            "gates",
            "pass",
            "test gate passed",
            file=CREDIT,
            line=40,
            column=14,
            gate=passing_test_gate(),
        ),
    )
    pending = change_result(
        make_change(
            kind="stage.promoted",
            model="credit",
            stage="production",
            to="1.1.0",
            from_="1.0.0",
            file=CREDIT,
            line=41,
            column=17,
        ),
        finding(
            "production",
            "approvals",
            "approvals",
            "pending",
            "1 of 2 approvals: needs 1 more from ml-platform or risk (not the author)",
            file=CREDIT,
            line=41,
            column=17,
            approvals=(alice(),),
        ),
        finding(
            "production",
            "model-card",
            "documentation",
            "pass",
            "model card complete",
            file=CREDIT,
            line=12,
            column=3,
        ),
    )
    failing = change_result(
        make_change(
            kind="stage.promoted",
            model="fraud",
            stage="production",
            to="2.0.0",
            from_="1.4.0",
            file=FRAUD,
            line=52,
            column=17,
        ),
        finding(
            "production",
            "champion",
            "gates",
            "fail",
            "champion gate failed: roc_auc improves by 0.002 < 0.01",
            file=FRAUD,
            line=52,
            column=17,
            gate=champion_gate(),
        ),
        finding(
            "production",
            "model-card",
            "documentation",
            "waived",
            "card.limitations is empty",
            file=FRAUD,
            line=14,
            column=5,
            waiver="fraud-card-2024",
        ),
        finding(
            "production",
            "artifact",
            "artifact",
            "warn",
            "artifact is 612 MB, over the 500 MB limit",
            file=FRAUD,
            line=30,
            column=9,
        ),
        finding(
            "production",
            "freeze",
            "freeze",
            "pass",
            "no freeze window is active",
            override="carol: incident INC-42",
        ),
    )
    policy = change_result(
        Change(kind="policy.changed", file=POLICIES, line=1, column=1),
        finding(
            "governance",
            "policy-owners",
            "approvals",
            "pending",
            "0 of 1 approvals: needs 1 from governance",
            file=POLICIES,
            line=1,
            column=1,
        ),
    )
    plan_level = finding(
        BUILTIN_POLICY,
        "policies-with-promotions",
        "builtin",
        "fail",
        "policies changed together with a promotion: split this pull request",
        file=POLICIES,
        line=1,
        column=1,
    )
    changes = (failing, policy, pending, passing)  # out of order on purpose
    return PlanResult(
        result=combine([c.result for c in changes] + [plan_level.result]),
        base="main",
        head="promote-credit",
        base_sha=BASE_SHA,
        head_sha=HEAD_SHA,
        policy_set_sha256=POLICY_SHA,
        changes=changes,
        findings=(plan_level,),
    )


def passing_plan() -> PlanResult:
    plan = sample_plan()
    passing = [c for c in plan.changes if c.result == "pass"]
    return plan.model_copy(update={"changes": tuple(passing), "findings": (), "result": "pass"})


def test_sample_plan_is_consistent() -> None:
    plan = sample_plan()
    for item in plan.changes:
        assert item.result == combine([f.result for f in item.findings])
    assert plan.result == "fail"
    assert sorted(c.result for c in plan.changes) == ["fail", "pass", "pending", "pending"]
    results = {f.result for c in plan.changes for f in c.findings}
    assert results == {"pass", "fail", "warn", "pending", "waived"}


def test_passing_plan_passes() -> None:
    assert passing_plan().result == "pass"
    assert passing_plan().exit_code == 0
