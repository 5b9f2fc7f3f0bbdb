"""`report --out DIR`: the static compliance dashboard, built from the repository, its ledger
and its audit reports, written next to DIR and renamed into place."""

from __future__ import annotations

from pathlib import Path

import typer

from modelops_gitops.dashboard.output import check_target, write_site
from modelops_gitops.dashboard.site import build
from modelops_gitops.dashboard.sources import gather
from modelops_gitops.errors import EXIT_OK
from modelops_gitops.progress import step


def run(root: Path, out: Path) -> int:
    check_target(out)  # refuse a bad DIR before reading anything
    with step("report: reading the ledger, reports and history"):
        sources = gather(root)
    with step("report: drawing figures and pages"):
        files = build(sources)
    with step("report: writing the site"):
        write_site(out, files)
    typer.echo(
        f"report: wrote {len(files)} files to {out}: {len(sources.state.models)} models,"
        f" {len(sources.entries)} ledger entries, {len(sources.reports)} audit reports"
    )
    typer.echo(f"report: open {out / 'index.html'}")
    return EXIT_OK
