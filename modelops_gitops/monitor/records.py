"""Edge: the latest `monitor` result of each model, kept in this clone's private directory
(`<git dir>/modelops-gitops/monitor/<model>.json`) for `status` to show a model's health,
and every result in order (`<model>.history.jsonl`) for the dashboard's trends.

    save_record(root, MonitorRecord(model="credit", stage="production", ...))
    load_records(root)["credit"].drifted
    load_history(root, "credit")[-1].performance["roc_auc"]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from modelops_gitops.files import write_atomic
from modelops_gitops.repo.workspace import cache_dir

HISTORY_SUFFIX = ".history.jsonl"
MAX_HISTORY = 1000  # results kept per model: years of daily checks
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")  # a model name (a DNS label)


class MonitorRecord(BaseModel):
    """One model's check: its version in `stage`, when, what drifted (`drift_share` None when
    the model has no monitoring snapshot) and how it performed on labelled production data
    (`labelled_snapshot` None when it has none): the metrics there and on its evaluation data,
    and the breached performance checks (`degraded`: any, `blocking`: one that blocks)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = Field(pattern=_NAME.pattern)
    stage: str
    version: str
    checked_at: str  # ISO 8601 UTC, e.g. 2024-07-15T06:17:00Z
    drifted: bool = False
    drift_share: float | None = None
    drifted_features: list[str] = Field(default_factory=list)
    labelled_snapshot: str | None = None
    labelled_date: str | None = None
    performance: dict[str, float] = Field(default_factory=dict)
    evaluation: dict[str, float] = Field(default_factory=dict)
    service: dict[str, float] = Field(default_factory=dict)  # latency, error rate, ...
    service_source: str | None = None  # the metrics snapshot or the Prometheus URL
    breaches: list[str] = Field(default_factory=list)
    degraded: bool = False
    blocking: bool = False
    issue_url: str | None = None
    rollback_branch: str | None = None  # the rollback proposed for a breach (its branch)
    rollback_url: str | None = None  # ... and its pull request, when opened on GitHub


def monitor_dir(root: Path) -> Path | None:
    found = cache_dir(root)
    return found / "monitor" if found is not None else None


def save_record(root: Path, record: MonitorRecord) -> Path | None:
    """Replace the model's record; None (nothing kept) outside a git repository."""
    folder = monitor_dir(root)
    if folder is None:
        return None
    path = folder / f"{record.model}.json"
    history = folder / f"{record.model}{HISTORY_SUFFIX}"
    line = record.model_dump_json() + "\n"
    try:
        kept = history.read_bytes().decode("utf-8", "replace").splitlines(keepends=True)
    except FileNotFoundError:
        kept = []
    kept = [*kept[-(MAX_HISTORY - 1) :], line]
    write_atomic(history, "".join(kept).encode())
    write_atomic(path, (record.model_dump_json(indent=2) + "\n").encode())
    return path


def load_history(root: Path, model: str) -> list[MonitorRecord]:
    """The model's results, oldest first (the last MAX_HISTORY); unreadable lines skipped."""
    return load_histories(root, [model])[model]


def load_histories(root: Path, models: Iterable[str]) -> dict[str, list[MonitorRecord]]:
    """`load_history` of each of `models`, finding this clone's private directory once (one
    git process, however many models)."""
    folder = monitor_dir(root)
    return {model: _history(folder, model) for model in models}


def _history(folder: Path | None, model: str) -> list[MonitorRecord]:
    if folder is None or not _NAME.match(model):
        return []
    try:
        lines = (folder / f"{model}{HISTORY_SUFFIX}").read_bytes().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        try:
            record = MonitorRecord.model_validate_json(line)
        except ValidationError:
            continue
        if record.model == model:
            found.append(record)
    return found


def load_records(root: Path) -> dict[str, MonitorRecord]:
    """Every model's latest record; unreadable or foreign files are skipped (a cache)."""
    folder = monitor_dir(root)
    if folder is None or not folder.is_dir():
        return {}
    found: dict[str, MonitorRecord] = {}
    for path in sorted(folder.glob("*.json")):
        try:
            record = MonitorRecord.model_validate_json(path.read_bytes())
        except (OSError, ValidationError):
            continue
        if path.stem == record.model:
            found[record.model] = record
    return found
