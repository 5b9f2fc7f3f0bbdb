"""`plan --base REF --head REF`: judge a PR's changes by the base's policies."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from modelops_gitops.approvals import read_approvals
from modelops_gitops.files import write_atomic
from modelops_gitops.plan import PlanRequest, run_plan
from modelops_gitops.plan_result import PlanResult


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
    text = RENDERERS[fmt].render(result, links=_links(result))
    if out is not None:
        write_atomic(out, text.encode())
        typer.echo(f"plan: {result.result} — written to {out}", err=True)
    else:
        typer.echo(text, nl=not text.endswith("\n"))
    return result.exit_code


def _links(result: PlanResult) -> object:
    from modelops_gitops.render import Links

    return Links()


def _gate_runner(root: Path) -> object:
    from modelops_gitops.plan_gates import gate_runner

    return gate_runner(root)
