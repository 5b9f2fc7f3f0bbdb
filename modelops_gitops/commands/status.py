"""`status [MODEL]`: per model and stage, sync (desired vs applied) and health (monitor,
waivers); with `--live`, the deploy targets compared with the ledger (status_live.py). A view:
exit 0 unless the input is bad, or `--check` and something is not in sync."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from datetime import date
from pathlib import Path

import typer

from modelops_gitops import git
from modelops_gitops.apply.delivery import Live
from modelops_gitops.apply.deploy_state import work_tree_drifts
from modelops_gitops.audit.desired import desired_stages, model_paths
from modelops_gitops.audit.history_run import history_breaks
from modelops_gitops.audit.provenance import Introduction, introductions
from modelops_gitops.audit.replay import Difference, differences
from modelops_gitops.audit.sync import (
    IN_SYNC,
    OUT_OF_SYNC,
    Health,
    ModelStatus,
    MonitorResult,
    StageSync,
    StatusInputs,
    model_statuses,
)
from modelops_gitops.audit.verify import REGULAR, ChainSummary
from modelops_gitops.audit.verify_run import ledger_summary
from modelops_gitops.audit.verify_source import (
    VerifyCache,
    WorkFiles,
    kept_ledger_sha256,
    ledger_sha256,
)
from modelops_gitops.commands import status_live
from modelops_gitops.errors import EXIT_OK, EXIT_VIOLATION, InputError
from modelops_gitops.json_text import dumps_indented
from modelops_gitops.monitor.records import load_records
from modelops_gitops.repo.state import load_state
from modelops_gitops.repo.tree import WorkTree, model_folder
from modelops_gitops.repo.workspace import cache_dir
from modelops_gitops.suggest import did_you_mean

JSON_SCHEMA_VERSION = 1  # of the --format json document; docs/json-output.md lists them all


def run(
    root: Path,
    model: str | None,
    fmt: str,
    *,
    check: bool,
    horizon_days: int,
    today: date,
    live: bool = False,
) -> int:
    tree = WorkTree(root)
    listing = tree.paths()  # one scan of the work tree for the whole command
    paths = model_paths(tree, [model] if model else None, listing=listing)
    desired = desired_stages(tree, root, paths)
    ledger = _ledger(root)
    if model is not None and model not in desired and model not in ledger.applied:
        folders = {name for path in listing if (name := model_folder(path)) is not None}
        hint = did_you_mean(model, [*folders, *ledger.applied])
        raise InputError(
            f"unknown model {model!r}: no models/{model}/model.yaml, no ledger entry{hint}"
        )
    governance = load_state(tree, models=[], listing=listing)
    head = git.head_commit(root)
    models = [model] if model else sorted(set(desired) | set(ledger.applied))
    wanted = set(models)
    diffs = [d for d in differences(ledger.applied, desired) if d.model in wanted]
    inputs = StatusInputs(
        desired=desired,
        applied=ledger.applied,
        intro_of=_intros(root, head, diffs),
        records=_records(root),
        waivers=list(governance.waivers.values()),
        today=today,
        horizon_days=horizon_days,
        stage_order=governance.lifecycle.spec.stage_names() if governance.lifecycle else (),
        files={name: p for p in paths if (name := model_folder(p)) is not None},
    )
    statuses = with_deploy_drift(model_statuses(inputs, models), root)
    rows = [r for r in status_live.observe(root) if model in (None, r.model)] if live else None
    if fmt == "json":
        typer.echo(_json(statuses, ledger, rows), nl=False)
    else:
        live_text = status_live.text(rows) if rows is not None else ""
        typer.echo(_text(statuses, ledger) + live_text, nl=False)
    if check and (ledger.breaks or not all(s.in_sync for s in statuses)):
        return EXIT_VIOLATION
    if check and rows is not None and not status_live.all_in_sync(rows):
        return EXIT_VIOLATION
    return EXIT_OK


def with_deploy_drift(statuses: list[ModelStatus], root: Path) -> list[ModelStatus]:
    """A stage whose deploy/ file differs from what the ledger implies is out of sync."""
    cache = VerifyCache(cache_dir(root))
    try:
        drifted = work_tree_drifts(root, cache)
    except InputError:
        return statuses
    cache.save()
    found: dict[tuple[str, str], str] = {}
    for drift in drifted:
        where = drift.where()
        if where is not None:
            found.setdefault(where, f"deploy drift: {drift.message()}; apply repairs it")
    if not found:
        return statuses
    out = []
    for status in statuses:
        rows = [
            replace(row, sync=OUT_OF_SYNC, detail=found[(status.model, row.stage)])
            if (status.model, row.stage) in found and row.sync == IN_SYNC
            else row
            for row in status.stages
        ]
        out.append(replace(status, stages=rows))
    return out


def _ledger(root: Path) -> ChainSummary:
    cache = VerifyCache(cache_dir(root))
    files = WorkFiles(root, cache)
    kind = files.ledger_kind()
    if kind not in (REGULAR, None):
        raise InputError.at("audit/ledger.jsonl", f"a {kind}, not a regular file")
    kept = kept_ledger_sha256(root, cache) if kind == REGULAR else None
    found = cache.summary(kept) if kept is not None else None  # warm: the ledger is not read
    if found is None:
        data = files.ledger()
        data = data if isinstance(data, bytes) else b""
        found = ledger_summary(data, ledger_sha256(root, data, cache), cache)
    head = git.head_commit(root)
    if head is not None and not git.is_shallow(root):  # the history walk, cached per commit
        found = replace(found, breaks=[*found.breaks, *history_breaks(root, head, cache)])
    cache.save()
    return found


def _intros(
    root: Path, head: str | None, diffs: list[Difference]
) -> Callable[[Difference], Introduction | None]:
    if head is None or not diffs:
        return lambda diff: None
    return introductions(git.LocalHistory(root), head, diffs, cache=cache_dir(root))


def _records(root: Path) -> dict[str, MonitorResult]:
    return dict(load_records(root))


def _ledger_note(ledger: ChainSummary) -> str:
    if not ledger.breaks:
        return f"ledger: {ledger.entries} entries, chain intact"
    return (
        f"ledger: {ledger.entries} entries, chain BROKEN "
        f"({len(ledger.breaks)} problem(s); run `modelops-gitops audit verify`)"
    )


def _text(statuses: list[ModelStatus], ledger: ChainSummary) -> str:
    lines = []
    for status in statuses:
        health = status.health
        lines.append(f"{status.model}  health: {health.status} ({health.detail})")
        lines += [f"  waiver {note}" for note in health.waivers]
        for row in status.stages:
            applied = row.applied or "-"
            desired = row.desired or "-"
            line = f"  {row.stage:<12} desired {desired:<10} applied {applied:<10} {row.sync}"
            lines.append(line + (f": {row.detail}" if row.detail else ""))
        if not status.stages:
            lines.append("  no stage desired or applied")
    synced = sum(s.in_sync for s in statuses)
    lines.append(_ledger_note(ledger))
    if statuses:
        lines.append(f"status: {synced}/{len(statuses)} models in sync")
    else:  # nothing was compared: not "in sync"
        lines.append("status: no models yet (register one: modelops-gitops register MODEL ...)")
    return "\n".join(lines) + "\n"


def _json(statuses: list[ModelStatus], ledger: ChainSummary, live: list[Live] | None = None) -> str:
    body = {
        "schema_version": JSON_SCHEMA_VERSION,
        "ledger": {"entries": ledger.entries, "intact": not ledger.breaks},
        "models": [
            {
                "model": s.model,
                "in_sync": s.in_sync,
                "health": {**_fields(s.health, _HEALTH), "waivers": list(s.health.waivers)},
                "stages": [
                    {**_fields(row, _STAGE), "in_sync": row.sync == IN_SYNC} for row in s.stages
                ],
            }
            for s in statuses
        ],
    }
    if live is not None:
        body["live"] = status_live.as_json(live)
    return dumps_indented(body) + "\n"


# `asdict` without its deep copy (every field is a str, int, None or a tuple of str).
_HEALTH = tuple(f.name for f in fields(Health))
_STAGE = tuple(f.name for f in fields(StageSync))


def _fields(value: object, names: tuple[str, ...]) -> dict[str, object]:
    return {name: getattr(value, name) for name in names}
