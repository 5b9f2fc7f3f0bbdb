"""What `monitor` found per model (`Checked`, `Skipped`) and how it is told: the issue's
title and body (markdown), the terminal table and the JSON document."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelops_gitops.monitor.performance import Performance
from modelops_gitops.monitor.records import MonitorRecord
from modelops_gitops.monitor.service import ServiceLevels
from modelops_gitops.render.markdown_parts import code, escape, link, number, table

if TYPE_CHECKING:
    from modelops_gitops.gates.drift.report import DriftReport

JSON_SCHEMA_VERSION = 2  # 2: performance on labelled data; `report` null without drift data


@dataclass(frozen=True)
class Checked:
    """One model's version in the stage: drift on its monitoring snapshot (None without one),
    performance on its labelled snapshot (None without one)."""

    model: str
    stage: str
    version: str
    report: DriftReport | None
    performance: Performance | None = None
    notes: tuple[str, ...] = ()
    service: ServiceLevels | None = None

    @property
    def drifted(self) -> bool:
        return self.report is not None and self.report.dataset_drift

    @property
    def breaches(self) -> list[str]:
        """Every breached performance and service-level check, `policy/rule: message`."""
        found = self.performance.breaches if self.performance else []
        return found + (self.service.breaches if self.service else [])

    @property
    def degraded(self) -> bool:
        return bool(self.breaches)

    @property
    def blocking(self) -> bool:
        judged = (self.performance, self.service)
        return self.drifted or any(part is not None and part.blocking for part in judged)

    @property
    def propose_rollback(self) -> bool:
        judged = (self.performance, self.service)
        return any(part is not None and part.propose_rollback for part in judged)

    @property
    def drifted_features(self) -> list[str]:
        return [f.name for f in self.report.features if f.drifted] if self.report else []


@dataclass(frozen=True)
class Skipped:
    model: str
    reason: str


def issue_title(item: Checked) -> str:
    what = " and ".join(
        word for word, on in (("Drift", item.drifted), ("Performance", item.degraded)) if on
    )
    return f"{what or 'Monitor'}: {item.model} {item.version} in {item.stage}"


def alert_body(item: Checked, report_url: str | None) -> str:
    where = f"{code(item.model)} {code(item.version)} ({escape(item.stage)})"
    heads = []
    if item.drifted:
        heads.append(f"## Data drift in {where}")
    if item.degraded:
        heads.append(f"## Performance degraded in {where}")
    return _body("\n\n".join(heads), item, report_url)


def resolved_body(item: Checked, report_url: str | None) -> str:
    head = f"## No data drift or performance breach in {code(item.model)} {code(item.version)} any more"
    return _body(head, item, report_url)


def _body(head: str, item: Checked, report_url: str | None) -> str:
    parts = [head]
    if item.report is not None:
        parts += drift_section(item.report)
    if item.performance is not None:
        parts += performance_section(item.performance)
    if item.service is not None:
        parts += service_section(item.service)
    if report_url:
        parts.append(link("Full report (the workflow run)", report_url))
    parts.append(
        "<sub>Kept by `modelops-gitops monitor`: updated on every run while the drift or the "
        "breach lasts, closed when it is gone.</sub>"
    )
    return "\n\n".join(parts) + "\n"


def drift_section(report: DriftReport) -> list[str]:
    from modelops_gitops.gates.drift.report import summary_line

    inputs = " → ".join(
        f"{code(location)}" + (f" (sha256 {code(digest[:12])})" if digest else "")
        for location, digest in (
            (report.reference, report.reference_sha256),
            (report.current, report.current_sha256),
        )
    )
    rows = [
        [
            code(f.name),
            escape(f.type),
            escape(f.test),
            number(f.statistic),
            escape(f.drift_rule),
            "**drift**" if f.drifted else "—",
            number(f.psi),
        ]
        for f in report.features
    ]
    header = ["Feature", "Type", "Test", "Statistic", "Drift when", "Drifted", "PSI"]
    return [
        f"**{escape(summary_line(report))}**",
        f"Training data → monitoring snapshot: {inputs}",
        table(header, rows, "lllrlcr"),
    ]


def performance_section(found: Performance) -> list[str]:
    dated = f", labels of {found.date}" if found.date else ""
    parts = [
        f"Labelled production snapshot: {code(found.snapshot)} (sha256 "
        f"{code(found.sha256[:12])}, {found.rows} rows{dated}), scored with the test gate's "
        "scorer and compared with the same version on its evaluation data."
    ]
    rows = [
        [
            escape(outcome.rule),
            code(check.metric),
            _num(check.evaluation),
            _num(check.production),
            _num(check.degradation),
            "—" if check.relative is None else f"{check.relative:.1%}",
            ("**breach**" if check.breached else "ok")
            + (" (warn)" if check.breached and outcome.enforcement == "warn" else ""),
        ]
        for outcome in found.outcomes
        for check in outcome.checks
    ]
    if rows:
        header = ["Rule", "Metric", "Evaluation", "Production", "Degradation", "Relative", ""]
        parts.append(table(header, rows, "llrrrrc"))
    else:
        parts.append("No performance rule governs this stage: figures recorded, nothing judged.")
    return parts


def service_section(found: ServiceLevels) -> list[str]:
    pinned = f" (sha256 {code(found.sha256[:12])})" if found.sha256 else ""
    parts = [f"Service levels from {code(found.source)}{pinned}."]
    rows = [
        [
            escape(outcome.rule),
            code(check.metric),
            _num(check.production),
            _num(check.evaluation),
            ("**breach**" if check.breached else "ok")
            + (" (warn)" if check.breached and outcome.enforcement == "warn" else ""),
        ]
        for outcome in found.outcomes
        for check in outcome.checks
    ]
    if rows:
        parts.append(table(["Rule", "Figure", "Value", "Limit", ""], rows, "llrrc"))
    figures = ", ".join(f"{name} {number(value)}" for name, value in sorted(found.figures.items()))
    parts.append(f"Figures: {figures}.")
    return parts


def _num(value: float | None) -> str:
    return "—" if value is None else number(value)


def render(
    fmt: str,
    checked: list[Checked],
    skipped: list[Skipped],
    records: list[MonitorRecord],
    rollbacks: Mapping[str, tuple[dict[str, str | None], str]] | None = None,
) -> str:
    """`rollbacks`: model -> (the proposal as JSON, as text)."""
    rollbacks = rollbacks or {}
    from modelops_gitops.gates.drift.render import render_json, render_text

    if fmt == "json":
        body: dict[str, Any] = {
            "schema_version": JSON_SCHEMA_VERSION,
            "models": [
                {
                    **record.model_dump(),
                    "report": json.loads(render_json(item.report)) if item.report else None,
                    "notes": list(item.notes),
                    "rollback": rollbacks[item.model][0] if item.model in rollbacks else None,
                }
                for item, record in zip(checked, records, strict=True)
            ],
            "skipped": [{"model": s.model, "reason": s.reason} for s in skipped],
            "drifted": sorted(r.model for r in records if r.drifted),
            "degraded": sorted(r.model for r in records if r.degraded),
        }
        return json.dumps(body, indent=2, allow_nan=False) + "\n"
    blocks = []
    for item in checked:
        block = f"{item.model} {item.version} ({item.stage})\n"
        if item.report is not None:
            block += render_text(item.report)
        if item.performance is not None:
            block += performance_text(item.performance) + "\n"
        if item.service is not None:
            block += service_text(item.service) + "\n"
        block += "".join(f"note: {note}\n" for note in item.notes)
        block += rollbacks[item.model][1] if item.model in rollbacks else ""
        blocks.append(block)
    blocks += [f"{s.model}: skipped: {s.reason}" for s in skipped]
    if not blocks:
        blocks.append("no model to monitor")
    return "\n".join(blocks) + f"\n{verdict(records)}\n"


def verdict(records: list[MonitorRecord]) -> str:
    drifted = [r.model for r in records if r.drifted]
    degraded = [r.model for r in records if r.degraded]
    said = []
    if drifted:
        said.append(f"drift in {', '.join(drifted)}")
    if degraded:
        said.append(f"breach in {', '.join(degraded)}")
    if not said:
        said.append(
            "no drift"
            + (", no performance breach" if any(r.labelled_snapshot for r in records) else "")
        )
    return "monitor: " + "; ".join(said)


def performance_text(found: Performance) -> str:
    dated = f" ({found.date})" if found.date else ""
    lines = [f"performance on {found.snapshot}{dated}, {found.rows} rows:"]
    lines.append(f"  {'metric':<10} {'evaluation':>10} {'production':>10}")
    for metric in sorted(set(found.evaluation) | set(found.production)):
        before, after = found.evaluation.get(metric), found.production.get(metric)
        lines.append(f"  {metric:<10} {_fixed(before):>10} {_fixed(after):>10}")
    for outcome in found.outcomes:
        for check in outcome.checks:
            mark = "BREACH" if check.breached else "ok"
            if check.breached and outcome.enforcement == "warn":
                mark = "breach (warn)"
            lines.append(f"  {outcome.rule}: {mark}: {check.message}")
    return "\n".join(lines)


def service_text(found: ServiceLevels) -> str:
    lines = [f"service levels from {found.source}:"]
    lines += [f"  {name:<15} {value:>12.6g}" for name, value in sorted(found.figures.items())]
    for outcome in found.outcomes:
        for check in outcome.checks:
            mark = "BREACH" if check.breached else "ok"
            if check.breached and outcome.enforcement == "warn":
                mark = "breach (warn)"
            lines.append(f"  {outcome.rule}: {mark}: {check.message}")
    return "\n".join(lines)


def _fixed(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"
