"""The drift gate as the runner sees it (`gates.base.Gate`): training data vs the model's
monitoring snapshot, both pinned by sha256, with the Policy drift rule's settings.

Register with `runner.GATES[gate.NAME] = gate`.
"""

from __future__ import annotations

from modelops_gitops.errors import GateInputError
from modelops_gitops.gates.base import GateIO, GateRequest
from modelops_gitops.gates.drift.report import to_gate_result
from modelops_gitops.gates.drift.run import run_drift
from modelops_gitops.gates.result import GateName, GateResult
from modelops_gitops.kinds.drift import DriftConfig
from modelops_gitops.kinds.model import Pinned
from modelops_gitops.kinds.policy import DriftRule

NAME: GateName = "drift"
VERSION = "1"


def pins(request: GateRequest) -> tuple[Pinned, ...]:
    current = request.model.spec.monitoring.current
    if current is None:
        raise GateInputError(
            f"model {request.model.metadata.name}: the drift gate needs "
            "spec.monitoring.current (the monitoring snapshot to compare with training data)"
        )
    return (request.version.datasets.train, current)


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
