"""What each page shows, as plain values the templates print: built from `Sources` and the
figures of metrics.py, with every number already formatted (the templates hold no logic
beyond loops and conditions)."""

from __future__ import annotations

from dataclasses import dataclass
from posixpath import basename, splitext

from modelops_gitops.audit.ledger import LedgerEntry
from modelops_gitops.audit.sync import ModelStatus
from modelops_gitops.audit.unverified import Unverified
from modelops_gitops.dashboard import metrics
from modelops_gitops.dashboard.sources import Sources, gate_metrics
from modelops_gitops.digest import sha256_bytes
from modelops_gitops.github.settings import repository_of, server_of
from modelops_gitops.kinds import Model
from modelops_gitops.times import iso_utc

SITE_REPORTS = "reports"  # audit/reports/<model>/<file> -> reports/<model>/<file>
KIND_LABELS = {
    "stage.promoted": "promoted",
    "stage.rollback": "rolled back",
    "stage.removed": "removed",
    "stage.adopted": "adopted",
    "deploy.repaired": "deploy file repaired",
}


@dataclass(frozen=True)
class StageCell:
    stage: str
    desired: str
    applied: str
    applied_since: str
    sync: str  # "in sync" | "out of sync" | "unapproved drift" | "" (stage unused)
    css: str  # badge class
    detail: str  # why it is not in sync (the commit that set it), as `status` says
    unverified: bool = False  # the applied version comes from an unverified entry


@dataclass(frozen=True)
class Health:
    status: str  # healthy | drifting | degraded | unknown
    detail: str
    waivers: tuple[str, ...]  # "expiring soon: ..." / "expired: ..."


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    detail: str


@dataclass(frozen=True)
class ReportLink:
    label: str  # html | md | json
    href: str  # relative to the site root
    state: str  # "verified" | "changed" | "missing"


@dataclass(frozen=True)
class TimelineRow:
    seq: int
    time: str
    kind: str
    stage: str
    change: str
    pr: str
    pr_url: str
    author: str
    approvals: tuple[tuple[str, str], ...]  # ("login (teams)", time)
    gates: tuple[tuple[str, str], ...]  # (text, status)
    reports: tuple[ReportLink, ...]
    merge_commit: str
    unverified: bool = False  # audit verify failed at or before this entry


@dataclass(frozen=True)
class TrustView:
    """What `audit verify` said of the trail the pages show: on failure, a banner on every
    page and the entries from `first_seq` on marked unverified."""

    broken: bool = False
    problems: tuple[str, ...] = ()  # the trail breaks, as `audit verify` prints them
    more: int = 0  # breaks beyond those listed
    first_seq: int | None = None  # the first unverified entry (None: no entry is named)
    notes: tuple[str, ...] = ()  # verify's notes (anchored or not, shallow clone)
    entries: int = 0


SHOWN_PROBLEMS = 20


@dataclass(frozen=True)
class ModelView:
    name: str
    owner: str
    risk_tier: str
    task: str
    description: str
    stages: tuple[StageCell, ...]
    health: Health
    figures: tuple[Figure, ...]
    timeline: tuple[TimelineRow, ...]
    trends: tuple[metrics.Trend, ...]
    measured_versions: tuple[str, ...]
    measurements: tuple[tuple[str, str, tuple[str, ...]], ...]  # gate, metric, formatted values
    versions: tuple[tuple[str, str, str, bool], ...]  # version, registered, description, deprecated
    unlisted_reports: tuple[str, ...]  # site paths of reports no entry names


def trust_view(
    sources: Sources, check: Unverified | None, notes: tuple[str, ...]
) -> tuple[TrustView, frozenset[int]]:
    """The banner's content and the seqs of the entries to mark unverified."""
    if check is None or not check.broken:
        return TrustView(notes=notes, entries=len(sources.entries)), frozenset()
    marked = frozenset(e.seq for n, e in enumerate(sources.entries, 1) if check.covers(n))
    listed = tuple(str(b) for b in check.breaks[:SHOWN_PROBLEMS])
    view = TrustView(
        broken=True,
        problems=listed,
        more=len(check.breaks) - len(listed),
        first_seq=min(marked) if marked else None,
        notes=notes,
        entries=len(sources.entries),
    )
    return view, marked


