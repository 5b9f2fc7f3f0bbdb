"""`schema --out DIR`: write one JSON Schema per kind."""

from __future__ import annotations

from pathlib import Path

import typer

from modelops_gitops.errors import EXIT_OK, InputError
from modelops_gitops.files import write_atomic
from modelops_gitops.schema import rendered_schemas


def run(out: Path) -> int:
    if out.exists() and not out.is_dir():
        raise InputError.at(str(out), "--out: exists and is not a directory")
    schemas = rendered_schemas()
    out.mkdir(parents=True, exist_ok=True)
    for name, text in schemas.items():
        write_atomic(out / name, text.encode())
    typer.echo(f"schema: wrote {len(schemas)} schemas to {out}")
    return EXIT_OK
