"""Edge: the latest `monitor` result of each model, kept in this clone's private directory
(`<git dir>/modelops-gitops/monitor/<model>.json`) for `status` to show a model's health.

    save_record(root, MonitorRecord(model="credit", stage="production", ...))
    load_records(root)["credit"].drifted
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from modelops_gitops.files import write_atomic
from modelops_gitops.repo.workspace import cache_dir

_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")  # a model name (a DNS label)


class MonitorRecord(BaseModel):
    """One model's latest drift check: its version in `stage`, when, and what drifted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = Field(pattern=_NAME.pattern)
    stage: str
    version: str
    checked_at: str  # ISO 8601 UTC, e.g. 2024-07-15T06:17:00Z
    drifted: bool
    drift_share: float
    drifted_features: list[str] = Field(default_factory=list)
    issue_url: str | None = None


def monitor_dir(root: Path) -> Path | None:
    found = cache_dir(root)
    return found / "monitor" if found is not None else None


def save_record(root: Path, record: MonitorRecord) -> Path | None:
    """Replace the model's record; None (nothing kept) outside a git repository."""
    folder = monitor_dir(root)
    if folder is None:
        return None
    path = folder / f"{record.model}.json"
    write_atomic(path, (record.model_dump_json(indent=2) + "\n").encode())
    return path


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
