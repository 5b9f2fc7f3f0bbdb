"""artifact: allowed formats (safe ones by default) and a size limit."""

from __future__ import annotations

from modelops_gitops.kinds.model import SAFE_FORMATS
from modelops_gitops.kinds.policy import ArtifactRule
from modelops_gitops.plan.result import Change
from modelops_gitops.plan.rules.base import VERSION_CHANGES, Context, Verdict, version_of


def evaluate(rule: ArtifactRule, change: Change, ctx: Context) -> Verdict | None:
    found = version_of(ctx, change) if change.kind in VERSION_CHANGES else None
    if found is None:
        return None
    model, version = found
    index = model.spec.versions.index(version)
    at = ("spec", "versions", index, "artifact")
    fmt = version.artifact.format
    if fmt not in SAFE_FORMATS and not rule.allow_unsafe_formats:
        return Verdict(
            "fail",
            f"format {fmt} can run code when loaded; allowed: "
            f"{', '.join(rule.formats)} (set allow_unsafe_formats to permit it)",
            file=change.file,
            path=(*at, "format"),
        )
    if fmt not in rule.formats and fmt in SAFE_FORMATS:
        return Verdict(
            "fail",
            f"format {fmt} is not allowed here: {', '.join(rule.formats)}",
            file=change.file,
            path=(*at, "format"),
        )
    size = version.artifact.size
    if rule.max_bytes is not None:
        if size is None:
            return Verdict(
                "fail",
                f"artifact size unknown; the limit is {rule.max_bytes} bytes "
                "(register with the size)",
                file=change.file,
                path=at,
            )
        if size > rule.max_bytes:
            return Verdict(
                "fail",
                f"artifact is {size} bytes, over the limit of {rule.max_bytes}",
                file=change.file,
                path=(*at, "size"),
            )
    return Verdict("pass", f"{fmt} artifact" + (f", {size} bytes" if size is not None else ""))
