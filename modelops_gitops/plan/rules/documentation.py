"""documentation: model card fields that must be non-empty."""

from __future__ import annotations

from modelops_gitops.kinds.policy import DocumentationRule
from modelops_gitops.plan.result import Change
from modelops_gitops.plan.rules.base import MODEL_CHANGES, Context, Verdict


def evaluate(rule: DocumentationRule, change: Change, ctx: Context) -> Verdict | None:
    model = ctx.head.models.get(change.model or "")
    if change.kind not in MODEL_CHANGES or model is None:
        return None
    missing = [f for f in rule.fields if not str(getattr(model.spec.card, f)).strip()]
    if missing:
        return Verdict(
            "fail",
            f"model card fields are empty: {', '.join(missing)}",
            file=change.file,
            path=("spec", "card", missing[0]),
        )
    return Verdict("pass", f"model card has {', '.join(rule.fields)}")
