"""require: a JSON Schema (from the policy) that the model document must satisfy."""

from __future__ import annotations

from jsonschema import Draft202012Validator

from modelops_gitops.kinds.policy import RequireRule
from modelops_gitops.plan.result import Change
from modelops_gitops.plan.rules.base import MODEL_CHANGES, Context, Verdict


def evaluate(rule: RequireRule, change: Change, ctx: Context) -> Verdict | None:
    model = ctx.head.models.get(change.model or "")
    if change.kind not in MODEL_CHANGES or model is None:
        return None
    document = model.model_dump(mode="json", by_alias=True)
    errors = sorted(
        Draft202012Validator(rule.schema_).iter_errors(document), key=lambda e: list(e.path)
    )
    if errors:
        first = errors[0]
        detail = rule.message or first.message
        return Verdict(
            "fail",
            f"{detail} (at {'.'.join(map(str, first.absolute_path)) or 'the document'})",
            file=change.file,
            path=tuple(first.absolute_path),
        )
    return Verdict("pass", rule.message or "the model satisfies the required schema")
