"""The seam for reading history: `History` is to commits what `Tree` is to files.

The stage history, provenance (which commit introduced a stage), the ledger's mainline and the
tags are computed from a `History`, so they can be pointed at another backend (a snapshot held
in memory, a hosted API) without touching their logic. `LocalHistory` reads a local clone
through the typed functions of this package.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from modelops_gitops.git import log, refs, tree


class History(Protocol):
    """Read-only access to the commits of one repository."""

    def resolve(self, ref: str) -> str:
        """The full sha `ref` names (GitRefError when none)."""
        ...

    def parents(self, commit: str) -> tuple[str, ...]:
        """First parent first; two or more for a merge."""
        ...

    def commit_time(self, commit: str) -> datetime:
        """Committer time, timezone-aware UTC."""
        ...

    def file_log(
        self, path: str, ref: str, *, first_parent: bool = False
    ) -> list[tuple[str, datetime]]:
        """Commits reachable from `ref` that changed `path`, newest first, with their times."""
        ...

    def first_parent(self, head: str) -> list[str]:
        """The mainline of `head`, oldest first."""
        ...

    def show_file(self, commit: str, path: str) -> bytes:
        """`path` at `commit`; b"" where it did not exist."""
        ...

    def mainline_files(self, head: str, under: str) -> list[log.FileVersions]:
        """The mainline of `head`, oldest first, as the commits that changed files under the
        folder `under`, each with the blob ids of the files it changed."""
        ...

    def read_blobs(self, oids: Sequence[str]) -> dict[str, bytes]:
        """Blobs by id (from `mainline_files`), read together."""
        ...


@dataclass(frozen=True)
class LocalHistory:
    """`History` of the clone at `root`."""

    root: Path

    def resolve(self, ref: str) -> str:
        return refs.resolve(self.root, ref)

    def parents(self, commit: str) -> tuple[str, ...]:
        return refs.parents(self.root, commit)

    def commit_time(self, commit: str) -> datetime:
        return log.commit_time(self.root, commit)

    def file_log(
        self, path: str, ref: str, *, first_parent: bool = False
    ) -> list[tuple[str, datetime]]:
        return log.file_log(self.root, path, ref, first_parent=first_parent)

    def first_parent(self, head: str) -> list[str]:
        return log.first_parent(self.root, head)

    def show_file(self, commit: str, path: str) -> bytes:
        return tree.show_file(self.root, commit, path)

    def mainline_files(self, head: str, under: str) -> list[log.FileVersions]:
        return log.mainline_files(self.root, head, under)

    def read_blobs(self, oids: Sequence[str]) -> dict[str, bytes]:
        return tree.read_blobs(self.root, oids)
