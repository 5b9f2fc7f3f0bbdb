"""Changes + the BASE's policies -> findings. Pure: everything it needs arrives in Context.

For each change: the built-in rules (immutability of registered versions, deleting a model
that holds a stage, the Lifecycle's soak), then every rule of every base policy whose
selector matches. `enforcement: warn` turns a failure into a warning; a matching, unexpired
waiver (from the base) turns it into "waived"; an expired waiver is named in the failure.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any
from zoneinfo import ZoneInfo

from modelops_gitops.kinds import Policy
from modelops_gitops.kinds.policy import Selector, rule_id
from modelops_gitops.plan.result import (
    BUILTIN_POLICY,
    Change,
    ChangeResult,
    Finding,
    FindingResult,
    combine,
)
from modelops_gitops.plan.rules import RULES
from modelops_gitops.plan.rules.base import Context, Verdict
from modelops_gitops.plan.rules.previous_stage import check_soak
from modelops_gitops.repo.tree import AUDIT_DIR, DEPLOY_DIR
from modelops_gitops.repo.yaml_locator import Locator

STAGE_CHANGES = ("stage.promoted", "stage.rollback")
GOVERNANCE_CHANGES = ("policy.changed", "governance.changed")


def selects(selector: Selector, change: Change, risk_tiers: set[str]) -> bool:
    """Does a policy govern `change`? `risk_tiers`: the model's tiers at base and head
    (`Context.risk_tiers`), so lowering the tier in the same PR escapes nothing."""
    if selector.change_kinds and change.kind not in selector.change_kinds:
        return False
    if selector.stages and change.stage not in selector.stages:
        return False
    if selector.risk_tiers and not (risk_tiers & set(selector.risk_tiers)):
        return False
    return not selector.models or any(fnmatchcase(change.model or "", g) for g in selector.models)


def evaluate_change(change: Change, ctx: Context, locator: Locator) -> ChangeResult:
    findings = [
        _finding(BUILTIN_POLICY, name, name, v, change, locator)
        for name, v in _builtin(change, ctx)
    ]
    for _name, policy in sorted(ctx.base.policies.items()):
        if not selects(policy.spec.selector, change, ctx.risk_tiers(change)):
            continue
        for rule in policy.spec.rules:
            verdict = RULES[rule.type](rule, change, ctx)
            if verdict is not None:
                findings.append(_judged(policy, rule, verdict, change, ctx, locator))
    return ChangeResult(
        change=change, result=combine([f.result for f in findings]), findings=tuple(findings)
    )


def _judged(
    policy: Policy, rule: Any, verdict: Verdict, change: Change, ctx: Context, locator: Locator
) -> Finding:
    finding = _finding(policy.metadata.name, rule_id(rule), rule.type, verdict, change, locator)
    if verdict.status == "pass":
        return finding
    waiver, expired = _waiver(policy.metadata.name, rule_id(rule), change, ctx)
    if waiver is not None and verdict.status == "fail":
        spec = ctx.base.waivers[waiver].spec
        return finding.model_copy(
            update={
                "result": "waived",
                "waiver": waiver,
                "message": f"{verdict.message} — waived by {waiver} until {spec.expires}: {spec.reason}",
            }
        )
    message = verdict.message
    if expired:
        message += f" (waiver {expired} expired on {ctx.base.waivers[expired].spec.expires})"
    result: FindingResult = "warn" if rule.enforcement == "warn" else verdict.status
    return finding.model_copy(update={"result": result, "message": message})


def _waiver(policy: str, rule: str, change: Change, ctx: Context) -> tuple[str | None, str | None]:
    today = ctx.now.astimezone(ZoneInfo(ctx.base.spec.timezone)).date()
    valid = expired = None
    for name, waiver in sorted(ctx.base.waivers.items()):
        spec = waiver.spec
        if (spec.model, spec.policy, spec.rule) == (change.model, policy, rule):
            if spec.expires >= today:
                valid = valid or name
            else:
                expired = expired or name
    return valid, expired


def _finding(
    policy: str, rule: str, rule_type: str, verdict: Verdict, change: Change, locator: Locator
) -> Finding:
    file, path = (verdict.file, verdict.path) if verdict.file else (change.file, change.path)
    line, column = locator.position(file, path) if file else (0, 0)
    return Finding(
        policy=policy,
        rule=rule,
        rule_type=rule_type,
        result=verdict.status,
        message=verdict.message,
        file=file,
        line=line,
        column=column,
        approvals=verdict.approvals,
        gate=verdict.gate,
        override=verdict.override,
    )


def _builtin(change: Change, ctx: Context) -> list[tuple[str, Verdict]]:
    out: list[tuple[str, Verdict]] = []
    if change.kind == "version.modified":
        out.append(
            (
                "immutable-versions",
                Verdict(
                    "fail",
                    f"version {change.version} is registered and immutable: only `deprecated: true` "
                    "may be set (register a new version instead)",
                ),
            )
        )
    if change.kind == "model.deleted":
        before = ctx.base.models.get(change.model or "")
        held = dict(before.spec.stages) if before else {}
        if held:
            stages = ", ".join(f"{s} ({v})" for s, v in sorted(held.items()))
            out.append(
                (
                    "delete-held-model",
                    Verdict(
                        "fail",
                        f"model {change.model} holds {stages}: remove its stages in an approved PR first",
                    ),
                )
            )
    if change.kind in STAGE_CHANGES and ctx.base.lifecycle is not None:
        by_name = {s.name: s for s in ctx.base.lifecycle.spec.stages}
        stage = by_name.get(change.stage or "")
        if stage is not None and stage.requires and change.kind == "stage.promoted":
            out.append(("lifecycle", check_soak(ctx, change, stage.requires, stage.min_soak)))
    return out


def plan_findings(changes: list[Change], changed_paths: list[str], ctx: Context) -> list[Finding]:
    """Findings about the PR as a whole."""
    out: list[Finding] = []
    policy_files = [c.file for c in changes if c.kind in GOVERNANCE_CHANGES]
    stage_moves = [c for c in changes if c.kind in STAGE_CHANGES]
    if policy_files and stage_moves and not ctx.base.spec.governance.allow_policy_and_stage_changes:
        moves = ", ".join(f"{c.model} {c.stage} -> {c.to}" for c in stage_moves)
        out.append(
            Finding(
                policy=BUILTIN_POLICY,
                rule="policy-and-stage-changes",
                rule_type="builtin",
                result="fail",
                message=f"this PR changes policies or governance files ({', '.join(policy_files)}) "
                f"and also moves stages "
                f"({moves}): split it so each is judged by the policies in force",
                file=policy_files[0],
                line=1,
                column=1,
            )
        )
    hand_written = [p for p in changed_paths if p.split("/")[0] in (AUDIT_DIR, DEPLOY_DIR)]
    for path in hand_written:
        out.append(
            Finding(
                policy=BUILTIN_POLICY,
                rule="apply-owned-paths",
                rule_type="builtin",
                result="fail",
                message=f"{path}: audit/ and deploy/ are written only by `apply`",
                file=path,
            )
        )
    return out
