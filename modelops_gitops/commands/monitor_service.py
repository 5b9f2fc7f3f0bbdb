"""`monitor`'s service-level check: the serving side's figures for a model, from its pinned
metrics snapshot (verified by sha256 first) or its Prometheus queries, judged by every
`service_level` rule of the policies that govern the stage (monitor/service.py).

A snapshot that is empty, lacks a column, or holds a non-finite or non-boolean value is bad
input, named with its file: figures are never computed from a part of it.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

from modelops_gitops.commands.gate_cli import policy_rules
from modelops_gitops.digest import sha256_bytes
from modelops_gitops.errors import InputError
from modelops_gitops.gates import sources
from modelops_gitops.kinds import Model
from modelops_gitops.kinds.model import Pinned
from modelops_gitops.monitor.prometheus import read_figures
from modelops_gitops.monitor.service import REQUIRED, ServiceLevels, figures, judge
from modelops_gitops.repo.state import RepoState, model_file
from modelops_gitops.repo.tree import read_inside

Columns = dict[str, list[Any]]


def service_of(
    root: Path, state: RepoState, model: Model, stage: str, *, now: datetime
) -> ServiceLevels | None:
    """None when the model declares no service source."""
    service = model.spec.monitoring.service
    if service is None:
        return None
    name = model.metadata.name
    if service.snapshot is not None:
        found = figures(read_snapshot(root, service.snapshot))
        source, digest = service.snapshot.path, service.snapshot.sha256
    else:
        assert service.prometheus is not None  # the kind holds exactly one
        found = read_figures(service.prometheus, at=now, where=model_file(name))
        source, digest = service.prometheus.url, None
    rules = policy_rules(state, "service_level", model, stage)
    outcomes = tuple(judge(rule, policy, found) for policy, rule in rules)
    return ServiceLevels(source, digest, found, outcomes)


def read_snapshot(root: Path, pinned: Pinned) -> Columns:
    """The snapshot's columns, verified and checked."""
    location = pinned.path
    if location.lower().endswith(".json"):
        data = read_inside(root.resolve(), location)
        if (actual := sha256_bytes(data)) != pinned.sha256:
            raise InputError.at(
                location, f"sha256 mismatch: expected {pinned.sha256}, actual {actual}"
            )
        columns = _json_columns(location, data)
    else:
        from modelops_gitops.gates import datasets  # pyarrow: only when a table is read

        sources.verify(location, pinned.sha256, root=root)
        names = datasets.column_names(location, root=root)
        wanted = [*REQUIRED, *(["cost"] if "cost" in names else [])]
        missing = [c for c in REQUIRED if c not in names]
        if missing:
            raise InputError.at(location, f"missing column(s): {', '.join(missing)}")
        frame = datasets.read_frame(location, root=root, columns=wanted)
        columns = {c: frame[c].tolist() for c in wanted}
    return _checked(location, columns)


def _json_columns(location: str, data: bytes) -> Columns:
    try:
        rows = json.loads(data)
    except ValueError as exc:
        raise InputError.at(location, f"not JSON: {exc}") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InputError.at(location, "expected a JSON list of objects, one per prediction")
    names = [*REQUIRED, *(["cost"] if rows and all("cost" in r for r in rows) else [])]
    for number, row in enumerate(rows, start=1):
        missing = [c for c in REQUIRED if c not in row]
        if missing:
            raise InputError.at(location, f"object {number}: missing {', '.join(missing)}")
    return {c: [row[c] for row in rows] for c in names}


def _checked(location: str, columns: Columns) -> Columns:
    if not columns["timestamp"]:
        raise InputError.at(location, "no prediction in the snapshot")
    for name in ("timestamp", "latency_ms", *(["cost"] if "cost" in columns else [])):
        for number, value in enumerate(columns[name], start=1):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InputError.at(location, f"row {number}: {name} is not a number: {value!r}")
            if not math.isfinite(value) or (name != "timestamp" and value < 0):
                raise InputError.at(location, f"row {number}: {name} is {value}")
    for number, value in enumerate(columns["error"], start=1):
        if value not in (True, False):  # 0 and 1 count as booleans
            raise InputError.at(location, f"row {number}: error is not a boolean: {value!r}")
    return columns
