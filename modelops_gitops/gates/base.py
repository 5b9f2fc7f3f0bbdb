"""What every gate is: a Protocol, the request it answers, and the reading it may do.

A gate is a module (as pre-commit's languages are) exposing:

    NAME      the gate's name, a key of `registry.GATES`
    VERSION   bumped whenever what the gate computes changes (it is part of the cache key)
    pins(request)      every file the gate reads, as pinned in the model (location + sha256)
    run(request, io)   the GateResult; all reading goes through `io`, which verifies

`run` may raise GateInputError (the gate could not run: bad digest, unsafe format, missing
column); the runner turns it into an "error" result inside `plan`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from modelops_gitops.kinds.model import Artifact, Model, Pinned, Version
from modelops_gitops.kinds.policy import (
    ChampionRule,
    DriftRule,
    ExplainabilityRule,
    FairnessRule,
    TestRule,
)
from modelops_gitops.progress import Progress as Progress  # re-exported for the gates

if TYPE_CHECKING:
    import pandas as pd

    from modelops_gitops.gates.result import GateName, GateResult

GateRule = TestRule | ChampionRule | FairnessRule | DriftRule | ExplainabilityRule
RuleT = TypeVar("RuleT", TestRule, ChampionRule, FairnessRule, DriftRule, ExplainabilityRule)


def no_progress(task: str, done: int, total: int) -> None:
    """The default `Progress` (`progress(task, done, total)`): stay quiet."""


@dataclass(frozen=True)
class GateRequest:
    """One gate run: the model document, the version under test, the rule's config and (for
    champion-challenger) the version the caller found applied in `stage`."""

    root: Path
    model: Model
    version: Version
    rule: GateRule
    champion: Version | None = None
    stage: str | None = None
    allow_unsafe: bool = False
    trusted_types: tuple[str, ...] = field(default=())

    def rule_as(self, kind: type[RuleT]) -> RuleT:
        if not isinstance(self.rule, kind):
            raise TypeError(f"expected a {kind.__name__}, got a {type(self.rule).__name__}")
        return self.rule


class GateIO(Protocol):
    """The only way a gate reads: every read checks the pinned sha256 first."""

    progress: Progress

    def model(self, artifact: Artifact) -> Any: ...

    def frame(self, dataset: Pinned, columns: Sequence[str]) -> pd.DataFrame: ...


class Gate(Protocol):
    NAME: GateName
    VERSION: str

    def pins(self, request: GateRequest) -> tuple[Pinned, ...]: ...

    def run(self, request: GateRequest, io: GateIO) -> GateResult: ...
