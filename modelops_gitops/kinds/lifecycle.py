"""kind: Lifecycle — the stages in order, and how a version may enter each one.

A stage with `requires` may only be entered by a version that has been APPLIED in that stage
(per the audit ledger) for at least `min_soak`. `transitions` lists the allowed moves
(`from` -> `to`); `from: none` allows entering a stage directly. When `transitions` is empty,
every stage may be entered from the stage before it, and the first stage directly.

A rollback is a step back: a return to the version that held the stage immediately before the
current holder (or up to `rollback_steps` holders back), never to a version that was itself
rolled back out of the stage. Any other move is a promotion, with a promotion's rules.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from modelops_gitops.kinds.common import ApiVersion, Duration, Metadata, Name, Strict


class Stage(Strict):
    name: Name
    description: str = ""
    requires: Name | None = Field(
        default=None, description="A stage the version must have been applied in first."
    )
    min_soak: Duration | None = Field(
        default=None, description="How long the version must have held `requires`."
    )


class Transition(Strict):
    from_: Name | Literal["none"] = Field(alias="from")
    to: Name


class LifecycleSpec(Strict):
    stages: list[Stage] = Field(min_length=1)
    transitions: list[Transition] = Field(default_factory=list)
    rollback_steps: int = Field(
        default=1,
        ge=1,
        le=100,
        description=(
            "How many holders back a rollback may return to (1: only the version that held "
            "the stage immediately before the current one)."
        ),
    )

    def stage_names(self) -> list[str]:
        return [stage.name for stage in self.stages]

    def allowed_sources(self, stage: str) -> set[str]:
        """Stages (or "none") a version may come from when it enters `stage`."""
        if self.transitions:
            return {t.from_ for t in self.transitions if t.to == stage}
        names = self.stage_names()
        index = names.index(stage) if stage in names else 0
        return {"none"} if index == 0 else {names[index - 1]}


class Lifecycle(Strict):
    apiVersion: ApiVersion
    kind: Literal["Lifecycle"]
    metadata: Metadata
    spec: LifecycleSpec
