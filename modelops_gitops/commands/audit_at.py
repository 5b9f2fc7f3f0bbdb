"""`audit at DATE`: what held each stage of every model at a moment, approved by whom, on
what evidence. Answered from the ledger's index (which lines hold what) and, in JSON, from
the entries' kept views: only the holders' lines are read, and the entries' models load only
for the text format."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from modelops_gitops.audit.ledger_index import IndexedEntry, iter_entries, ledger_index
from modelops_gitops.audit.ledger_views import indented_object, rendered
from modelops_gitops.audit.queries import (
    Moment,
    approvers,
    gates,
    in_lifecycle_order,
    pr_text,
    stamp,
)
from modelops_gitops.errors import EXIT_OK
from modelops_gitops.repo.load import stage_order
from modelops_gitops.repo.tree import GovernanceWorkTree

if TYPE_CHECKING:
    from modelops_gitops.audit.ledger import LedgerEntry

# of its --format json document; docs/json-output.md lists them all
AT_JSON_SCHEMA_VERSION = 1


def at(root: Path, moment: Moment, fmt: str) -> int:
    """Model by model, so only one model's entries are in memory at a time (the index
    tells which lines hold what; only those are read and validated)."""
    index = ledger_index(root)
    instant = moment.end()
    held = index.held(stamp(instant)) if index is not None else {}
    held_rows = in_lifecycle_order(held, stage_order(GovernanceWorkTree(root)))
    if fmt == "json":
        head = {"schema_version": AT_JSON_SCHEMA_VERSION, "at": stamp(instant)}
        flat = [row for stages in held_rows.values() for row in stages.values()]
        texts = rendered(root, index, flat) if index is not None else iter(())
        views = (
            (model, indented_object([(stage, next(texts)) for stage in stages], depth=2))
            for model, stages in held_rows.items()
        )
        for piece in batched(json_object_chunks(head, "models", views)):
            typer.echo(piece, nl=False)
        typer.echo("")
        return EXIT_OK
    typer.echo(f"applied at {stamp(instant)}:")
    if not held_rows:
        first = f" (the first is at {index.times[0]})" if index is not None and index.times else ""
        typer.echo(f"  nothing: no ledger entry at or before that moment{first}")
    for model, entries in _entries(root, held_rows):
        typer.echo(f"{model}")
        for stage, entry in entries.items():
            typer.echo(_held_text(stage, entry))
    return EXIT_OK


def _entries(
    root: Path, held_rows: dict[str, dict[str, IndexedEntry]]
) -> Iterator[tuple[str, dict[str, LedgerEntry]]]:
    """Each model's holders read in full, one model at a time."""
    if not held_rows:
        return
    entries = iter_entries(root, (row for stages in held_rows.values() for row in stages.values()))
    for model, stages in held_rows.items():
        yield model, {stage: next(entries) for stage in stages}


def json_object_chunks(
    head: dict[str, Any], key: str, items: Iterable[tuple[str, str]]
) -> Iterator[str]:
    """`json.dumps({**head, key: dict(items)}, indent=2)`, produced item by item, each
    item's value already rendered for its place (`indented_object(..., depth=2)`)."""
    opening = json.dumps({**head, key: {}}, indent=2)
    assert opening.endswith("{}\n}")
    yield opening[: -len("{}\n}")] + "{"
    empty = True
    for name, body in items:
        yield ("" if empty else ",") + f"\n    {json.dumps(name)}: {body}"
        empty = False
    yield "}\n}" if empty else "\n  }\n}"


def batched(chunks: Iterable[str], size: int = 1 << 20) -> Iterator[str]:
    """The chunks joined into pieces of about `size` characters: one write per 20,000
    holdings costs more than composing them."""
    batch: list[str] = []
    length = 0
    for chunk in chunks:
        batch.append(chunk)
        length += len(chunk)
        if length >= size:
            yield "".join(batch)
            batch, length = [], 0
    if batch:
        yield "".join(batch)


def _held_text(stage: str, entry: LedgerEntry) -> str:
    lines = [
        f"  {stage}: {entry.change.to}  since {entry.time} (seq {entry.seq}, {entry.change.kind})",
        f"    {pr_text(entry)}; merge commit {entry.merge_commit[:12]}",
    ]
    if entry.approvals:
        lines.append(f"    approved by {approvers(entry)}")
    if entry.gates:
        lines.append(f"    gates: {gates(entry)}")
    lines += [f"    report: {r.path}" for r in entry.reports]
    return "\n".join(lines)
