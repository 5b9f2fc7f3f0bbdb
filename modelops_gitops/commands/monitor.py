"""`monitor`: the drift gate on each model's production version (or `--stage`), training
data vs its monitoring snapshot, with the settings plan would use; one GitHub issue per
drifting model (opened, or the open one updated: never a duplicate), closed when the drift
is gone. The latest result per model is kept for `status` (monitor_state).

    check  (every model: read and judge; any bad input -> exit 2, nothing written)
      -> GitHub issues (unless --no-github or no repository is configured)
      -> records -> output (text table or JSON); exit 1 when a model drifts
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from modelops_gitops.commands.gate_cli import model_drift_inputs
from modelops_gitops.errors import EXIT_OK, EXIT_VIOLATION, GateInputError, InputError
from modelops_gitops.gates.drift.render import render_json, render_text
from modelops_gitops.gates.drift.report import DriftReport, summary_line
from modelops_gitops.kinds import Model
from modelops_gitops.monitor.records import MonitorRecord, save_record
from modelops_gitops.problems import Problem
from modelops_gitops.render.markdown_parts import code, escape, link, number, table
from modelops_gitops.repo.state import RepoState, load_state
from modelops_gitops.repo.tree import WorkTree
from modelops_gitops.suggest import did_you_mean

if TYPE_CHECKING:
    from modelops_gitops.github.types import MonitorIssue

JSON_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Checked:
    """One model's version in the stage, judged on its monitoring snapshot."""

    model: str
    stage: str
    version: str
    report: DriftReport

    @property
    def drifted_features(self) -> list[str]:
        return [f.name for f in self.report.features if f.drifted]


@dataclass(frozen=True)
class Skipped:
    model: str
    reason: str


