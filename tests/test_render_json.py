"""The JSON format: the documented shape (docs/plan-json.md), valid against
docs/plan-output.schema.json, deterministic, without plots.

Golden file: tests/golden/plan.json (regenerate with UPDATE_GOLDEN=1, see test_render_plans).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from test_render_plans import (
    LINKS,
    assert_golden,
    champion_gate,
    change_result,
    finding,
    sample_plan,
)

from modelops_gitops.gates.result import Check
from modelops_gitops.kinds.policy import CHANGE_KINDS
from modelops_gitops.plan.result import PLAN_SCHEMA_VERSION, Change, PlanResult
from modelops_gitops.render import plan_json

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DOCS / "plan-output.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(loaded)
    return loaded


def test_json_matches_the_golden_file() -> None:
    assert_golden("plan.json", plan_json.render(sample_plan(), links=LINKS))


def test_json_validates_against_the_published_schema(schema: dict[str, Any]) -> None:
    document = json.loads(plan_json.render(sample_plan(), links=LINKS))
    jsonschema.Draft202012Validator(schema).validate(document)


def test_the_shape_is_the_documented_one() -> None:
    document = json.loads(plan_json.render(sample_plan(), links=LINKS))
    assert list(document) == [
        "schema_version", "result", "base", "head", "base_sha", "head_sha",
        "policy_set_sha256", "findings", "changes",
    ]  # fmt: skip
    assert document["schema_version"] == PLAN_SCHEMA_VERSION
    change = document["changes"][0]
    assert list(change) == [
        "kind", "model", "version", "stage", "from", "to", "file", "line", "result", "findings",
    ]  # fmt: skip
    assert list(change["findings"][0]) == [
        "policy", "rule", "rule_type", "result", "message", "file", "line", "column",
        "waiver", "override", "approvals", "gate",
    ]  # fmt: skip


def test_gates_are_carried_without_plots() -> None:
    text = plan_json.render(sample_plan(), links=LINKS)
    assert "<svg" not in text
    assert '"plots"' not in text
    document = json.loads(text)
    gates = [f["gate"] for c in document["changes"] for f in c["findings"] if f["gate"]]
    assert {g["gate"] for g in gates} == {"test", "champion"}
    champion = next(g for g in gates if g["gate"] == "champion")
    assert champion["tables"]["bootstrap"][0]["ci_low"] == -0.004


def test_non_finite_numbers_become_null(schema: dict[str, Any]) -> None:
    gate = champion_gate().model_copy(
        update={
            "metrics": {"roc_auc": math.nan, "delta": math.inf},
            "checks": (
                Check(name="roc_auc", value=math.nan, op=">=", threshold=0.8, passed=False),
            ),
            "tables": {"t": [{"x": -math.inf, "y": 1.5}]},
        }
    )
    item = change_result(
        Change(kind="model.created", model="m"), finding("p", "r", "gates", "fail", "m", gate=gate)
    )
    plan = PlanResult(result="fail", base="a", head="b", changes=(item,))
    document = json.loads(plan_json.render(plan, links=LINKS))
    jsonschema.Draft202012Validator(schema).validate(document)
    out = document["changes"][0]["findings"][0]["gate"]
    assert out["metrics"] == {"delta": None, "roc_auc": None}
    assert out["checks"][0]["value"] is None
    assert out["tables"]["t"] == [{"x": None, "y": 1.5}]


def test_the_schema_knows_every_change_kind(schema: dict[str, Any]) -> None:
    assert schema["$defs"]["change"]["properties"]["kind"]["enum"] == list(CHANGE_KINDS)


def test_the_document_names_every_field_of_the_schema(schema: dict[str, Any]) -> None:
    doc = (DOCS / "plan-json.md").read_text("utf-8")
    fields = set(schema["properties"])
    for definition in schema["$defs"].values():
        fields |= set(definition.get("properties", {}))
    missing = sorted(f for f in fields if f"| `{f}` |" not in doc)
    assert not missing, f"docs/plan-json.md does not document {missing}"
