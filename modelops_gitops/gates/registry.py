"""The gates by name, known without importing them: each gate's name, version (part of the
cache key), the files it pins, and the module that runs it.

A gate's `run` needs scikit-learn, pandas or pyarrow; its name, version and pins do not. So
the runner can look a result up in the cache and re-check the pinned files' digests with the
standard library alone, and import the gate's module (and its libraries) only when the gate
actually computes. A new gate: its module (see `base.Gate`) and one `Registered` entry here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from modelops_gitops.errors import GateInputError

if TYPE_CHECKING:
    from modelops_gitops.gates.base import Gate, GateIO, GateRequest
    from modelops_gitops.gates.result import GateName, GateResult
    from modelops_gitops.kinds.model import Pinned

Pins = Callable[["GateRequest"], "tuple[Pinned, ...]"]


def model_pins(request: GateRequest) -> tuple[Pinned, ...]:
    """The test and fairness gates: the candidate's artifact and its evaluation set."""
    return (request.version.artifact, request.version.datasets.eval)


def champion_pins(request: GateRequest) -> tuple[Pinned, ...]:
    """Both artifacts and the candidate's evaluation set; nothing without a champion."""
    candidate = request.version
    if request.champion is None:
        return ()
    return (candidate.artifact, request.champion.artifact, candidate.datasets.eval)


def drift_pins(request: GateRequest) -> tuple[Pinned, ...]:
    """The version's training data and the model's monitoring snapshot."""
    current = request.model.spec.monitoring.current
    if current is None:
        raise GateInputError(
            f"model {request.model.metadata.name}: the drift gate needs "
            "spec.monitoring.current (the monitoring snapshot to compare with training data)"
        )
    return (request.version.datasets.train, current)


@dataclass(frozen=True)
class Registered:
    """A gate as the runner sees it (satisfies `base.Gate`); `run` imports `module`."""

    NAME: GateName
    VERSION: str
    pinned: Pins
    module: str

    def pins(self, request: GateRequest) -> tuple[Pinned, ...]:
        return self.pinned(request)

    def run(self, request: GateRequest, io: GateIO) -> GateResult:
        gate = cast("Gate", importlib.import_module(self.module))
        return gate.run(request, io)


GATES: dict[str, Registered] = {
    gate.NAME: gate
    for gate in (
        # test 2 and champion 2: permutation importance (and its shift) in the evidence
        Registered("test", "2", model_pins, "modelops_gitops.gates.testing"),
        Registered("champion", "2", champion_pins, "modelops_gitops.gates.champion"),
        Registered("fairness", "1", model_pins, "modelops_gitops.gates.fairness"),
        Registered("drift", "1", drift_pins, "modelops_gitops.gates.drift.gate"),
        Registered("explainability", "1", model_pins, "modelops_gitops.gates.explainability"),
    )
}
