"""The plan as JSON: documented in docs/plan-json.md, described by docs/plan-output.schema.json.

Keys come in a fixed order, lists in the one stable order of `common`, indent 2, UTF-8.
`schema_version` (PLAN_SCHEMA_VERSION) changes only when a field is removed, renamed or
changes meaning; new fields may appear within a version, so readers must ignore unknown keys.
Gate plots (inline SVG) are left out; non-finite numbers (NaN, ±inf) become null.
"""

from __future__ import annotations

import json
import math
from typing import Any

from modelops_gitops.gates.result import GateResult, JsonCell
from modelops_gitops.plan.result import ChangeResult, Finding, PlanResult
from modelops_gitops.render import common
from modelops_gitops.render.links import Links

DESCRIPTION = "machine-readable, versioned (docs/plan-json.md)"
SUFFIX = ".json"


def render(result: PlanResult, *, links: Links) -> str:
    """The JSON document; `links` is accepted for uniformity (JSON carries file and line)."""
    del links
    return json.dumps(document(result), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def document(result: PlanResult) -> dict[str, Any]:
    """The JSON document as Python values."""
    return {
        "schema_version": result.schema_version,
        "result": result.result,
        "base": result.base,
        "head": result.head,
        "base_sha": result.base_sha,
        "head_sha": result.head_sha,
        "policy_set_sha256": result.policy_set_sha256,
        "findings": [finding(f) for f in common.findings(result.findings)],
        "changes": [change(item) for item in common.changes(result)],
    }


def change(item: ChangeResult) -> dict[str, Any]:
    c = item.change
    return {
        "kind": c.kind,
        "model": c.model,
        "version": c.version,
        "stage": c.stage,
        "from": c.from_,
        "to": c.to,
        "file": c.file,
        "line": c.line,
        "result": item.result,
        "findings": [finding(f) for f in common.findings(item.findings)],
    }


def finding(f: Finding) -> dict[str, Any]:
    return {
        "policy": f.policy,
        "rule": f.rule,
        "rule_type": f.rule_type,
        "result": f.result,
        "message": f.message,
        "file": f.file,
        "line": f.line,
        "column": f.column,
        "waiver": f.waiver,
        "override": f.override,
        "approvals": [
            {
                "login": a.login,
                "teams": list(a.teams),
                "commit_id": a.commit_id,
                "submitted_at": a.submitted_at,
            }
            for a in f.approvals
        ],
        "gate": None if f.gate is None else gate(f.gate),
    }


def gate(g: GateResult) -> dict[str, Any]:
    return {
        "gate": g.gate,
        "status": g.status,
        "summary": g.summary,
        "checks": [
            {
                "name": c.name,
                "value": _finite(c.value),
                "op": c.op,
                "threshold": _finite(c.threshold),
                "passed": c.passed,
                "message": c.message,
            }
            for c in g.checks
        ],
        "metrics": {name: _finite(value) for name, value in sorted(g.metrics.items())},
        "tables": {
            name: [{k: _cell(v) for k, v in row.items()} for row in g.tables[name]]
            for name in sorted(g.tables)
        },
        "inputs": dict(sorted(g.inputs.items())),
    }


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def _cell(value: JsonCell) -> JsonCell:
    return _finite(value) if isinstance(value, float) else value
