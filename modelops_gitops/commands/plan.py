"""`plan --base REF --head REF`: judge a PR's changes by the base's policies."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import typer

from modelops_gitops.approvals import read_approvals
from modelops_gitops.errors import InputError
from modelops_gitops.files import write_atomic
from modelops_gitops.kinds import Repository
from modelops_gitops.kinds.settings import Provider
from modelops_gitops.load import load_document
from modelops_gitops.plan import PlanRequest, run_plan
from modelops_gitops.plan_result import PlanResult
from modelops_gitops.render.links import Links
from modelops_gitops.rules.base import GateRunner
from modelops_gitops.tree import MODELOPS_FILE, read_inside


def run(
    root: Path,
    *,
    base: str | None,
    head: str,
    fmt: str,
    out: Path | None,
    approvals: Path | None,
    now: datetime | None,
    gates: bool,
) -> int:
    from modelops_gitops.render import RENDERERS

    request = PlanRequest(
        root=root,
        base=base,
        head=head,
        approvals=read_approvals(approvals) if approvals is not None else None,
        gates=_gate_runner(root) if gates else None,
    )
    result = run_plan(request, now or datetime.now(UTC))
    links = _links(root, result)
    if fmt == "text" and out is None and sys.stdout.isatty():
        from modelops_gitops.render import text as text_renderer

        text = text_renderer.render(result, links=links, color=True)
    else:
        text = RENDERERS[fmt].render(result, links=links)
    if out is not None:
        write_atomic(out, text.encode())
        typer.echo(f"plan: {result.result} — written to {out}", err=True)
    else:
        typer.echo(text, nl=not text.endswith("\n"))
    return result.exit_code


def _links(root: Path, result: PlanResult) -> Links:
    """Links to file lines on GitHub when modelops.yaml names the repository and the head is a
    commit (a work tree has nothing to link to); plain `path:line` otherwise."""
    settings = _provider(root) if result.head_sha else None
    if settings is None or settings.type != "github" or not settings.owner or not settings.repo:
        return Links()
    server = (settings.api_url or "https://github.com").removesuffix("/api/v3")
    return Links.github(settings.owner, settings.repo, result.head_sha, server=server)


def _provider(root: Path) -> Provider | None:
    """The work tree's modelops.yaml alone (not every document of the tree: a plan of two refs
    neither walks nor fails on the work tree); None when it is absent or invalid."""
    try:
        doc, _ = load_document(MODELOPS_FILE, read_inside(root.resolve(), MODELOPS_FILE))
    except InputError:
        return None
    return doc.spec.provider if isinstance(doc, Repository) else None


def _gate_runner(root: Path) -> GateRunner:
    from modelops_gitops.plan_gates import gate_runner  # gates: only when they run

    return gate_runner(root)
