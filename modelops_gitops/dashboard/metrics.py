"""The dashboard's figures, computed from data alone (no git, no disk, no clock).

Sync and health are `status`'s (audit/sync.py); these are the delivery figures and trends.

DORA-style figures over ledger entries (one entry = one applied stage change):
    promotion frequency  promotions (kind stage.promoted) into the LAST lifecycle stage per
                         30 days, over the whole ledger's span (first to last entry time);
                         None when the span is shorter than a day
    lead time            per such promotion: entry time - time the version was registered
                         (the mainline commit that added it to the model file)
    rollback rate        rollback entries / stage changes (every entry but `stage.adopted`,
                         which records a holder found when the repository adopted the tool)
    gate failure rate    gate summaries with status fail or error / all gate summaries
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from modelops_gitops.audit.ledger import LedgerEntry
from modelops_gitops.audit.replay import parse_time

PER_DAYS = 30
FAILED_GATE = frozenset({"fail", "error"})
MIN_SPAN = timedelta(days=1)
NOT_A_CHANGE = frozenset({"stage.adopted", "deploy.repaired"})


def stage_order(lifecycle: Sequence[str], *present: Iterable[str]) -> list[str]:
    """The lifecycle's stages in order, then any other stage that appears, sorted."""
    extra = {stage for names in present for stage in names} - set(lifecycle)
    return [*lifecycle, *sorted(extra)]


@dataclass(frozen=True)
class Dora:
    stage_changes: int
    promotions: int  # promotions into the last stage
    rollbacks: int
    span_days: float | None  # the ledger's span; None without entries
    promotions_per_30d: float | None
    lead_times_hours: tuple[float, ...]  # one per promotion whose registration is known
    gates_run: int
    gates_failed: int

    @property
    def median_lead_time_hours(self) -> float | None:
        return statistics.median(self.lead_times_hours) if self.lead_times_hours else None

    @property
    def rollback_rate(self) -> float | None:
        return self.rollbacks / self.stage_changes if self.stage_changes else None

    @property
    def gate_failure_rate(self) -> float | None:
        return self.gates_failed / self.gates_run if self.gates_run else None


Span = tuple[datetime, datetime]


def ledger_span(entries: Sequence[LedgerEntry]) -> Span | None:
    """First and last entry times; None for an empty ledger."""
    if not entries:
        return None
    times = [parse_time(entry.time) for entry in entries]
    return min(times), max(times)


def dora(
    entries: Sequence[LedgerEntry],
    *,
    last_stage: str,
    registered: Mapping[tuple[str, str], datetime],
    span: Span | None,
) -> Dora:
    """The figures over `entries` (all of them, or one model's), with promotion frequency
    measured over `span` (the whole ledger's, so models compare on one scale)."""
    entries = [e for e in entries if e.change.kind not in NOT_A_CHANGE]
    promotions = [
        e for e in entries if e.change.kind == "stage.promoted" and e.change.stage == last_stage
    ]
    lead_times = []
    for entry in promotions:
        since = registered.get((entry.change.model, entry.change.version))
        if since is not None:
            lead_times.append(_hours(parse_time(entry.time) - since))
    gates = [gate for entry in entries for gate in entry.gates]
    length = span[1] - span[0] if span else None
    per_30d = None
    if length is not None and length >= MIN_SPAN:
        per_30d = len(promotions) / (length / timedelta(days=PER_DAYS))
    return Dora(
        stage_changes=len(entries),
        promotions=len(promotions),
        rollbacks=sum(e.change.kind == "stage.rollback" for e in entries),
        span_days=None if length is None else length / timedelta(days=1),
        promotions_per_30d=per_30d,
        lead_times_hours=tuple(lead_times),
        gates_run=len(gates),
        gates_failed=sum(gate.status in FAILED_GATE for gate in gates),
    )


def _hours(delta: timedelta) -> float:
    return delta / timedelta(hours=1)


@dataclass(frozen=True)
class Series:
    label: str  # "claimed" or "<gate> gate"
    values: tuple[float | None, ...]  # one per version of the trend, None where unknown


@dataclass(frozen=True)
class Trend:
    metric: str
    versions: tuple[str, ...]
    series: tuple[Series, ...]


Measured = Mapping[str, Mapping[str, Mapping[str, float]]]  # version -> gate -> metric -> value
MONITOR_SERIES = "monitor"  # the "gate" key of what `monitor` measured on labelled production data


def series_label(gate: str) -> str:
    return "production (monitor)" if gate == MONITOR_SERIES else f"{gate} gate"


def trends(versions: Sequence[tuple[str, Mapping[str, float]]], measured: Measured) -> list[Trend]:
    """One trend per metric name, across versions in registration order: the claimed value
    of each version, and what each gate measured for it. Versions measured but no longer
    listed come last, in sorted order; metrics and gates are sorted by name."""
    order = version_order([version for version, _ in versions], measured)
    claimed = dict(versions)
    names = {m for values in claimed.values() for m in values}
    names |= {m for gates in measured.values() for values in gates.values() for m in values}
    gate_names = sorted({gate for gates in measured.values() for gate in gates})
    out = []
    for name in sorted(names):
        series = [Series("claimed", tuple(claimed.get(v, {}).get(name) for v in order))]
        for gate in gate_names:
            values = tuple(measured.get(v, {}).get(gate, {}).get(name) for v in order)
            series.append(Series(series_label(gate), values))
        kept = tuple(s for s in series if any(value is not None for value in s.values))
        out.append(Trend(name, tuple(order), kept))
    return out


def plotted(found: Sequence[Trend], *, min_points: int = 2) -> list[Trend]:
    """The trends worth a chart: some series has at least `min_points` known values."""
    return [
        t
        for t in found
        if any(sum(v is not None for v in s.values) >= min_points for s in t.series)
    ]


@dataclass(frozen=True)
class Measurement:
    gate: str
    metric: str
    values: tuple[float | None, ...]  # one per version of the table


def version_order(listed: Sequence[str], measured: Measured) -> list[str]:
    """The model's versions in registration order, then measured ones no longer listed."""
    return [*listed, *sorted(set(measured) - set(listed))]


def measurements(
    listed: Sequence[str], measured: Measured
) -> tuple[tuple[str, ...], list[Measurement]]:
    """Every gate metric as a table: the measured versions (in `version_order`), and one row
    per (gate, metric), sorted."""
    versions = tuple(v for v in version_order(listed, measured) if v in measured)
    keys = sorted({(g, m) for gates in measured.values() for g, ms in gates.items() for m in ms})
    rows = [
        Measurement(g, m, tuple(measured[v].get(g, {}).get(m) for v in versions)) for g, m in keys
    ]
    return versions, rows
