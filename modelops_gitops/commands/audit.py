"""`audit verify`, `audit export`, `audit at DATE`: what compliance runs against the ledger."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import typer

from modelops_gitops import git
from modelops_gitops.audit import openlineage
from modelops_gitops.audit.checkpoint import (
    Checkpoint,
    head_of,
)
from modelops_gitops.audit.ledger import LEDGER_PATH, LedgerEntry, parse_ledger
from modelops_gitops.audit.ledger_index import iter_entries, ledger_index
from modelops_gitops.audit.ledger_views import indented_object, rendered
from modelops_gitops.audit.queries import (
    COLUMNS,
    Moment,
    approvers,
    gates,
    held_in_order,
    in_period,
    pr_text,
    rows,
    stamp,
)
from modelops_gitops.errors import EXIT_OK, InputError
from modelops_gitops.files import write_atomic
from modelops_gitops.github.settings import repository_of
from modelops_gitops.repo.state import load_state
from modelops_gitops.repo.tree import GovernanceWorkTree, WorkTree, read_inside
from modelops_gitops.times import iso_utc

# of each --format json document; docs/json-output.md lists them all
AT_JSON_SCHEMA_VERSION = 1
EXPORT_JSON_SCHEMA_VERSION = 1  # {schema_version, entries: [one row per entry, as the CSV]}


def read_entries(root: Path) -> list[LedgerEntry]:
    """The work tree's ledger, every line a valid entry (else bad input naming the line);
    no ledger yet: no entries."""
    if not (root / LEDGER_PATH).exists() and not (root / LEDGER_PATH).is_symlink():
        return []
    return parse_ledger(read_inside(root, LEDGER_PATH))


def stage_order(root: Path) -> list[str]:
    """The Lifecycle's stages in order ([] when the policies cannot be read)."""
    try:
        lifecycle = load_state(GovernanceWorkTree(root), models=[]).lifecycle
    except InputError:
        return []
    return lifecycle.spec.stage_names() if lifecycle is not None else []


def checkpoint(root: Path, sign_key: Path | None) -> int:
    """The committed ledger's head as one line (and its SSH signature with a key)."""
    head = git.head_commit(root)
    data = git.show_file(root, head, LEDGER_PATH) if head else b""
    found = head_of(data)
    if head is None or found is None:
        raise InputError.at(LEDGER_PATH, "no committed ledger entry yet: nothing to checkpoint")
    sha, when = git.file_log(root, LEDGER_PATH, head, first_parent=True)[0]
    kept = Checkpoint(found[0], found[1], sha, iso_utc(when))
    if sign_key is not None:
        signature, error = git.sign_text(sign_key, (kept.line() + "\n").encode())
        if error:
            raise InputError.at(str(sign_key), f"--sign-key: {error}")
        kept = replace(kept, signature=signature.decode())
    typer.echo(kept.text(), nl=False)
    return EXIT_OK


# --- export --------------------------------------------------------------------------------


def export(
    root: Path, since: Moment | None, until: Moment | None, fmt: str, out: Path | None
) -> int:
    chosen = in_period(read_entries(root), since, until)
    if fmt == "openlineage":
        return _emit(openlineage_export(root, chosen), out, len(chosen))
    import pandas as pd  # a heavy import, only for this command

    frame = pd.DataFrame(rows(chosen), columns=list(COLUMNS))
    frame["pr_number"] = frame["pr_number"].astype("Int64")
    if fmt == "csv":
        data = neutralised(frame).to_csv(index=False, lineterminator="\n")
    else:
        records = json.loads(frame.to_json(orient="records", force_ascii=False))
        body = {"schema_version": EXPORT_JSON_SCHEMA_VERSION, "entries": records}
        data = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    return _emit(data, out, len(chosen))


def _emit(data: str, out: Path | None, count: int) -> int:
    if out is None:
        typer.echo(data, nl=False)
    else:
        write_atomic(out, data.encode())
        typer.echo(f"audit export: {count} entries written to {out}", err=True)
    return EXIT_OK


def openlineage_export(root: Path, chosen: list[LedgerEntry]) -> str:
    """JSON lines, one OpenLineage RunEvent per entry, each checked against its schema
    first: an event that fails is an internal error (exit 4), and nothing is written."""
    state = load_state(WorkTree(root), models=sorted({e.change.model for e in chosen}))
    namespace = repository_of(state.settings.spec.provider, {}) or root.name
    return openlineage.lines(
        openlineage.checked(openlineage.events(chosen, state.models, namespace))
    )


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP: what a spreadsheet may evaluate


def neutralised(frame: Any) -> Any:
    """Text cells a spreadsheet would run as a formula (`=HYPERLINK(...)`, `@SUM(...)`, and
    `+`, `-`, tab, CR) prefixed with `'`, as OWASP recommends for CSV exports: a PR title or
    login then shows as text in Excel, LibreOffice and Google Sheets. JSON is left as is."""

    def cell(value: Any) -> Any:
        return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value

    from pandas.api.types import is_numeric_dtype

    out = frame.copy()
    for column in out.columns:
        if not is_numeric_dtype(out[column]):
            out[column] = out[column].map(cell)
    return out


# --- at ------------------------------------------------------------------------------------


def at(root: Path, moment: Moment, fmt: str) -> int:
    """Model by model, so only one model's entries are in memory at a time (the index
    tells which lines hold what; only those are read and validated)."""
    index = ledger_index(root)
    rows = index.rows() if index else []
    instant = moment.end()
    held_rows = held_in_order(rows, instant, stage_order(root))

    def models() -> Iterator[tuple[str, dict[str, LedgerEntry]]]:
        if not held_rows:
            return
        wanted = (row for stages in held_rows.values() for row in stages.values())
        entries = iter_entries(root, wanted)
        for model, stages in held_rows.items():
            yield model, {stage: next(entries) for stage in stages}

    if fmt == "json":
        head = {"schema_version": AT_JSON_SCHEMA_VERSION, "at": stamp(instant)}
        flat = [row for stages in held_rows.values() for row in stages.values()]
        texts = rendered(root, index, flat) if index is not None else iter(())
        views = (
            (model, indented_object([(stage, next(texts)) for stage in stages]))
            for model, stages in held_rows.items()
        )
        for chunk in json_object_chunks(head, "models", views):
            typer.echo(chunk, nl=False)
        typer.echo("")
        return EXIT_OK
    typer.echo(f"applied at {stamp(instant)}:")
    if not held_rows:
        first = f" (the first is at {rows[0].time})" if rows else ""
        typer.echo(f"  nothing: no ledger entry at or before that moment{first}")
    for model, held in models():
        typer.echo(f"{model}")
        for stage, entry in held.items():
            typer.echo(_held_text(stage, entry))
    return EXIT_OK


def json_object_chunks(
    head: dict[str, Any], key: str, items: Iterable[tuple[str, str]]
) -> Iterator[str]:
    """`json.dumps({**head, key: dict(items)}, indent=2)`, produced item by item, each
    item's value already rendered with `json.dumps(value, indent=2)`."""
    opening = json.dumps({**head, key: {}}, indent=2)
    assert opening.endswith("{}\n}")
    yield opening[: -len("{}\n}")] + "{"
    empty = True
    for name, rendered_value in items:
        body = rendered_value.replace("\n", "\n    ")
        yield ("" if empty else ",") + f"\n    {json.dumps(name)}: {body}"
        empty = False
    yield "}\n}" if empty else "\n  }\n}"


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