def run(
    root: Path,
    *,
    stage: str,
    github: bool,
    report_url: str | None,
    fmt: str,
    now: datetime | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    env = os.environ if environ is None else environ
    from modelops_gitops.github import settings

    state = load_state(WorkTree(root))
    checked, skipped = check_models(root, state, stage)
    if not checked:
        why = "; ".join(f"{item.model}: {item.reason}" for item in skipped) or "no model holds it"
        raise InputError(
            f"monitor: nothing to check in stage {stage!r} ({why}); declare a monitoring "
            "snapshot in a model's spec.monitoring.current"
        )
    repository = settings.repository_of(settings.repository_settings(root), env) if github else None
    url = report_url or settings.run_url(env)
    issues: dict[str, str | None] = {}
    notes: list[str] = []
    if repository is None:
        why = "no GitHub repository configured" if github else "--no-github"
        notes.append(f"{why}: issues not touched")
    else:
        if not env.get("GITHUB_TOKEN", "").strip():
            raise InputError(
                f"monitor: GITHUB_TOKEN is not set; it is needed to open drift issues on "
                f"{repository} (or pass --no-github)"
            )
        with settings.connect(root, "monitor", env) as provider:
            for item in checked:
                issue: MonitorIssue | None
                if item.report.dataset_drift:
                    issue = provider.report_drift(
                        item.model,
                        title=issue_title(item),
                        body=drift_body(item, url),
                        report_url=url,
                    )
                else:
                    issue = provider.resolve_drift(item.model, body=resolved_body(item, url))
                if issue is not None:
                    issues[item.model] = issue.html_url
                    notes.append(f"{item.model}: issue {issue.action}: {issue.html_url}")
    moment = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    records = [record_of(item, moment, issues.get(item.model)) for item in checked]
    for record in records:
        save_record(root, record)
    text = render(fmt, checked, skipped, records)
    typer.echo(text, nl=not text.endswith("\n"))
    for line in notes:
        typer.echo(line, err=True)
    return EXIT_VIOLATION if any(item.report.dataset_drift for item in checked) else EXIT_OK


def check_models(root: Path, state: RepoState, stage: str) -> tuple[list[Checked], list[Skipped]]:
    """The drift gate on every model holding a version in `stage` that has monitoring data;
    all problems (missing file, sha256 mismatch, missing column) raised together."""
    if state.lifecycle is not None and stage not in state.lifecycle.spec.stage_names():
        hint = did_you_mean(stage, state.lifecycle.spec.stage_names())
        raise InputError(f"--stage: no stage {stage!r} in the lifecycle{hint}")
    checked: list[Checked] = []
    skipped: list[Skipped] = []
    problems: list[Problem] = []
    for name, model in sorted(state.models.items()):
        version = model.spec.stages.get(stage)
        if version is None:
            continue
        if model.spec.monitoring.current is None:
            skipped.append(Skipped(name, "no spec.monitoring.current"))
            continue
        try:
            report = drift_of(root, state, model, version, stage)
        except GateInputError as exc:
            problems += exc.problems
            continue
        checked.append(Checked(name, stage, version, report))
    if problems:
        raise InputError(problems)
    return checked, skipped


def drift_of(root: Path, state: RepoState, model: Model, version: str, stage: str) -> DriftReport:
    """Training data of `version` vs the monitoring snapshot, with the settings of the policy
    drift rule governing the stage (as `gate drift MODEL VERSION` and plan use)."""
    from modelops_gitops.gates.drift.run import run_drift  # pandas/scipy: only when used

    reference, ref_sha, current, cur_sha, config = model_drift_inputs(state, model, version, stage)
    return run_drift(
        reference,
        current,
        config,
        reference_sha256=ref_sha,
        current_sha256=cur_sha,
        root=root,
    )


def record_of(item: Checked, checked_at: str, issue_url: str | None) -> MonitorRecord:
    return MonitorRecord(
        model=item.model,
        stage=item.stage,
        version=item.version,
        checked_at=checked_at,
        drifted=item.report.dataset_drift,
        drift_share=item.report.share,
        drifted_features=item.drifted_features,
        issue_url=issue_url,
    )


def issue_title(item: Checked) -> str:
    return f"Drift: {item.model} {item.version} in {item.stage}"


def drift_body(item: Checked, report_url: str | None) -> str:
    head = f"## Data drift in {code(item.model)} {code(item.version)} ({escape(item.stage)})"
    return _body(head, item, report_url)


def resolved_body(item: Checked, report_url: str | None) -> str:
    head = f"## No data drift in {code(item.model)} {code(item.version)} any more"
    return _body(head, item, report_url)


def _body(head: str, item: Checked, report_url: str | None) -> str:
    report = item.report
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
    parts = [
        head,
        f"**{escape(summary_line(report))}**",
        f"Training data → monitoring snapshot: {inputs}",
        table(header, rows, "lllrlcr"),
    ]
    if report_url:
        parts.append(link("Full report (the workflow run)", report_url))
    parts.append(
        "<sub>Kept by `modelops-gitops monitor`: updated on every run while the drift lasts, "
        "closed when it is gone.</sub>"
    )
    return "\n\n".join(parts) + "\n"


def render(
    fmt: str, checked: list[Checked], skipped: list[Skipped], records: list[MonitorRecord]
) -> str:
    if fmt == "json":
        body: dict[str, Any] = {
            "schema_version": JSON_SCHEMA_VERSION,
            "models": [
                {**record.model_dump(), "report": json.loads(render_json(item.report))}
                for item, record in zip(checked, records, strict=True)
            ],
            "skipped": [{"model": s.model, "reason": s.reason} for s in skipped],
            "drifted": sorted(r.model for r in records if r.drifted),
        }
        return json.dumps(body, indent=2, allow_nan=False) + "\n"
    blocks = [
        f"{item.model} {item.version} ({item.stage})\n{render_text(item.report)}"
        for item in checked
    ]
    blocks += [f"{s.model}: skipped: {s.reason}" for s in skipped]
    if not blocks:
        blocks.append("no model to monitor")
    drifted = [r.model for r in records if r.drifted]
    verdict = f"monitor: drift in {', '.join(drifted)}" if drifted else "monitor: no drift"
    return "\n".join(blocks) + f"\n{verdict}\n"