def stage_cells(
    status: ModelStatus | None, stages: list[str], unverified: frozenset[int] = frozenset()
) -> tuple[StageCell, ...]:
    """One cell per stage of `stages` (the columns), blank where the model has none;
    `unverified`: the seqs of entries verify could not vouch for."""
    held = {row.stage: row for row in status.stages} if status else {}
    cells = []
    for stage in stages:
        row = held.get(stage)
        if row is None:
            cells.append(StageCell(stage, "", "", "", "", "", ""))
            continue
        since = f"{row.applied_since} (entry {row.applied_seq})" if row.applied_since else ""
        cells.append(
            StageCell(
                stage=stage,
                desired=row.desired or "(removed)",
                applied=row.applied or "(not applied)",
                applied_since=since,
                sync=row.sync,
                css=row.sync.replace(" ", "-"),
                detail=row.detail,
                unverified=row.applied_seq in unverified,
            )
        )
    return tuple(cells)


def health(status: ModelStatus | None) -> Health:
    if status is None:
        return Health("unknown", "no monitor result yet", ())
    found = status.health
    detail = f"{found.detail} ({found.checked_at})" if found.checked_at else found.detail
    return Health(found.status, detail, found.waivers)


def figures(dora: metrics.Dora, last_stage: str) -> tuple[Figure, ...]:
    lead = dora.median_lead_time_hours
    span = "" if dora.span_days is None else f"over {dora.span_days:.1f} days of ledger"
    return (
        Figure(
            "Promotion frequency",
            "n/a" if dora.promotions_per_30d is None else f"{dora.promotions_per_30d:.2f} / 30 d",
            f"{dora.promotions} promotion(s) to {last_stage} {span}".strip(),
        ),
        Figure(
            f"Lead time to {last_stage}",
            "n/a" if lead is None else duration(lead),
            f"median of {len(dora.lead_times_hours)}, registration to applied",
        ),
        Figure(
            "Rollback rate",
            percent(dora.rollback_rate),
            f"{dora.rollbacks} rollback(s) / {dora.stage_changes} stage change(s)",
        ),
        Figure(
            "Gate failure rate",
            percent(dora.gate_failure_rate),
            f"{dora.gates_failed} failed / {dora.gates_run} gate(s) run",
        ),
    )


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def duration(hours: float) -> str:
    if abs(hours) < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"


def pr_url(sources: Sources, number: int | None) -> str:
    provider = sources.state.spec.provider
    repository = repository_of(provider, {})
    if number is None or repository is None:
        return ""
    return f"{server_of(provider, {})}/{repository}/pull/{number}"


def timeline_row(
    sources: Sources, entry: LedgerEntry, prefix: str, unverified: frozenset[int] = frozenset()
) -> TimelineRow:
    change = entry.change
    moved = f"{change.from_ or '∅'} → {change.to or '∅'}"
    reports = []
    for ref in sorted(entry.reports, key=lambda r: _report_order(r.path)):
        data = sources.reports.get(ref.path)
        state = "missing" if data is None else "verified"
        if data is not None and sha256_bytes(data) != ref.sha256:
            state = "changed"
        href = "" if data is None else prefix + site_report_path(ref.path)
        reports.append(ReportLink(splitext(ref.path)[1].lstrip("."), href, state))
    approvals = tuple(
        (f"{a.login} ({', '.join(a.teams)})", a.submitted_at) for a in entry.approvals
    )
    return TimelineRow(
        seq=entry.seq,
        time=entry.time,
        kind=KIND_LABELS.get(change.kind, change.kind),
        stage=change.stage,
        change=moved,
        pr=_pr_label(entry),
        pr_url=pr_url(sources, entry.pr.number) if entry.pr.number is not None else "",
        author=entry.pr.author,
        approvals=approvals,
        gates=tuple((f"{g.gate}: {g.status}", g.status) for g in entry.gates),
        reports=tuple(reports),
        merge_commit=entry.merge_commit[:12],
        unverified=entry.seq in unverified,
    )


def _pr_label(entry: LedgerEntry) -> str:
    if entry.pr.number is not None:
        return f"#{entry.pr.number}"
    if entry.change.kind == "stage.adopted":
        return "none: found at adoption"
    return "local merge"


