"""A gate runner that costs nothing until a rule actually runs a gate: plan and apply on a
change whose policies need no gate never import scikit-learn and friends, and run on the
core install. The first gate asked for checks the [gates] extra (exit 2 when it is missing,
naming the gate) and imports the real runner (`plan.gates`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelops_gitops.extras import require
from modelops_gitops.gates.result import GateResult
from modelops_gitops.plan.result import Change
from modelops_gitops.plan.rules.base import Context, GateRunner
from modelops_gitops.progress import step


def lazy_gate_runner(root: Path) -> GateRunner:
    runner: GateRunner | None = None

    def run(rule: Any, change: Change, ctx: Context) -> GateResult:
        nonlocal runner
        if runner is None:
            require("gates", f"the {rule.type} gate ({change.model} {change.stage or ''})")
            from modelops_gitops.plan.gates import gate_runner

            runner = gate_runner(root)
        with step(f"gate {rule.type}: {change.model} {change.to or change.version or ''}"):
            return runner(rule, change, ctx)

    return run
