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
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from modelops_gitops import git
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
from modelops_gitops.commands.monitor_rollback import (
    Rollback,
    as_json,
    as_text,
    branch_of,
    prepare,
    with_issue,
    withdrawn_body,
)
from modelops_gitops.commands.monitor_service import service_of
from modelops_gitops.errors import EXIT_OK, EXIT_VIOLATION, InputError
from modelops_gitops.kinds import Model
from modelops_gitops.monitor.records import MonitorRecord, save_record
from modelops_gitops.problems import Problem
from modelops_gitops.repo.state import RepoState, load_state
from modelops_gitops.repo.tree import WorkTree
from modelops_gitops.suggest import did_you_mean

if TYPE_CHECKING:
    from modelops_gitops.gates.drift.report import DriftReport
    from modelops_gitops.github.provider import GitHubProvider
    from modelops_gitops.github.types import MonitorIssue

PERFORMANCE_LABEL = "performance"


def run(
    root: Path,
    *,
    stage: str,
    github: bool,
    report_url: str | None,
    fmt: str,
    remote: str = "origin",
    now: datetime | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    env = os.environ if environ is None else environ
    from modelops_gitops.github import settings

    state = load_state(WorkTree(root))
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    checked, skipped = check_models(root, state, stage, moment)
    if not checked:
        why = "; ".join(f"{item.model}: {item.reason}" for item in skipped) or "no model holds it"
        raise InputError(
            f"monitor: nothing to check in stage {stage!r} ({why}); declare a monitoring "
            "snapshot (spec.monitoring.current) or labelled snapshots (spec.monitoring.labelled)"
        )
    repository = settings.repository_of(settings.repository_settings(root), env) if github else None
    url = report_url or settings.run_url(env)
    notes: list[str] = []
    rollbacks = prepare_rollbacks(root, state, checked, notes)
    issues: dict[str, str | None] = {}
    if repository is None:
        why = "no GitHub repository configured" if github else "--no-github"
        notes.append(
            f"{why}: issues not touched"
            + (", rollbacks left as local branches" if rollbacks else "")
        )
        rollbacks = {m: with_issue(r, by_model(checked, m), None) for m, r in rollbacks.items()}
        for rollback in rollbacks.values():
            git.set_branch(root, rollback.branch, rollback.commit)
    else:
        if not env.get("GITHUB_TOKEN", "").strip():
            raise InputError(
                f"monitor: GITHUB_TOKEN is not set; it is needed to open drift issues on "
                f"{repository} (or pass --no-github)"
            )
        if rollbacks and not git.remote_exists(root, remote):
            raise InputError(f"--remote: no remote named {remote!r} to push rollback branches to")
        with settings.connect(root, "monitor", env) as provider:
            issues = report_issues(provider, checked, url, notes)
            rollbacks = open_rollbacks(
                root, provider, state, checked, rollbacks, issues, remote, notes
            )
    checked_at = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    records = [
        record_of(item, checked_at, issues.get(item.model), rollbacks.get(item.model))
        for item in checked
    ]
    for record in records:
        save_record(root, record)
    shown = {m: (as_json(r), as_text(r)) for m, r in rollbacks.items()}
    text = render(fmt, checked, skipped, records, shown)
    typer.echo(text, nl=not text.endswith("\n"))
    for line in notes:
        typer.echo(line, err=True)
    return EXIT_VIOLATION if any(item.blocking for item in checked) else EXIT_OK


def by_model(checked: list[Checked], model: str) -> Checked:
    return next(item for item in checked if item.model == model)


def prepare_rollbacks(
    root: Path, state: RepoState, checked: list[Checked], notes: list[str]
) -> dict[str, Rollback]:
    """The rollback proposal of every model whose breach asks for one (commits made, no
    branch moved)."""
    out: dict[str, Rollback] = {}
    for item in checked:
        if not item.propose_rollback:
            continue
        found = prepare(root, state, item)
        if isinstance(found, str):
            notes.append(f"{item.model}: {found}")
        else:
            out[item.model] = found
    return out


def report_issues(
    provider: GitHubProvider, checked: list[Checked], url: str | None, notes: list[str]
) -> dict[str, str | None]:
    """One issue per model in trouble (opened or updated); closed for models that are well."""
    from modelops_gitops.github.monitor import DRIFT_LABEL

    issues: dict[str, str | None] = {}
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
    return issues


def open_rollbacks(
    root: Path,
    provider: GitHubProvider,
    state: RepoState,
    checked: list[Checked],
    rollbacks: dict[str, Rollback],
    issues: Mapping[str, str | None],
    remote: str,
    notes: list[str],
) -> dict[str, Rollback]:
    """Push each proposal's branch and open (or update) its pull request; withdraw the
    proposals of models whose performance is within their rules again."""
    base = state.spec.default_branch
    out: dict[str, Rollback] = {}
    for item in checked:
        rollback = rollbacks.get(item.model)
        if rollback is None:
            judged = item.performance is not None or item.service is not None
            if judged and not item.breaches:
                branch = branch_of(item.model, item.stage, item.version)
                body = withdrawn_body(item.model, item.stage, item.version)
                closed = provider.withdraw_rollback(branch, body=body)
                if closed is not None:
                    notes.append(f"{item.model}: rollback pull request closed: {closed.html_url}")
            continue
        rollback = with_issue(rollback, item, issues.get(item.model))
        git.set_branch(root, rollback.branch, rollback.commit)
        git.push_branch(root, remote, rollback.branch, rollback.commit)
        pull = provider.propose_rollback(
            rollback.branch, base, title=rollback.title, body=rollback.body
        )
        out[item.model] = replace(rollback, url=pull.html_url, action=pull.action)
        notes.append(f"{item.model}: rollback pull request {pull.action}: {pull.html_url}")
    return out


def check_models(
    root: Path, state: RepoState, stage: str, now: datetime
) -> tuple[list[Checked], list[Skipped]]:
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
        if not (watched.current or watched.labelled or watched.labelled_folder or watched.service):
            skipped.append(Skipped(name, "nothing to monitor in spec.monitoring"))
            continue
        try:
            report = drift_of(root, state, model, version, stage) if watched.current else None
            performance = performance_of(root, state, model, version, stage)
            service = service_of(root, state, model, stage, now=now)
        except InputError as exc:
            problems += exc.problems
            continue
        notes = []
        if performance is None and policy_rules(state, "performance", model, stage):
            notes.append("performance rules govern this stage but no labelled snapshot is pinned")
        if service is None and policy_rules(state, "service_level", model, stage):
            notes.append("service-level rules govern this stage but no service source is declared")
        checked.append(Checked(name, stage, version, report, performance, tuple(notes), service))
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


def record_of(
    item: Checked, checked_at: str, issue_url: str | None, rollback: Rollback | None
) -> MonitorRecord:
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
        service=item.service.figures if item.service else {},
        service_source=item.service.source if item.service else None,
        breaches=item.breaches,
        degraded=item.degraded,
        blocking=any(part is not None and part.blocking for part in (found, item.service)),
        issue_url=issue_url,
        rollback_branch=rollback.branch if rollback else None,
        rollback_url=rollback.url if rollback else None,
    )
