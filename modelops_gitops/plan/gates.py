"""Edge between plan and the gates: a rule + a change -> the gate's result.

The candidate is the version the change moves in; the champion is the version that held the
target stage before (the applied holder per the stage history, else the base's desired one).
Artifacts and datasets are read from the work tree at `root` and verified by sha256 first.
Results are cached under the git directory, so re-planning an unchanged PR recomputes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelops_gitops.errors import GateInputError
from modelops_gitops.gates.base import GateRequest
from modelops_gitops.gates.cache import ResultCache
from modelops_gitops.gates.limits import Limits, limited
from modelops_gitops.gates.result import GateResult
from modelops_gitops.gates.runner import VerifiedIO, run_gate
from modelops_gitops.kinds.policy import ArtifactRule
from modelops_gitops.plan.result import Change
from modelops_gitops.plan.rules.base import Context, GateRunner
from modelops_gitops.progress import note
from modelops_gitops.repo.workspace import cache_dir


def gate_runner(root: Path) -> GateRunner:
    private = cache_dir(root)
    cache = ResultCache(private / "gates") if private is not None else None
    ios: dict[bool, VerifiedIO] = {}

    def run(rule: Any, change: Change, ctx: Context) -> GateResult:
        model = ctx.head.models[change.model or ""]
        version = model.spec.version(change.to or change.version or "")
        if version is None:
            raise GateInputError(
                f"{change.model}: version {change.to or change.version} is not registered"
            )
        allow_unsafe = _allows_unsafe(ctx, change)
        champion_version = _champion(change, ctx)
        champion = model.spec.version(champion_version) if champion_version else None
        request = GateRequest(
            root=root,
            model=model,
            version=version,
            rule=rule,
            champion=champion,
            stage=change.stage,
            allow_unsafe=allow_unsafe,
        )
        io = ios.setdefault(allow_unsafe, VerifiedIO(root, allow_unsafe=allow_unsafe))
        trust = ctx.base.spec.trust  # the base's limits: a PR cannot raise them for itself
        hits = cache.hits if cache else 0
        with limited(Limits(trust.dataset_max_bytes, trust.dataset_max_rows)):
            result = run_gate(rule.type, request, cache=cache, io=io, capture_errors=True)
        cached = " (cached)" if cache and cache.hits > hits else ""
        note(f"gate {rule.type} {change.model} {version.version}: {result.status}{cached}")
        return result

    return run


def _champion(change: Change, ctx: Context) -> str | None:
    """The version the candidate must beat: the stage's holder in the stage history (the
    applied one, from the ledger), else the base's desired holder; None when the candidate
    already holds it."""
    held = ctx.history.holdings(change.model or "", change.stage) if change.stage else []
    version = held[-1].version if held else change.from_
    return None if version == (change.to or change.version) else version


def _allows_unsafe(ctx: Context, change: Change) -> bool:
    """A pickle/joblib artifact may be loaded only when a base policy that governs this change
    says `allow_unsafe_formats: true`."""
    from modelops_gitops.plan.policy import selects

    return any(
        isinstance(rule, ArtifactRule) and rule.allow_unsafe_formats
        for policy in ctx.base.policies.values()
        if selects(policy.spec.selector, change, ctx.risk_tiers(change))
        for rule in policy.spec.rules
    )
