"""`schema --out DIR [--docs DIR]`: write one JSON Schema per kind, and the format reference
generated from them (one markdown page per kind)."""

from __future__ import annotations

from pathlib import Path

import typer

from modelops_gitops.errors import EXIT_OK, InputError
from modelops_gitops.files import write_atomic
from modelops_gitops.repo.schema import rendered_schemas
from modelops_gitops.repo.schema_docs import reference_pages


def run(out: Path, docs: Path | None = None) -> int:
    targets = {"--out": out} | ({"--docs": docs} if docs is not None else {})
    for option, folder in targets.items():
        if folder.exists() and not folder.is_dir():
            raise InputError.at(str(folder), f"{option}: exists and is not a directory")
    schemas = rendered_schemas()
    pages = reference_pages(schemas) if docs is not None else {}
    _write(out, schemas)
    typer.echo(f"schema: wrote {len(schemas)} schemas to {out}")
    if docs is not None:
        _write(docs, pages)
        typer.echo(f"schema: wrote {len(pages)} reference pages to {docs}")
    return EXIT_OK


def _write(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        write_atomic(folder / name, text.encode())