def _report_order(path: str) -> tuple[int, str]:
    order = {".html": 0, ".md": 1, ".json": 2}
    return order.get(splitext(path)[1], 3), path


def report_entries(sources: Sources, marked: frozenset[int]) -> dict[str, tuple[int, bool]]:
    """report path -> (the seq of the entry naming it, whether that entry is unverified)."""
    return {ref.path: (e.seq, e.seq in marked) for e in sources.entries for ref in e.reports}


def site_report_path(repo_path: str) -> str:
    """audit/reports/credit/x.html -> reports/credit/x.html"""
    return SITE_REPORTS + repo_path.removeprefix("audit/reports")


def measured(
    sources: Sources, model: str, entries: list[LedgerEntry]
) -> dict[str, dict[str, dict[str, float]]]:
    """version -> gate -> metric, from the JSON reports of the model's `entries` (a later
    entry's measurement of a version replaces an earlier one's) and its production (monitor)
    measurements."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for entry in entries:
        for ref in entry.reports:
            data = sources.reports.get(ref.path)
            if ref.path.endswith(".json") and data is not None:
                for gate, values in gate_metrics(data).items():
                    out.setdefault(entry.change.version, {}).setdefault(gate, {}).update(values)
    for version, values in sources.production.get(model, {}).items():
        out.setdefault(version, {})[metrics.MONITOR_SERIES] = dict(values)
    return out


@dataclass(frozen=True)
class Grouped:
    """What every model page needs from the whole ledger, computed once for the site (not
    once per model: the site's cost stays linear in models x entries)."""

    entries: dict[str, list[LedgerEntry]]  # model -> its entries, in ledger order
    reports: dict[str, list[str]]  # model -> paths under audit/reports/<model>/
    span: metrics.Span | None  # the whole ledger's


def grouped(sources: Sources) -> Grouped:
    entries: dict[str, list[LedgerEntry]] = {}
    for entry in sources.entries:
        entries.setdefault(entry.change.model, []).append(entry)
    reports: dict[str, list[str]] = {}
    for path in sources.reports:
        folder = path.removeprefix("audit/reports/").split("/", 1)
        if path.startswith("audit/reports/") and len(folder) == 2:
            reports.setdefault(folder[0], []).append(path)
    return Grouped(entries, reports, metrics.ledger_span(sources.entries))


def model_view(
    sources: Sources,
    model: Model,
    stages: list[str],
    last_stage: str,
    ledger: Grouped,
    unverified: frozenset[int] = frozenset(),
) -> ModelView:
    name = model.metadata.name
    entries = ledger.entries.get(name, [])
    dora = metrics.dora(
        entries, last_stage=last_stage, registered=sources.registered, span=ledger.span
    )
    spec = model.spec
    claimed = [(v.version, v.metrics) for v in spec.versions]
    found = measured(sources, name, entries)
    measured_versions, rows = metrics.measurements([v for v, _ in claimed], found)
    named = {ref.path for entry in entries for ref in entry.reports}
    return ModelView(
        name=name,
        owner=spec.owner,
        risk_tier=spec.risk_tier,
        task=spec.task.replace("_", " "),
        description=spec.description,
        stages=stage_cells(sources.statuses.get(name), stages, unverified),
        health=health(sources.statuses.get(name)),
        figures=figures(dora, last_stage),
        timeline=tuple(timeline_row(sources, e, "../", unverified) for e in reversed(entries)),
        trends=tuple(metrics.plotted(metrics.trends(claimed, found))),
        measured_versions=measured_versions,
        measurements=tuple(
            (row.gate, row.metric, tuple("—" if v is None else f"{v:.4g}" for v in row.values))
            for row in rows
        ),
        versions=tuple(
            (
                v.version,
                _registered(sources, name, v.version),
                v.description,
                v.deprecated,
            )
            for v in spec.versions
        ),
        unlisted_reports=tuple(
            site_report_path(p)
            for p in ledger.reports.get(name, [])
            if p not in named and not basename(p).startswith(".")
        ),
    )


def _registered(sources: Sources, model: str, version: str) -> str:
    moment = sources.registered.get((model, version))
    return iso_utc(moment) if moment else ""
