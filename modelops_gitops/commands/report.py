"""`report --out DIR`: the static compliance dashboard, built from the repository, its ledger
and its audit reports, written next to DIR and renamed into place.

It verifies before it shows: `audit verify` runs on the same work tree first. When the trail
is broken (anything but the state differences the pages show as sync badges), every page
carries a banner naming the breaks, the broken entries and every later one are marked
unverified, the site is still written (so an auditor can look) and the exit code is 1.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from modelops_gitops.audit.ledger import LEDGER_PATH
from modelops_gitops.audit.unverified import unverified
from modelops_gitops.audit.verify_run import run_verify
from modelops_gitops.dashboard.output import check_target, write_site
from modelops_gitops.dashboard.site import build
from modelops_gitops.dashboard.sources import gather
from modelops_gitops.errors import EXIT_OK, EXIT_VIOLATION
from modelops_gitops.progress import step
from modelops_gitops.repo.tree import read_inside


def run(root: Path, out: Path) -> int:
    check_target(out)  # refuse a bad DIR before reading anything
    with step("report: reading the ledger, reports and history"):
        sources = gather(root)
    root = root.resolve()
    with step("report: verifying the audit trail"):
        verdict = run_verify(root)
        ledger = read_inside(root, LEDGER_PATH) if os.path.lexists(root / LEDGER_PATH) else b""
        check = unverified(root, verdict, ledger)
    with step("report: drawing figures and pages"):
        files = build(sources, check, verdict.notes)
    with step("report: writing the site"):
        write_site(out, files)
    typer.echo(
        f"report: wrote {len(files)} files to {out}: {len(sources.state.models)} models,"
        f" {len(sources.entries)} ledger entries, {len(sources.reports)} audit reports"
    )
    typer.echo(f"report: open {out / 'index.html'}")
    if check.broken:
        marked = "" if check.first_line is None else f", entries from line {check.first_line} on"
        typer.echo(
            f"report: the audit trail is BROKEN: {len(check.breaks)} problem(s); every page "
            f"carries a banner{marked} marked unverified; first: {check.breaks[0]}",
            err=True,
        )
        return EXIT_VIOLATION
    return EXIT_OK
