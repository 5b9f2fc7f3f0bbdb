"""`audit export` and `audit checkpoint`: what compliance takes away from the ledger
(`audit verify` and `audit at DATE` have modules of their own)."""

from __future__ import annotations

import json
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
from modelops_gitops.audit.queries import (
    COLUMNS,
    Moment,
    in_period,
    rows,
)
from modelops_gitops.errors import EXIT_OK, InputError
from modelops_gitops.files import write_atomic
from modelops_gitops.github.settings import repository_of
from modelops_gitops.repo.state import load_state
from modelops_gitops.repo.tree import WorkTree, read_inside
from modelops_gitops.times import iso_utc

# of each --format json document; docs/json-output.md lists them all
EXPORT_JSON_SCHEMA_VERSION = 1  # {schema_version, entries: [one row per entry, as the CSV]}


def read_entries(root: Path) -> list[LedgerEntry]:
    """The work tree's ledger, every line a valid entry (else bad input naming the line);
    no ledger yet: no entries."""
    if not (root / LEDGER_PATH).exists() and not (root / LEDGER_PATH).is_symlink():
        return []
    return parse_ledger(read_inside(root, LEDGER_PATH))


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
