"""`history MODEL`: the applied changes of one model, oldest first, from the ledger. The
JSON answer is put together from views kept beside the ledger index (ledger_views.py): a
warm run validates no line and loads none of the ledger's models."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from modelops_gitops.audit.ledger_index import ledger_index
from modelops_gitops.audit.ledger_index import read_entries as read_indexed
from modelops_gitops.audit.ledger_views import indented_array, rendered
from modelops_gitops.errors import EXIT_OK, InputError
from modelops_gitops.repo.tree import model_file
from modelops_gitops.suggest import did_you_mean

JSON_SCHEMA_VERSION = 1  # of the --format json document; docs/json-output.md lists them all


def run(root: Path, model: str, fmt: str) -> int:
    index = ledger_index(root)
    rows = index.of_model(model) if index else []
    if not rows and not (root / model_file(model)).is_file():
        known = [p.name for p in (root / "models").iterdir()] if (root / "models").is_dir() else []
        hint = did_you_mean(model, known)
        raise InputError(f"unknown model {model!r}: no {model_file(model)}, no ledger entry{hint}")
    if fmt == "json":
        views = list(rendered(root, index, rows)) if index is not None else []
        head = {"schema_version": JSON_SCHEMA_VERSION, "model": model, "changes": []}
        opening = json.dumps(head, indent=2)
        assert opening.endswith("[]\n}")
        changes = indented_array(views, depth=1)
        typer.echo(opening[: -len("[]\n}")] + changes + "\n}")
        return EXIT_OK
    from modelops_gitops.audit.queries import approvers, pr_text

    entries = read_indexed(root, rows)  # only this model's lines are read and validated
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
