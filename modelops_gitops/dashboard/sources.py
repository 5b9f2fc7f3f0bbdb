"""Edge: everything the dashboard shows, read once from the repository and its git history.

The documents and the audit files come from the work tree (as an auditor sees them); commit
times and provenance come from git (HEAD's first-parent history), never from the clock, so
the same repository gives the same dashboard.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from modelops_gitops import git
from modelops_gitops.audit.ledger import LEDGER_PATH, REPORTS_DIR, LedgerEntry, parse_ledger
from modelops_gitops.audit.provenance import introductions
from modelops_gitops.audit.replay import AppliedState, differences, replay
from modelops_gitops.audit.sync import ModelStatus, StatusInputs, model_statuses
from modelops_gitops.errors import InputError
from modelops_gitops.monitor.records import MonitorRecord, load_histories, load_records
from modelops_gitops.repo.model_files import ModelFiles
from modelops_gitops.repo.state import RepoState, load_repository, model_file
from modelops_gitops.repo.tree import read_inside
from modelops_gitops.repo.workspace import cache_dir
from modelops_gitops.times import iso_utc


@dataclass(frozen=True)
class Sources:
    state: RepoState
    head: str
    head_time: str  # ISO 8601 UTC
    entries: list[LedgerEntry]
    applied: AppliedState
    reports: dict[str, bytes]  # repo-relative path under audit/reports/ -> bytes
    registered: dict[tuple[str, str], datetime]  # (model, version) -> registration time
    statuses: dict[str, ModelStatus]  # sync and health per model, as `status` shows them
    production: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    # model -> version -> metric on labelled production data or service figure (`monitor`)


def desired_stages(state: RepoState) -> dict[str, dict[str, str]]:
    """model -> stage -> version, as `spec.stages` of every model asks."""
    return {name: dict(model.spec.stages) for name, model in state.models.items()}


def gather(root: Path) -> Sources:
    """Read the repository at `root` (a git work tree with at least one commit)."""
    root = root.resolve()
    head = git.head_commit(root)
    if head is None:
        raise InputError.at(
            str(root), "not a git repository with a commit (the dashboard reads git history)"
        )
    state = load_repository(root)
    entries = read_ledger(root)
    applied = replay(entries)
    head_time = git.commit_time(root, head)
    desired = desired_stages(state)
    history = git.LocalHistory(root)
    files = ModelFiles(history, head, cache=cache_dir(root))  # one pass for both questions
    inputs = StatusInputs(
        desired=desired,
        applied=applied,
        intro_of=introductions(history, head, differences(applied, desired), files=files),
        records=load_records(root),
        waivers=list(state.waivers.values()),
        today=head_time.date(),  # waivers expire relative to the commit, not the clock
        stage_order=state.lifecycle.spec.stage_names() if state.lifecycle else (),
        files={name: state.file_of("Model", name) for name in state.models},
    )
    statuses = model_statuses(inputs, sorted(set(state.models) | set(applied)))
    return Sources(
        state=state,
        head=head,
        head_time=iso_utc(head_time),
        entries=entries,
        applied=applied,
        reports=read_reports(root),
        registered=registered_at(files, sorted({e.change.model for e in entries})),
        statuses={status.model: status for status in statuses},
        production={
            name: production_metrics(history)
            for name, history in load_histories(root, sorted(state.models)).items()
        },
    )


def production_metrics(history: list[MonitorRecord]) -> dict[str, dict[str, float]]:
    """version -> metric on labelled production data and service figure, from a model's
    monitor `history` (this clone's): a later check of a version replaces an earlier one."""
    out: dict[str, dict[str, float]] = {}
    for record in history:
        if record.performance or record.service:
            out[record.version] = {**record.performance, **record.service}
    return out


def read_ledger(root: Path) -> list[LedgerEntry]:
    """The work tree's ledger; no file is an empty ledger."""
    if not os.path.lexists(root / LEDGER_PATH):
        return []
    return parse_ledger(read_inside(root, LEDGER_PATH))


def read_reports(root: Path) -> dict[str, bytes]:
    """Every file under audit/reports/, by repo-relative path. A symlink or other non-regular
    entry there is refused (only `apply` writes there, and it writes regular files)."""
    top = root / REPORTS_DIR
    found: dict[str, bytes] = {}
    if not os.path.lexists(top):
        return found
    for folder, dirs, files in os.walk(top):
        for name in sorted([*dirs, *files]):
            full = Path(folder, name)
            rel = full.relative_to(root).as_posix()
            mode = os.lstat(full).st_mode
            if stat.S_ISDIR(mode):
                continue
            if not stat.S_ISREG(mode):
                raise InputError.at(rel, "not a regular file (symlink?): refusing to copy it")
            found[rel] = full.read_bytes()
    return dict(sorted(found.items()))


def registered_at(files: ModelFiles, models: list[str]) -> dict[tuple[str, str], datetime]:
    """When each version of `models` was registered (`ModelFiles.registrations`)."""
    files.prefetch(model_file(model) for model in models)
    files.save()
    return {
        (model, version): when
        for model in models
        for version, (_, when) in files.registrations(model_file(model)).items()
    }


def gate_metrics(report: bytes) -> dict[str, dict[str, float]]:
    """gate -> metric -> value from a JSON audit report: every gate result found under its
    evidence's findings. A report that is not such JSON gives nothing."""
    try:
        data = json.loads(report)
    except ValueError:
        return {}
    out: dict[str, dict[str, float]] = {}
    for finding in _findings(data):
        gate = finding.get("gate")
        if not isinstance(gate, dict) or not isinstance(gate.get("gate"), str):
            continue
        metrics = gate.get("metrics")
        if isinstance(metrics, Mapping):
            values = out.setdefault(gate["gate"], {})
            for name, value in metrics.items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    values[str(name)] = float(value)
    return out


def _findings(data: Any) -> list[dict[str, Any]]:
    evidence = data.get("evidence") if isinstance(data, dict) else None
    findings = evidence.get("findings") if isinstance(evidence, dict) else None
    return [f for f in findings if isinstance(f, dict)] if isinstance(findings, list) else []
