"""`approvals`: write the approvals file of a pull request head, for `plan --approvals` and
`apply --approvals`, so a promotion can be tried locally without writing JSON by hand.

Locally the reviews are the ones named (`--approve LOGIN[@REF]`, `--request-changes
LOGIN[@REF]`), of the head unless a commit is named; the commits are resolved with git, the
logins checked against the base's teams ('did you mean'). With `--pr N` everything is read
from GitHub (the `[github]` extra), as `plan --pr N` reads it. Nothing is written on failure.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from modelops_gitops import git
from modelops_gitops.errors import EXIT_OK, GitRefError, InputError
from modelops_gitops.extras import require
from modelops_gitops.files import write_atomic
from modelops_gitops.git.tree import GitTree
from modelops_gitops.plan.approvals import ApprovalsInput, ReviewState
from modelops_gitops.plan.approvals_draft import (
    Merge,
    Named,
    check_login,
    check_reviewers,
    draft,
    split_login,
)
from modelops_gitops.plan.planner import default_base
from modelops_gitops.repo.state import load_state


@dataclass(frozen=True)
class Reviews:
    """The reviews as given on the command line."""

    approve: list[str]
    request_changes: list[str]

    def given(self) -> list[tuple[str, ReviewState, str]]:
        return [("--approve", "APPROVED", v) for v in self.approve] + [
            ("--request-changes", "CHANGES_REQUESTED", v) for v in self.request_changes
        ]


def run(
    root: Path,
    *,
    head: str | None,
    base: str | None,
    reviews: Reviews,
    author: str | None,
    submitted: datetime | None,
    merge_commit: str | None,
    number: int | None,
    title: str,
    out: Path | None,
    pr: int | None,
) -> int:
    if pr is not None:
        local = [
            flag
            for flag, given in _local_flags(head, base, reviews, author, submitted, merge_commit)
            if given
        ]
        local += [flag for flag, given in (("--number", number), ("--title", title)) if given]
        if local:
            raise InputError(
                f"--pr reads the pull request from GitHub: {', '.join(local)} cannot go with it"
            )
        data = _from_github(root, pr)
    else:
        data = _local(
            root,
            head=head or "HEAD",
            base=base,
            reviews=reviews,
            author=author,
            submitted=submitted,
            merge_commit=merge_commit,
            number=number,
            title=title,
        )
    text = json.dumps(data, indent=2) + "\n"
    counted = ApprovalsInput.model_validate(data)
    summary = _summary(counted)
    if out is None:
        typer.echo(text, nl=False)
        typer.echo(summary, err=True)
    else:
        write_atomic(out, text.encode())
        typer.echo(f"{summary} — written to {out}")
        typer.echo(f"  use it: plan --approvals {out}   (after the merge: apply --approvals {out})")
    return EXIT_OK


def _local_flags(
    head: str | None,
    base: str | None,
    reviews: Reviews,
    author: str | None,
    submitted: datetime | None,
    merge_commit: str | None,
) -> list[tuple[str, bool]]:
    return [
        ("--head", head is not None),
        ("--base", base is not None),
        ("--approve", bool(reviews.approve)),
        ("--request-changes", bool(reviews.request_changes)),
        ("--author", author is not None),
        ("--submitted-at", submitted is not None),
        ("--merge-commit", merge_commit is not None),
    ]


def _local(
    root: Path,
    *,
    head: str,
    base: str | None,
    reviews: Reviews,
    author: str | None,
    submitted: datetime | None,
    merge_commit: str | None,
    number: int | None,
    title: str,
) -> dict[str, Any]:
    if author is None:
        raise InputError(
            "--author: the pull request's author is needed (a GitHub login: the author's own "
            "approval never counts)"
        )
    author = check_login("--author", author)
    head_sha = _commit(root, "--head", head)
    base_sha = _commit(root, "--base", base) if base else default_base(root, head_sha)
    named = [_named(root, flag, state, value, head_sha) for flag, state, value in reviews.given()]
    with GitTree(root, base_sha) as tree:
        state = load_state(tree, models=())
    teams_file = state.file_of("Teams", state.teams.metadata.name) if state.teams else ""
    for note in check_reviewers(named, state.teams, teams_file or "policies/teams.yaml"):
        typer.echo(note, err=True)
    merge = None
    if merge_commit is not None:
        sha = _commit(root, "--merge-commit", merge_commit)
        merge = Merge(sha, git.commit_time(root, sha))
    return draft(
        author=author,
        head=head_sha,
        reviews=named,
        commits=git.commits_between(root, base_sha, head_sha),
        submitted=submitted or git.commit_time(root, head_sha),
        merge=merge,
        number=number,
        title=title,
    )


def _named(root: Path, flag: str, state: ReviewState, value: str, head_sha: str) -> Named:
    login, ref = split_login(value)
    login = check_login(flag, login)
    commit = _commit(root, f"{flag} {value}", ref) if ref else head_sha
    return Named(flag=flag, login=login, state=state, commit=commit)


def _commit(root: Path, flag: str, ref: str) -> str:
    try:
        return git.resolve(root, ref)
    except GitRefError as exc:
        raise InputError(f"{flag}: {exc}") from None


def _from_github(root: Path, number: int) -> dict[str, Any]:
    require("github", f"approvals --pr {number}")
    from modelops_gitops.github import settings

    with ExitStack() as stack:
        github = stack.enter_context(settings.connect(root, f"--pr {number}"))
        pull = github.pull_request(number)
        data = github.approvals_of(pull).as_json()
    data |= {"number": pull.number, "title": pull.title}
    if pull.merged and pull.merge_commit_sha:
        data["merge_commit"] = pull.merge_commit_sha
    return data


def _summary(approvals: ApprovalsInput) -> str:
    def count(state: str) -> int:
        return sum(1 for r in approvals.reviews if r.state == state)

    stale = sum(1 for r in approvals.reviews if r.commit_id != approvals.head_sha)
    text = (
        f"approvals: head {approvals.head_sha[:12]} by {approvals.author}: "
        f"{count('APPROVED')} approved, {count('CHANGES_REQUESTED')} changes requested"
    )
    return text + (f" ({stale} of an older commit: stale)" if stale else "")
