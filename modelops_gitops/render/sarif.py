"""The plan as SARIF 2.1.0, for GitHub code scanning (and any SARIF viewer).

One run; `tool.driver.rules` holds one reportingDescriptor per `policy/rule` the plan
evaluated; `results` holds every fail (level error), warn (warning) and pending (note)
finding, passes and waivers are left out. Kept to the subset GitHub documents: every result
has a `ruleId`, a `level`, a message and one physical location — the repository-relative
file and the YAML line (and column) of the offending field. A finding without a line points
at line 1 of its file; one without a file at its change's file, else `modelops.yaml`.
`partialFingerprints` hash (change key, policy, rule), so an alert survives line moves.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from modelops_gitops import __version__
from modelops_gitops.plan.result import Change, Finding, PlanResult
from modelops_gitops.render import common
from modelops_gitops.render.links import Links

DESCRIPTION = "SARIF 2.1.0 for GitHub code scanning"
SUFFIX = ".sarif"
SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
LEVELS = {"fail": "error", "warn": "warning", "pending": "note"}
FALLBACK_FILE = "modelops.yaml"
FINGERPRINT = "modelopsGitopsFinding/v1"

Located = tuple[str, Finding, Change | None]  # (change key, finding, change)


def render(result: PlanResult, *, links: Links) -> str:
    """The SARIF log; `links` is accepted for uniformity (SARIF uses repository paths)."""
    del links
    return json.dumps(log(result), indent=2, ensure_ascii=False) + "\n"


def log(result: PlanResult) -> dict[str, Any]:
    """The SARIF log as Python values."""
    located: list[Located] = [(common.PLAN_KEY, f, None) for f in common.findings(result.findings)]
    for item in common.changes(result):
        located += [
            (common.change_key(item.change), f, item.change) for f in common.findings(item.findings)
        ]
    rules = _rules([finding for _, finding, _ in located])
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = [_result(key, f, change, index) for key, f, change in located if f.result in LEVELS]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "modelops-gitops",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules,
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {
            "result": result.result,
            "base": result.base,
            "head": result.head,
            "baseSha": result.base_sha,
            "headSha": result.head_sha,
            "policySetSha256": result.policy_set_sha256,
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _rules(findings: list[Finding]) -> list[dict[str, Any]]:
    first: dict[str, Finding] = {}
    for finding in findings:
        first.setdefault(common.rule_id(finding), finding)
    return [
        {
            "id": rule_id,
            "shortDescription": {"text": f"{f.rule_type} rule {f.rule!r} of policy {f.policy!r}"},
            "properties": {"tags": ["modelops-gitops", f.rule_type]},
        }
        for rule_id, f in sorted(first.items())
    ]


def _result(key: str, f: Finding, change: Change | None, index: dict[str, int]) -> dict[str, Any]:
    rule_id = common.rule_id(f)
    subject = common.title(change) if change is not None else "pull request"
    text = f"{subject} — {f.message or f.result}"
    if f.result == "pending":
        text = f"Pending: {text}"
    if f.override:
        text += f" (override: {f.override})"
    digest = hashlib.sha256("\0".join((key, f.policy, f.rule)).encode()).hexdigest()
    return {
        "ruleId": rule_id,
        "ruleIndex": index[rule_id],
        "level": LEVELS[f.result],
        "message": {"text": text},
        "locations": [{"physicalLocation": _physical(f, change)}],
        "partialFingerprints": {FINGERPRINT: digest},
        "properties": {"result": f.result, "change": key, "ruleType": f.rule_type},
    }


def _physical(f: Finding, change: Change | None) -> dict[str, Any]:
    if f.file:
        path, line, column = f.file, f.line, f.column
    elif change is not None and change.file:
        path, line, column = change.file, change.line, change.column
    else:
        path, line, column = FALLBACK_FILE, 0, 0
    region: dict[str, int] = {"startLine": max(line, 1)}
    if line > 0 and column > 0:
        region["startColumn"] = column
    return {"artifactLocation": {"uri": quote(path, safe="/")}, "region": region}
