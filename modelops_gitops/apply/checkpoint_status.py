"""`apply --push` publishes the checkpoint of each apply commit it pushed as a GitHub commit
status on that commit: a copy of the ledger's head kept outside the repository, which a
later force-push cannot rewrite (GitHub keeps statuses by commit id).

    context      modelops-gitops/ledger-checkpoint
    state        success
    description  modelops-gitops-checkpoint v1 SEQ HASH TIME   (the checkpoint line without
                 its commit: the status's own commit; the full hash fits in 140 characters)
    target_url   the ledger at that commit, at line SEQ (<server>/<repo>/blob/<sha>/audit/ledger.jsonl#LSEQ)

An auditor rebuilds the line `modelops-gitops-checkpoint v1 SEQ HASH COMMIT TIME` and runs
`audit verify --checkpoint SEQ:HASH`. Publishing is best effort: the push already stands,
and a failure is reported, never undone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from modelops_gitops import git
from modelops_gitops.audit.checkpoint import Checkpoint, head_of
from modelops_gitops.audit.ledger import LEDGER_PATH
from modelops_gitops.errors import ProviderError
from modelops_gitops.github.provider import GitHubProvider
from modelops_gitops.github.settings import repository_settings, server_of
from modelops_gitops.times import iso_utc

CONTEXT = "modelops-gitops/ledger-checkpoint"


def checkpoint_of(root: Path, commit: str) -> Checkpoint | None:
    """The ledger's head at `commit` (an apply commit: it is the commit that last changed
    the ledger), at its committer time; None without a readable last entry."""
    found = head_of(git.show_file(root, commit, LEDGER_PATH))
    if found is None:
        return None
    return Checkpoint(found[0], found[1], commit, iso_utc(git.commit_time(root, commit)))


def ledger_url(root: Path, repository: str, checkpoint: Checkpoint) -> str:
    server = server_of(repository_settings(root), {})
    return f"{server}/{repository}/blob/{checkpoint.commit}/{LEDGER_PATH}#L{checkpoint.seq}"


def publish(root: Path, github: GitHubProvider, commits: Sequence[str]) -> list[str]:
    """One status per apply commit of `commits`; one line each for the output, failures
    included (a failed write does not stop the others)."""
    lines = []
    for commit in commits:
        checkpoint = checkpoint_of(root, commit)
        if checkpoint is None:
            continue
        try:
            github.set_status(
                commit,
                CONTEXT,
                "success",
                checkpoint.status_description(),
                target_url=ledger_url(root, github.repository, checkpoint),
            )
        except ProviderError as exc:  # every GitHub failure, mapped at its edge
            lines.append(
                f"checkpoint NOT published for {commit[:12]} (seq {checkpoint.seq}): {exc}; "
                "the push stands: publish it with `audit checkpoint` or run apply --push again"
            )
            continue
        lines.append(
            f"checkpoint published: {CONTEXT} on {commit[:12]}: seq {checkpoint.seq} "
            f"{checkpoint.hash[:16]}"
        )
    return lines
