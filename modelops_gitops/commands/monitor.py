"""`monitor`: each model's production version (or `--stage`) watched on what production
sends back. Drift: the drift gate, training data vs the monitoring snapshot, with the
settings plan would use. Performance: the version scored on its latest labelled snapshot
with the test gate's scorer, judged by the `performance` rules (monitor_performance.py).
One GitHub issue per model in trouble (opened, or the open one updated: never a duplicate),
closed when the drift and the breach are gone. The result per model is kept for `status`
and the dashboard (monitor/records.py).

    check  (every model: read and judge; any bad input -> exit 2, nothing written)
      -> GitHub issues (unless --no-github or no repository is configured)
      -> records -> output (text table or JSON); exit 1 on drift or a blocking breach
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from modelops_gitops.commands.gate_cli import model_drift_inputs, policy_rules
from modelops_gitops.commands.monitor_performance import performance_of
from modelops_gitops.commands.monitor_report import (
    Checked,
    Skipped,
    alert_body,
    issue_title,
    render,
    resolved_body,
)
from modelops_gitops.errors import EXIT_OK, EXIT_VIOLATION, InputError
from modelops_gitops.kinds import Model
from modelops_gitops.monitor.records import MonitorRecord, save_record
from modelops_gitops.problems import Problem
from modelops_gitops.repo.state import RepoState, load_state
from modelops_gitops.repo.tree import WorkTree
from modelops_gitops.suggest import did_you_mean

if TYPE_CHECKING:
    from modelops_gitops.gates.drift.report import DriftReport
    from modelops_gitops.github.types import MonitorIssue

PERFORMANCE_LABEL = "performance"


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
            "snapshot (spec.monitoring.current) or labelled snapshots (spec.monitoring.labelled)"
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
        from modelops_gitops.github.monitor import DRIFT_LABEL

        with settings.connect(root, "monitor", env) as provider:
            for item in checked:
                issue: MonitorIssue | None
                if item.drifted or item.degraded:
                    labels = [DRIFT_LABEL] if item.drifted else []
                    labels += [PERFORMANCE_LABEL] if item.degraded else []
                    issue = provider.report_drift(
                        item.model,
                        title=issue_title(item),
                        body=alert_body(item, url),
                        labels=labels,
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
    return EXIT_VIOLATION if any(item.blocking for item in checked) else EXIT_OK


def check_models(root: Path, state: RepoState, stage: str) -> tuple[list[Checked], list[Skipped]]:
    """Drift and performance of every model holding a version in `stage` that has monitoring
    or labelled data; all problems (missing file, sha256 mismatch, missing column) raised
    together."""
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
        watched = model.spec.monitoring
        if watched.current is None and not watched.labelled and watched.labelled_folder is None:
            skipped.append(Skipped(name, "no spec.monitoring.current or labelled snapshot"))
            continue
        try:
            report = drift_of(root, state, model, version, stage) if watched.current else None
            performance = performance_of(root, state, model, version, stage)
        except InputError as exc:
            problems += exc.problems
            continue
        notes = []
        if performance is None and policy_rules(state, "performance", model, stage):
            notes.append("performance rules govern this stage but no labelled snapshot is pinned")
        checked.append(Checked(name, stage, version, report, performance, tuple(notes)))
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
    found = item.performance
    return MonitorRecord(
        model=item.model,
        stage=item.stage,
        version=item.version,
        checked_at=checked_at,
        drifted=item.drifted,
        drift_share=item.report.share if item.report else None,
        drifted_features=item.drifted_features,
        labelled_snapshot=found.snapshot if found else None,
        labelled_date=found.date if found else None,
        performance=found.production if found else {},
        evaluation=found.evaluation if found else {},
        breaches=found.breaches if found else [],
        degraded=item.degraded,
        blocking=bool(found and found.blocking),
        issue_url=issue_url,
    )
