"""Which commit on the branch made a stage what it is now: the change `apply` has to
re-check before applying it, and that `audit verify` calls a merge or a direct push.

The branch's first-parent history is its mainline: a PR merged with a merge commit appears
there as that merge (two parents; the second is the PR's head); a squash or rebase merge, or
a direct push, as a single-parent commit -- which of those it was, only the provider (the PR
of a commit) or a local approvals file naming the commit can tell.
"""

from __future__ import annotations

from dataclasses import dataclass

from modelops_gitops.git import History
from modelops_gitops.repo.history import stages_at
from modelops_gitops.repo.state import model_file
from modelops_gitops.times import iso_utc


@dataclass(frozen=True)
class Introduction:
    """The first-parent commit at which (model, stage) last became `desired`."""

    commit: str
    parents: tuple[str, ...]
    time: str  # committer time, ISO 8601 UTC

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def base(self) -> str:
        """The branch as it stood before: the base the change was judged by."""
        return self.parents[0] if self.parents else ""

    @property
    def merged_head(self) -> str:
        """The PR head a merge commit brought in ("" for a single-parent commit)."""
        return self.parents[1] if self.is_merge else ""


def introduced_by(
    history: History, head: str, model: str, stage: str, desired: str | None
) -> Introduction | None:
    """The newest first-parent commit up to `head` where `spec.stages[stage]` of `model`
    changed to `desired` (None: the stage or model went away). None if it never did."""
    path = model_file(model)
    found: tuple[str, str] | None = None
    value: str | None = None
    for sha, when in reversed(history.file_log(path, head, first_parent=True)):
        now = stages_at(history, sha, path).get(stage)
        if now != value and now == desired:
            found = (sha, iso_utc(when))
        value = now
    if found is None:
        return None
    return Introduction(commit=found[0], parents=history.parents(found[0]), time=found[1])
