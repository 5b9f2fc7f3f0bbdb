"""Every version of the model files on a branch's mainline, read in one pass: what
provenance (which commit made a stage what it is) and registrations (when a version first
appeared) need for many models at once.

One `git log --raw` over the first-parent history of `models/` gives, per model file, the
commits that changed it and the blob of each version; the blobs of the files asked for are
read together (one `git cat-file --batch`) and each is parsed once, however many stages ask.
The cost is one history pass plus the model-file versions actually needed: flat in the number
of unrelated commits, never a git process per (model, stage).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from modelops_gitops.git import History
from modelops_gitops.repo.history import first_listed, spec_of, versions_of


@dataclass(frozen=True)
class FileVersion:
    """The model file as one mainline commit left it (`blob` None: deleted there)."""

    commit: str
    parents: tuple[str, ...]
    time: datetime
    blob: str | None


class ModelFiles:
    """The model files' versions along `head`'s mainline."""

    def __init__(self, history: History, head: str) -> None:
        self._history = history
        self._log: dict[str, list[FileVersion]] = {}
        for commit in history.mainline_files(head, "models"):
            when = datetime.fromtimestamp(commit.time, tz=UTC)
            for path, blob in commit.blobs.items():
                version = FileVersion(commit.sha, commit.parents, when, blob)
                self._log.setdefault(path, []).append(version)
        self._specs: dict[str, dict[str, Any]] = {}

    def versions(self, path: str) -> list[FileVersion]:
        """The commits that changed `path`, oldest first."""
        return self._log.get(path, [])

    def specs(self, path: str) -> list[tuple[FileVersion, dict[str, Any]]]:
        """Each version of `path` with its `spec` ({} where deleted or unreadable)."""
        self.prefetch([path])
        return [(v, self._specs[v.blob] if v.blob else {}) for v in self.versions(path)]

    def prefetch(self, paths: Iterable[str]) -> None:
        """Read and parse, together, the versions of `paths` not read yet."""
        wanted = {
            v.blob: path
            for path in paths
            for v in self.versions(path)
            if v.blob and v.blob not in self._specs
        }
        if wanted:
            blobs = self._history.read_blobs(sorted(wanted))
            for blob, path in wanted.items():
                self._specs[blob] = spec_of(path, blobs[blob])

    def registrations(self, path: str) -> dict[str, tuple[str, datetime]]:
        """`repo.history.registrations` from this pass: version -> the first mainline commit
        whose file lists it, and that commit's time."""
        specs = self.specs(path)
        return first_listed(((v.commit, v.time), versions_of(spec)) for v, spec in specs)
