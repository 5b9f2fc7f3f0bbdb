"""Which commit on the branch made a stage what it is now: the change `apply` has to
re-check before applying it, and that `audit verify` calls a merge or a direct push.

The branch's first-parent history is its mainline: a PR merged with a merge commit appears
there as that merge (two parents; the second is the PR's head); a squash or rebase merge, or
a direct push, as a single-parent commit -- which of those it was, only the provider (the PR
of a commit) or a local approvals file naming the commit can tell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from modelops_gitops.audit.replay import Difference
from modelops_gitops.git import History
from modelops_gitops.repo.history import stages_at
from modelops_gitops.repo.model_files import FileVersion, ModelFiles
from modelops_gitops.repo.state import model_file
from modelops_gitops.times import iso_utc

T = TypeVar("T")


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
    log = reversed(history.file_log(path, head, first_parent=True))
    found = _last_change_to(((c, stages_at(history, c[0], path).get(stage)) for c in log), desired)
    if found is None:
        return None
    return Introduction(commit=found[0], parents=history.parents(found[0]), time=iso_utc(found[1]))


def introductions(
    history: History,
    head: str,
    diffs: Sequence[Difference],
    *,
    files: ModelFiles | None = None,
    cache: Path | None = None,
) -> Callable[[Difference], Introduction | None]:
    """`introduced_by` for many differences at once (status, audit verify, the dashboard):
    one pass over the mainline's model-file versions (`repo.model_files`), the files of
    `diffs` read together (and, with `cache`, remembered by blob id for the next command);
    the answer for each difference, as a lookup. With no differences (a repository in sync)
    the history is not read at all."""
    loaded: list[ModelFiles] = [files] if files is not None else []
    read: list[bool] = []

    def model_files() -> ModelFiles:  # the history pass, only when something is asked
        if not loaded:
            loaded.append(ModelFiles(history, head, cache=cache))
        if not read:  # the files of `diffs` together, in a pass given by the caller too
            read.append(True)
            loaded[0].prefetch(model_file(d.model) for d in diffs)
            loaded[0].save()
        return loaded[0]

    if diffs:
        model_files()
    found: dict[tuple[str, str, str | None], Introduction | None] = {}
    made: dict[str, Introduction] = {}  # by commit: one Introduction (and time) per commit

    def intro_of(diff: Difference) -> Introduction | None:
        key = (diff.model, diff.stage, diff.desired)
        if key not in found:
            version = _introducing_version(model_files(), *key)
            if version is None:
                found[key] = None
            else:
                intro = made.get(version.commit)
                if intro is None:
                    intro = made[version.commit] = _introduction(version)
                found[key] = intro
        return found[key]

    return intro_of


def introduced_in(
    files: ModelFiles, model: str, stage: str, desired: str | None
) -> Introduction | None:
    """`introduced_by`, answered from the model files' versions read in one pass."""
    version = _introducing_version(files, model, stage, desired)
    return None if version is None else _introduction(version)


def _introducing_version(
    files: ModelFiles, model: str, stage: str, desired: str | None
) -> FileVersion | None:
    facts = files.facts(model_file(model))
    return _last_change_to(((v, stages.get(stage)) for v, (stages, _) in facts), desired)


def _introduction(version: FileVersion) -> Introduction:
    return Introduction(version.commit, version.parents, iso_utc(version.time))


def _last_change_to(values: Iterable[tuple[T, str | None]], desired: str | None) -> T | None:
    """The last point, oldest first, where the value changed to `desired`."""
    found: T | None = None
    value: str | None = None
    for point, now in values:
        if now != value and now == desired:
            found = point
        value = now
    return found
