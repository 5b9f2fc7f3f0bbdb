"""`history MODEL`: the applied changes of one model, oldest first, from the ledger."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from modelops_gitops.audit.ledger_index import ledger_index
from modelops_gitops.audit.ledger_index import read_entries as read_indexed
from modelops_gitops.audit.queries import approvers, entry_view, pr_text
from modelops_gitops.errors import EXIT_OK, InputError
from modelops_gitops.repo.state import model_file
from modelops_gitops.suggest import did_you_mean

JSON_SCHEMA_VERSION = 1  # of the --format json document; docs/json-output.md lists them all


def run(root: Path, model: str, fmt: str) -> int:
    index = ledger_index(root)
    rows = index.of_model(model) if index else []
    entries = read_indexed(root, rows)  # only this model's lines are read and validated
    if not entries and not (root / model_file(model)).is_file():
        known = [p.name for p in (root / "models").iterdir()] if (root / "models").is_dir() else []
        hint = did_you_mean(model, known)
        raise InputError(f"unknown model {model!r}: no {model_file(model)}, no ledger entry{hint}")
    if fmt == "json":
        body = {
            "schema_version": JSON_SCHEMA_VERSION,
            "model": model,
            "changes": [entry_view(entry) for entry in entries],
        }
        typer.echo(json.dumps(body, indent=2))
        return EXIT_OK
    if not entries:
        typer.echo(f"{model}: no applied change in the ledger yet")
        return EXIT_OK
    typer.echo(f"{model}: {len(entries)} applied change(s)")
    for entry in entries:
        change = entry.change
        move = f"{change.from_ or '(none)'} -> {change.to or '(removed)'}"
        typer.echo(f"  seq {entry.seq}  {entry.time}  {change.stage}: {move}  [{change.kind}]")
        typer.echo(f"    {pr_text(entry)}; merge commit {entry.merge_commit[:12]}")
        if entry.approvals:
            typer.echo(f"    approved by {approvers(entry)}")
        for report in entry.reports:
            typer.echo(f"    report: {report.path}")
    return EXIT_OK
