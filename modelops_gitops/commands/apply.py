"""`apply`: the verb around audit/apply.py -- where approvals come from, and what to say.

Approvals: `--approvals FILE` (repeatable) when given; else GitHub when GITHUB_TOKEN is set
(the merged PR of each commit, its reviews); else none, and every change is refused as
unexplained. Exit 0 when everything was applied (or nothing was to do), 1 when a difference
was refused (the others are still applied), 2 bad input, 4 when every push retry lost or a
deploy target's delivery is pending (commands/apply_delivery.py).
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from modelops_gitops.apply.pipeline import REHEARSAL_ONLY, Options, Outcome, describe, run
from modelops_gitops.apply.reconcile import Clock, Refused
from modelops_gitops.apply.sources import (
    GitHubPulls,
    LocalApprovals,
    NoPullRequests,
    PullRequests,
)
from modelops_gitops.commands import apply_delivery
from modelops_gitops.errors import EXIT_OK, EXIT_VIOLATION, InputError
from modelops_gitops.plan.approvals import read_approvals
from modelops_gitops.plan.lazy_gates import lazy_gate_runner
from modelops_gitops.progress import step
from modelops_gitops.times import iso_utc, rehearsal_note, wall_clock

JSON_SCHEMA_VERSION = 1  # of the --format json document; docs/json-output.md lists them all


def run_command(
    root: Path,
    *,
    approvals: list[Path],
    push: bool,
    remote: str,
    retries: int,
    tag: bool,
    dry_run: bool,
    adopt: bool,
    fmt: str,
    sign_key: Path | None = None,
    at: datetime | None = None,
    deliver_only: bool = False,
) -> int:
    if at is not None and not dry_run:
        raise InputError(REHEARSAL_ONLY)
    if deliver_only:
        return apply_delivery.deliver_only(root, fmt)
    files = [read_approvals(path) for path in approvals]
    with ExitStack() as stack:
        key = signing_key(sign_key, stack)
        pulls: PullRequests
        if files:
            pulls = LocalApprovals(root, files)
        elif os.environ.get("GITHUB_TOKEN", "").strip() and not adopt:
            from modelops_gitops.github import settings

            pulls = GitHubPulls(root, stack.enter_context(settings.connect(root, "apply")))
        else:
            pulls = NoPullRequests()
        options = Options(
            pulls=pulls,
            gates=lazy_gate_runner,
            adopt=adopt,
            push=push,
            remote=remote,
            retries=retries,
            tag=tag,
            dry_run=dry_run,
            sign_key=key,
            clock=Clock(now=wall_clock(), at=at),
        )
        with step("apply: reconcile, re-check, record"):
            outcome = run(root, options)
        published = publish_checkpoints(root, outcome, pulls)
    if fmt == "json":
        data = as_json(outcome) | {
            "checkpoints": published,
            "rehearsal_at": iso_utc(at) if at else None,
        }
        typer.echo(json.dumps(data, indent=2, sort_keys=True))
    else:
        if at is not None:
            typer.echo(rehearsal_note(at, "every merge judged"))
        typer.echo("\n".join([as_text(outcome, push=push), *(f"  {line}" for line in published)]))
    pending = apply_delivery.exit_code(outcome.delivery)
    return pending or (EXIT_VIOLATION if outcome.refused else EXIT_OK)


def publish_checkpoints(root: Path, outcome: Outcome, pulls: PullRequests) -> list[str]:
    """After a push, the checkpoint of each apply commit it pushed as a GitHub commit status,
    when GitHub is configured (GITHUB_TOKEN); a failure is said, and the push stands."""
    if not outcome.pushed_applies or not os.environ.get("GITHUB_TOKEN", "").strip():
        return []
    from modelops_gitops.apply import checkpoint_status
    from modelops_gitops.github import settings

    if isinstance(pulls, GitHubPulls):
        return checkpoint_status.publish(root, pulls.provider, outcome.pushed_applies)
    try:
        with settings.connect(root, "apply --push (checkpoint status)") as github:
            return checkpoint_status.publish(root, github, outcome.pushed_applies)
    except InputError as exc:  # no repository named, the github extra missing, GitHub down
        return [f"checkpoint NOT published: {exc}; the push stands"]


KEY_FILE_ENV = "MODELOPS_GITOPS_SIGNING_KEY_FILE"
KEY_ENV = "MODELOPS_GITOPS_SIGNING_KEY"


def signing_key(given: Path | None, stack: ExitStack) -> Path | None:
    """The SSH private key file that signs apply commits: --sign-key, else the file named in
    $MODELOPS_GITOPS_SIGNING_KEY_FILE, else the key text in $MODELOPS_GITOPS_SIGNING_KEY
    (a CI secret) written to a private temporary file for this run; None: unsigned."""
    named = given or (Path(os.environ[KEY_FILE_ENV]) if os.environ.get(KEY_FILE_ENV) else None)
    if named is not None:
        if not named.is_file():
            raise InputError.at(str(named), "--sign-key: no such file (an SSH private key)")
        return named.resolve()
    text = os.environ.get(KEY_ENV, "").strip()
    if not text:
        return None
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="modelops-key-")))
    path = folder / "signing_key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    return path


def as_text(outcome: Outcome, *, push: bool) -> str:
    computed = outcome.computed
    new = computed.new
    lines: list[str] = []
    if outcome.discarded:
        lines.append(
            f"note: discarded {len(outcome.discarded)} leftover file(s) of an interrupted apply "
            "under audit/ and deploy/"
        )
    verb = "would apply" if outcome.commit is None and new else "applied"
    head = f"apply: {verb} {len(new)}, refused {len(computed.refused)}"
    if outcome.commit:
        head += f" — commit {outcome.commit[:12]}"
    if outcome.pushed:
        head += f", pushed (attempt {outcome.attempts})"
    lines.append(head)
    lines += [f"  {verb:<11} {describe(e)}  [seq {e.seq}]" for e in new]
    lines += [f"  {'refused':<11} {_refusal(r)}" for r in computed.refused]
    lines += [f"  tagged      {name}" for name in outcome.tags]
    if not new and not computed.refused:
        lines.append("  nothing to apply: the ledger matches HEAD")
    if outcome.unpushed and not push:
        lines.append(
            f"  note: the branch has {outcome.unpushed} commit(s) its remote lacks; "
            "run apply --push to publish them"
        )
    lines += apply_delivery.lines(outcome.delivery, waiting=apply_delivery.waiting(outcome))
    return "\n".join(lines)


def _refusal(refused: Refused) -> str:
    diff = refused.difference
    versions = f"{diff.applied or '(none)'} -> {diff.desired or '(removed)'}"
    return f"{diff.model} {diff.stage} {versions}: {refused.kind}: {refused.reason}"


def as_json(outcome: Outcome) -> dict[str, Any]:
    computed = outcome.computed
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "head": computed.head,
        "branch": computed.branch,
        "commit": outcome.commit,
        "pushed": outcome.pushed,
        "attempts": outcome.attempts,
        "applied": [e.model_dump(mode="json", by_alias=True) for e in computed.new],
        "refused": [
            {
                "model": r.difference.model,
                "stage": r.difference.stage,
                "applied": r.difference.applied,
                "desired": r.difference.desired,
                "commit": r.commit,
                "kind": r.kind,
                "reason": r.reason,
                "findings": [f.model_dump(mode="json", exclude={"gate"}) for f in r.findings],
            }
            for r in computed.refused
        ],
        "files": computed.paths() if computed.new else [],
        "tags": outcome.tags,
        "discarded": outcome.discarded,
        "delivery": apply_delivery.as_json(outcome.delivery),
    }
