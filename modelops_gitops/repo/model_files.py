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

import contextlib
import pickle
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from modelops_gitops import __version__
from modelops_gitops.files import write_atomic
from modelops_gitops.git import History
from modelops_gitops.repo.history import first_listed, spec_of, stages_of, versions_of


@dataclass(frozen=True)
class FileVersion:
    """The model file as one mainline commit left it (`blob` None: deleted there)."""

    commit: str
    parents: tuple[str, ...]
    time: datetime
    blob: str | None


Facts = tuple[dict[str, str], list[str]]  # a model file's spec.stages and version list
_CACHE_FILE = "model-file-facts.pickle"
_FORMAT = 1


class ModelFiles:
    """The model files' versions along `head`'s mainline. With `cache` (the clone's private
    cache folder), the stages and versions of each blob read are kept by blob id (content
    addressed: a blob's facts never change) for the next command; `save()` writes them."""

    def __init__(self, history: History, head: str, *, cache: Path | None = None) -> None:
        self._history = history
        self._log: dict[str, list[FileVersion]] = {}
        for commit in history.mainline_files(head, "models"):
            when = datetime.fromtimestamp(commit.time, tz=UTC)
            for path, blob in commit.blobs.items():
                version = FileVersion(commit.sha, commit.parents, when, blob)
                self._log.setdefault(path, []).append(version)
        self._cache = cache
        self._facts: dict[str, Facts] = _load(cache)
        self._learned = False

    def versions(self, path: str) -> list[FileVersion]:
        """The commits that changed `path`, oldest first."""
        return self._log.get(path, [])

    def facts(self, path: str) -> list[tuple[FileVersion, Facts]]:
        """Each version of `path` with its stages and versions (none where deleted or
        unreadable)."""
        versions = self.versions(path)
        known = self._facts
        if any(v.blob and v.blob not in known for v in versions):
            self.prefetch([path])
        return [(v, known[v.blob] if v.blob else ({}, [])) for v in versions]

    def prefetch(self, paths: Iterable[str]) -> None:
        """Read and parse, together, the versions of `paths` not known yet."""
        wanted = {
            v.blob: path
            for path in paths
            for v in self.versions(path)
            if v.blob and v.blob not in self._facts
        }
        if wanted:
            blobs = self._history.read_blobs(sorted(wanted))
            for blob, path in wanted.items():
                spec = spec_of(path, blobs[blob])
                self._facts[blob] = (stages_of(spec), versions_of(spec))
            self._learned = True

    def registrations(self, path: str) -> dict[str, tuple[str, datetime]]:
        """`repo.history.registrations` from this pass: version -> the first mainline commit
        whose file lists it, and that commit's time."""
        facts = self.facts(path)
        return first_listed(((v.commit, v.time), listed) for v, (_, listed) in facts)

    def save(self) -> None:
        """Keep what was learned for the next command (an unwritable cache costs time)."""
        if self._cache is None or not self._learned:
            return
        data = pickle.dumps(((_FORMAT, __version__), self._facts), pickle.HIGHEST_PROTOCOL)
        with contextlib.suppress(OSError):
            write_atomic(self._cache / _CACHE_FILE, data)
        self._learned = False


def _load(folder: Path | None) -> dict[str, Facts]:
    if folder is None:
        return {}
    try:
        with (folder / _CACHE_FILE).open("rb") as handle:
            header, body = pickle.load(handle)
    except Exception:  # absent, unreadable, foreign or older: start again
        return {}
    return body if header == (_FORMAT, __version__) and isinstance(body, dict) else {}
