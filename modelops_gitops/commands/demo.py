"""`demo [--keep DIR]`: the whole loop on the bundled example, in a scratch repository."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import typer

from modelops_gitops.demo.driver import run_demo
from modelops_gitops.errors import EXIT_OK, InputError


def run(keep: Path | None, *, dashboard: bool) -> int:
    if keep is not None:
        root = _fresh(keep)
    else:
        root = Path(tempfile.mkdtemp(prefix="modelops-gitops-demo-"))
    started = time.monotonic()
    try:
        run_demo(root, typer.echo, dashboard=dashboard)
    finally:
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)
    typer.echo(f"\ndemo: done in {time.monotonic() - started:.1f} s", err=True)
    if keep is None:
        typer.echo("demo: the scratch repository was removed; keep it with --keep DIR", err=True)
    return EXIT_OK


MARKER = ".modelops-gitops-demo"


def _fresh(keep: Path) -> Path:
    """An empty directory at `keep`: created, or emptied when an earlier demo made it (it holds
    the marker); anything else there is the user's and is refused."""
    if keep.is_symlink() or (keep.exists() and not keep.is_dir()):
        raise InputError.at(str(keep), "--keep: not a directory")
    if keep.exists() and any(keep.iterdir()):
        if not (keep / MARKER).is_file():
            raise InputError.at(
                str(keep), "--keep: exists, is not empty and was not made by `demo`"
            )
        shutil.rmtree(keep)
    keep.mkdir(parents=True, exist_ok=True)
    (keep / MARKER).write_text("made by `modelops-gitops demo`; rebuilt on each run\n")
    return keep.resolve()
