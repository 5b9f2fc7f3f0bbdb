"""`plan --base REF --head REF`: judge a PR's changes by the base's policies.

With `--pr N` the approvals come from the pull request's reviews on GitHub (and base/head
default to the PR's commits); `--comment` then posts the plan as the PR's one comment and
sets the `modelops/plan` and `modelops/approvals` statuses, `--check-run` adds annotations.
Everything is read and judged before anything is written; the exit code is the plan's.
"""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import typer

from modelops_gitops import git
from modelops_gitops.console import color_enabled
from modelops_gitops.errors import GitRefError, InputError
from modelops_gitops.extras import require
from modelops_gitops.files import write_atomic
from modelops_gitops.plan.approvals import ApprovalsInput, read_approvals
from modelops_gitops.plan.lazy_gates import lazy_gate_runner
from modelops_gitops.plan.planner import WORKTREE, PlanRequest, run_plan
from modelops_gitops.plan.result import PlanResult
from modelops_gitops.progress import step
from modelops_gitops.render.links import Links
from modelops_gitops.times import rehearsal_note


@dataclass(frozen=True)
class PullRequestOptions:
    """`--pr N` and what to do on it."""

    number: int
    comment: bool = False
    check_run: bool = False
    report_url: str | None = None  # default: the Actions run, when in one


def run(
    root: Path,
    *,
    base: str | None,
    head: str | None,
    fmt: str,
    out: Path | None,
    approvals: Path | None,
    now: datetime | None,
    gates: bool,
    pr: PullRequestOptions | None = None,
    at: datetime | None = None,
) -> int:
    from modelops_gitops.render import RENDERERS

    _check_options(head, approvals, pr)
    _check_rehearsal(at, now, pr)
    now = at or now
    with ExitStack() as stack:
        request = PlanRequest(
            root=root,
            base=base,
            head=head or "HEAD",
            approvals=read_approvals(approvals) if approvals is not None else None,
            gates=lazy_gate_runner(root) if gates else None,
        )
        published: tuple[str, ...] = ()
        if pr is None:
            with step("plan: reading base and head, evaluating the policies"):
                result = run_plan(request, now or datetime.now(UTC))
            links = _links(root, result)
        else:
            require("github", f"--pr {pr.number}")
            from modelops_gitops.github import settings
            from modelops_gitops.github.publish import publish
            from modelops_gitops.github.teams import github_members, with_members

            github = stack.enter_context(settings.connect(root, f"--pr {pr.number}"))
            pull = github.pull_request(pr.number)
            reviews = github.approvals_of(pull)
            request = PlanRequest(
                root=root,
                base=base or _local(root, pull.base_sha, "base", pr.number),
                head=head or _local(root, pull.head_sha, "head", pr.number),
                approvals=ApprovalsInput.model_validate(reviews.as_json()),
                gates=request.gates,
                teams=lambda teams: with_members(teams, github_members(github, teams, reviews)),
            )
            with step("plan: reading base and head, evaluating the policies"):
                result = run_plan(request, now or datetime.now(UTC))
            links = _links(root, result)
            if pr.comment or pr.check_run:
                report_url = pr.report_url or settings.run_url(os.environ)
                if result.head_sha != pull.head_sha:
                    typer.echo(
                        f"note: #{pr.number}'s head is {pull.head_sha[:12]}; the statuses go "
                        f"on the planned commit {result.head_sha[:12]}",
                        err=True,
                    )
                published = publish(
                    github,
                    pr.number,
                    result,
                    links,
                    report_url=report_url,
                    check_run=pr.check_run,
                ).lines
    colored = fmt == "text" and out is None and color_enabled(sys.stdout)
    if colored:
        from modelops_gitops.render import text as text_renderer

        text = text_renderer.render(result, links=links, color=True)
    else:
        text = RENDERERS[fmt].render(result, links=links)
    if at is not None:
        note = rehearsal_note(at, "judged")
        if fmt in PROSE:
            text = f"{note}\n\n{text}"
        else:
            typer.echo(note, err=True)
    for line in published:
        typer.echo(line, err=True)
    if out is not None:
        write_atomic(out, text.encode())
        typer.echo(f"plan: {result.result} — written to {out}", err=True)
    else:  # colour given explicitly: click would strip the ANSI codes off a non-terminal
        typer.echo(text, nl=not text.endswith("\n"), color=colored)
    if pr is None and _approvals_pending(result):
        typer.echo(PENDING_HINT, err=True)
    return result.exit_code


PROSE = ("text", "markdown")  # formats a person reads: the rehearsal note goes in them
PENDING_HINT = (
    "approvals pending: on GitHub, reviewers approve the pull request and plan --pr N reads "
    "them; to try it locally, write the reviews with `modelops-gitops approvals --head HEAD "
    "--approve LOGIN --out approvals.json` and plan again with --approvals approvals.json"
)


def _approvals_pending(result: PlanResult) -> bool:
    findings = [*result.findings, *(f for c in result.changes for f in c.findings)]
    return any(f.rule_type == "approvals" and f.result == "pending" for f in findings)


def _check_rehearsal(
    at: datetime | None, now: datetime | None, pr: PullRequestOptions | None
) -> None:
    """A rehearsal (--at) is never published: a status or comment judged at a time that is not
    now would tell reviewers something that is not so."""
    if at is None:
        return
    if now is not None:
        raise InputError("--at and --now are exclusive: both set the time the plan is judged at")
    if pr is not None and (pr.comment or pr.check_run):
        flag = "--comment" if pr.comment else "--check-run"
        raise InputError(
            f"--at rehearses and {flag} publishes: a rehearsal is never published to the "
            "pull request"
        )


def pull_request_options(
    number: int | None, *, comment: bool, check_run: bool, report_url: str | None
) -> PullRequestOptions | None:
    """The `--pr` group of options; the others mean nothing without `--pr`."""
    if number is None:
        given = [
            flag
            for flag, value in (
                ("--comment", comment),
                ("--check-run", check_run),
                ("--report-url", report_url is not None),
            )
            if value
        ]
        if given:
            raise InputError(f"{', '.join(given)} needs --pr N (the pull request to write to)")
        return None
    return PullRequestOptions(number, comment=comment, check_run=check_run, report_url=report_url)


def _check_options(head: str | None, approvals: Path | None, pr: PullRequestOptions | None) -> None:
    if pr is None:
        return
    if approvals is not None:
        raise InputError("--pr and --approvals are exclusive: --pr reads the approvals from GitHub")
    if head == WORKTREE:
        raise InputError("--pr plans a commit: --head WORKTREE cannot be used with it")


def _local(root: Path, sha: str, which: str, number: int) -> str:
    """The PR's commit, which must be in this clone (nothing is fetched)."""
    try:
        return git.resolve(root, sha)
    except GitRefError:
        raise InputError(
            f"--pr {number}: the pull request's {which} commit {sha} is not in this clone; "
            f"fetch it first (git fetch origin {sha}, or check out with fetch-depth: 0)"
        ) from None


def _links(root: Path, result: PlanResult) -> Links:
    """Links to file lines on GitHub when the repository is known (modelops.yaml, or
    GITHUB_REPOSITORY in Actions) and the head is a commit (a work tree has nothing to link
    to); plain `path:line` otherwise."""
    from modelops_gitops.github import settings

    if not result.head_sha:
        return Links()
    provider = settings.repository_settings(root)
    repository = settings.repository_of(provider, os.environ)
    if repository is None or "/" not in repository:
        return Links()
    owner, name = repository.split("/", 1)
    server = settings.server_of(provider, os.environ)
    return Links.github(owner, name, result.head_sha, server=server)
