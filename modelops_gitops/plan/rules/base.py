"""What every rule sees (Context) and returns (Verdict), and the Protocol a rule implements.

A rule returns None when it does not apply to a change (documentation says nothing about a
policy edit); otherwise pass, fail or pending, with a message and, when the problem sits
somewhere other than the change's own line, the file and key path to point at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from modelops_gitops.gates.result import GateResult
from modelops_gitops.kinds import Model
from modelops_gitops.plan.approvals import ApprovalsInput
from modelops_gitops.plan.result import Approval, Change
from modelops_gitops.repo.history import StageHistory
from modelops_gitops.repo.state import RepoState

Status = Literal["pass", "fail", "pending"]
MODEL_CHANGES = frozenset(
    {
        "model.created",
        "version.registered",
        "stage.promoted",
        "stage.rollback",
        "metadata.changed",
        "version.deprecated",
    }
)
VERSION_CHANGES = frozenset({"version.registered", "stage.promoted", "stage.rollback"})
GateRunner = Callable[[Any, Change, "Context"], GateResult]


@dataclass(frozen=True)
class Verdict:
    status: Status
    message: str
    file: str = ""
    path: tuple[str | int, ...] = ()
    approvals: tuple[Approval, ...] = ()
    gate: GateResult | None = None
    override: str | None = None


@dataclass(frozen=True)
class Context:
    base: RepoState
    head: RepoState
    approvals: ApprovalsInput | None
    now: datetime
    history: StageHistory
    gates: GateRunner | None = None

    def model(self, change: Change) -> Model | None:
        """The model as the PR leaves it (or as it was, for a deletion)."""
        if change.model is None:
            return None
        return self.head.models.get(change.model) or self.base.models.get(change.model)

    def risk_tiers(self, change: Change) -> set[str]:
        """Risk tiers at base AND head: lowering the tier in the same PR escapes nothing."""
        if change.model is None:
            return set()
        models = (self.base.models.get(change.model), self.head.models.get(change.model))
        return {m.spec.risk_tier for m in models if m is not None}


class Rule(Protocol):
    def __call__(self, rule: Any, change: Change, ctx: Context) -> Verdict | None: ...


def version_of(ctx: Context, change: Change) -> tuple[Model, Any] | None:
    """(model, version) a version-bearing change is about, at head."""
    model = ctx.head.models.get(change.model or "")
    target = change.to or change.version
    if model is None or target is None:
        return None
    version = model.spec.version(target)
    return (model, version) if version is not None else None
