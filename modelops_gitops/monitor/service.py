"""Pure: service figures from a metrics snapshot (one row per prediction served), and a
`service_level` rule's verdict on figures from any source.

The snapshot's columns (CSV, parquet, or JSON as a list of objects):

    timestamp    when the prediction was served, seconds since the epoch (UTC)
    latency_ms   how long it took, in milliseconds
    error        true when it failed (the caller got no prediction)
    cost         optional: what serving it cost, in any currency unit

The figures, computed with numpy:

    latency_p50_ms, _p95_ms, _p99_ms   numpy.percentile of latency_ms (linear interpolation)
    error_rate       failed / served
    throughput_rps   served / (last timestamp - first); undefined over a single instant
    uptime           share of the minutes with traffic in which at least one prediction
                     succeeded (availability by minute, as a status page counts it)
    cost_per_1000    1000 * sum(cost) / served; undefined without a cost column
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from modelops_gitops.kinds.policy import ServiceLevelRule, rule_id
from modelops_gitops.monitor.performance import MetricCheck, RuleOutcome

REQUIRED = ("timestamp", "latency_ms", "error")


def figures(columns: Mapping[str, Sequence[Any]]) -> dict[str, float]:
    """The figures of a snapshot given as columns (already checked: finite, non-empty)."""
    import numpy as np  # the [gates] extra: only when a snapshot is read

    stamps = np.asarray(columns["timestamp"], dtype=np.float64)
    latency = np.asarray(columns["latency_ms"], dtype=np.float64)
    failed = np.asarray(columns["error"], dtype=bool)
    out = {f"latency_p{q}_ms": float(np.percentile(latency, q)) for q in (50, 95, 99)}
    out["error_rate"] = float(failed.mean())
    span = float(stamps.max() - stamps.min())
    if span > 0:
        out["throughput_rps"] = float(len(stamps) / span)
    minutes = np.floor(stamps / 60.0)
    served = np.unique(minutes)
    up = np.unique(minutes[~failed])
    out["uptime"] = float(len(up) / len(served))
    if "cost" in columns:
        cost = np.asarray(columns["cost"], dtype=np.float64)
        out["cost_per_1000"] = float(1000.0 * cost.sum() / len(cost))
    return out


@dataclass(frozen=True)
class ServiceLevels:
    """The serving side's figures, where they came from, and every rule's verdict."""

    source: str  # the snapshot's path, or the Prometheus URL
    sha256: str | None  # the snapshot's, None for Prometheus
    figures: dict[str, float]
    outcomes: tuple[RuleOutcome, ...] = ()

    @property
    def breaches(self) -> list[str]:
        return [f"{o.rule}: {c.message}" for o in self.outcomes for c in o.checks if c.breached]

    @property
    def blocking(self) -> bool:
        return any(outcome.blocking for outcome in self.outcomes)

    @property
    def propose_rollback(self) -> bool:
        return any(o.breached and o.on_breach == "propose_rollback" for o in self.outcomes)


def judge(rule: ServiceLevelRule, policy: str, found: Mapping[str, float]) -> RuleOutcome:
    """One check per limit of the rule: the figure against the limit (a figure the source
    cannot give breaches, saying so)."""
    checks = []
    for figure, op, limit in rule.limits():
        value = found.get(figure)
        if value is None:
            message = f"{figure}: cannot be checked: the source gives no {figure}"
            checks.append(MetricCheck(figure, limit, None, None, None, True, message))
            continue
        held = value <= limit if op == "<=" else value >= limit
        verdict = "meets" if held else "violates"
        message = f"{figure} {value:.4g} {verdict} {op} {limit:g}"
        checks.append(MetricCheck(figure, limit, value, None, None, not held, message))
    return RuleOutcome(f"{policy}/{rule_id(rule)}", rule.enforcement, rule.on_breach, tuple(checks))
