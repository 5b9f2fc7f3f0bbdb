"""The SARIF format: valid against the official SARIF 2.1.0 schema, inside the subset GitHub
code scanning documents (ruleId, level, message, one physical location per result), with
fingerprints that survive line moves.

The schema is committed at tests/data/sarif-schema-2.1.0.json; where it came from is in
tests/data/sarif-schema-2.1.0.SOURCE.md (npm `@microsoft/jest-sarif`, SchemaStore's
sarif-2.1.0-rtm.5). No network is needed.

Golden file: tests/golden/plan.sarif (regenerate with UPDATE_GOLDEN=1, see test_render_plans).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from test_render_plans import FRAUD, LINKS, assert_golden, change_result, finding, sample_plan

from modelops_gitops.plan.result import Change, PlanResult
from modelops_gitops.render import sarif

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text("utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _log(plan: PlanResult | None = None) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(sarif.render(plan or sample_plan(), links=LINKS))
    return log


def test_sarif_matches_the_golden_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif, "__version__", "0.0.0+golden")
    assert_golden("plan.sarif", sarif.render(sample_plan(), links=LINKS))


def test_sarif_validates_against_the_official_schema(
    validator: jsonschema.protocols.Validator,
) -> None:
    validator.validate(_log())


def test_one_rule_per_policy_rule_and_results_only_for_what_matters() -> None:
    (run,) = _log()["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "modelops-gitops"
    ids = [rule["id"] for rule in driver["rules"]]
    assert ids == sorted(set(ids))
    assert "production/champion" in ids
    assert all(rule["shortDescription"]["text"] for rule in driver["rules"])
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {
        "builtin/policies-with-promotions": "error",
        "production/champion": "error",
        "production/artifact": "warning",
        "production/approvals": "note",
        "governance/policy-owners": "note",
    }
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]


def test_results_point_at_the_yaml_field() -> None:
    (run,) = _log()["runs"]
    champion = next(r for r in run["results"] if r["ruleId"] == "production/champion")
    (location,) = champion["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": FRAUD},
        "region": {"startLine": 52, "startColumn": 17},
    }


def test_findings_without_a_line_point_at_line_one(
    validator: jsonschema.protocols.Validator,
) -> None:
    item = change_result(
        Change(kind="model.created", model="m", file="models/m/model.yaml"),
        finding(
            "p", "no-line", "require", "fail", "somewhere in the file", file="models/m/model.yaml"
        ),
        finding("p", "no-file", "require", "warn", "about the change"),
    )
    plan = PlanResult(
        result="fail",
        base="a",
        head="b",
        changes=(item,),
        findings=(finding("builtin", "pr", "builtin", "pending", "nowhere"),),
    )
    log = _log(plan)
    validator.validate(log)
    where = {r["ruleId"]: r["locations"][0]["physicalLocation"] for r in log["runs"][0]["results"]}
    assert where["p/no-line"] == {
        "artifactLocation": {"uri": "models/m/model.yaml"},
        "region": {"startLine": 1},
    }
    assert where["p/no-file"]["artifactLocation"]["uri"] == "models/m/model.yaml"
    assert where["builtin/pr"] == {
        "artifactLocation": {"uri": "modelops.yaml"},
        "region": {"startLine": 1},
    }


def test_fingerprints_are_stable_across_line_moves_and_unique_per_change() -> None:
    before = {r["ruleId"]: r["partialFingerprints"] for r in _log()["runs"][0]["results"]}
    moved_plan = sample_plan()
    moved = moved_plan.model_copy(
        update={
            "changes": tuple(
                c.model_copy(
                    update={
                        "findings": tuple(
                            f.model_copy(update={"line": f.line + 5}) for f in c.findings
                        )
                    }
                )
                for c in moved_plan.changes
            )
        }
    )
    after = {r["ruleId"]: r["partialFingerprints"] for r in _log(moved)["runs"][0]["results"]}
    assert before == after
    fingerprints = [fp[sarif.FINGERPRINT] for fp in before.values()]
    assert len(set(fingerprints)) == len(fingerprints)


def test_two_policy_changes_do_not_share_fingerprints() -> None:
    items = tuple(
        change_result(
            Change(kind="policy.changed", file=f"policies/{name}.yaml", line=1),
            finding(
                "governance",
                "owners",
                "approvals",
                "pending",
                "needs governance",
                file=f"policies/{name}.yaml",
            ),
        )
        for name in ("a", "b")
    )
    log = _log(PlanResult(result="pending", base="a", head="b", changes=items))
    prints = {r["partialFingerprints"][sarif.FINGERPRINT] for r in log["runs"][0]["results"]}
    assert len(prints) == 2


def test_the_schema_does_reject_what_github_would(
    validator: jsonschema.protocols.Validator,
) -> None:
    log = _log()
    log["runs"][0]["results"][0]["level"] = "fail"  # not a SARIF level
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(log)
    log = _log()
    del log["runs"][0]["tool"]["driver"]["name"]
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(log)
