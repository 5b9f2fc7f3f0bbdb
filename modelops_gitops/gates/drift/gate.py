"""The drift gate as the runner sees it (`gates.base.Gate`): training data vs the model's
monitoring snapshot, both pinned by sha256, with the Policy drift rule's settings.

Registered in `gates.registry` (name, version, pins), which imports this module only to run it.
"""

from __future__ import annotations

from modelops_gitops.gates.base import GateIO, GateRequest
from modelops_gitops.gates.drift.report import to_gate_result
from modelops_gitops.gates.drift.run import run_drift
from modelops_gitops.gates.registry import GATES, drift_pins
from modelops_gitops.gates.result import GateName, GateResult
from modelops_gitops.kinds.drift import DriftConfig
from modelops_gitops.kinds.policy import DriftRule

NAME: GateName = "drift"
VERSION = GATES[NAME].VERSION
pins = drift_pins  # declared in gates.registry, so a cache hit needs no import


def run(request: GateRequest, io: GateIO) -> GateResult:
    reference, current = pins(request)
    report = run_drift(
        reference.path,
        current.path,
        drift_config(request.rule_as(DriftRule), request.model.spec.features),
        reference_sha256=reference.sha256,
        current_sha256=current.sha256,
        root=request.root,
        progress=io.progress,
    )
    return to_gate_result(report)


def drift_config(rule: DriftConfig, model_features: list[str]) -> DriftConfig:
    """The rule is a DriftConfig (a Policy's drift rule embeds its fields); without a column
    list, the model's declared features (or, when it declares none, every current column)."""
    if rule.columns:
        return rule
    return rule.model_copy(update={"columns": list(model_features) or None})
