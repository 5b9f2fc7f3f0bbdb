"""Edge: `spec.stages` of model files at the commits of a branch's first-parent history,
for the history walk's claim checks (every entry's change re-derived from its merge: two
model files per entry, 200,000 at 100,000 entries).

    MainlineStages(history, head, commits)   .stages_at(sha, model)   .prefetch(pairs)

Which version of a model file a mainline commit holds comes from one `git log --raw` of
models/ (the blob id each commit wrote, against its first parent), so a file version is
found by its blob id and parsed once, however many entries and commits name it. Parsing is
the cost of a cold walk (libyaml, about 1 ms a file): `prefetch` reads the versions a
ledger's entries name in bulk and parses them on worker processes, a chunk at a time, so
memory holds stages, not files. A commit off the mainline is read directly.
"""

from __future__ import annotations

import contextlib
import os
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor

from modelops_gitops.errors import InputError
from modelops_gitops.git import History, MainlineCommit
from modelops_gitops.repo.history import spec_of, stages_at, stages_of
from modelops_gitops.repo.state import model_file

MODELS_DIR = "models"
CHUNK = 2_000  # file versions read and parsed together (~16 MB of YAML)
PARALLEL_FROM = 500  # fewer files than this parse faster here than on workers


class MainlineStages:
    def __init__(
        self, history: History, head: str, commits: Sequence[MainlineCommit], jobs: int = 0
    ) -> None:
        self.history = history
        self.jobs = jobs or os.cpu_count() or 1
        self.position = {c.sha: i for i, c in enumerate(commits)}
        self.changes: dict[str, tuple[list[int], list[str | None]]] = {}
        for version in history.mainline_files(head, MODELS_DIR):
            at = self.position.get(version.sha)
            if at is None:
                continue  # not on this mainline (cannot happen for the same head)
            for path, oid in version.blobs.items():
                positions, oids = self.changes.setdefault(path, ([], []))
                positions.append(at)
                oids.append(oid)
        self.parsed: dict[str, dict[str, str]] = {}

    def oid_at(self, sha: str, path: str) -> str | None:
        """The blob id of `path` at mainline commit `sha` (None: no such file there)."""
        positions, oids = self.changes.get(path, ([], []))
        last = bisect_right(positions, self.position[sha]) - 1
        return oids[last] if last >= 0 else None

    def stages_at(self, sha: str, model: str) -> Mapping[str, str]:
        path = model_file(model)
        if sha not in self.position:
            return stages_at(self.history, sha, path)
        oid = self.oid_at(sha, path)
        if oid is None:
            return {}
        if oid not in self.parsed:
            try:
                self._parse([oid])
            except InputError:  # not a blob there (a submodule): read as the commit has it
                return stages_at(self.history, sha, path)
        return self.parsed[oid]

    def prefetch(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Parse, ahead of the walk, the model files of the (mainline commit, model) pairs."""
        wanted = (self.oid_at(sha, model_file(m)) for sha, m in pairs if sha in self.position)
        todo = [oid for oid in dict.fromkeys(wanted) if oid is not None and oid not in self.parsed]
        if len(todo) < PARALLEL_FROM or self.jobs < 2:
            for start in range(0, len(todo), CHUNK):
                with contextlib.suppress(InputError):  # the walk reads those one by one
                    self._parse(todo[start : start + CHUNK])
            return
        with ProcessPoolExecutor(max_workers=self.jobs) as pool:
            chunks = (todo[i : i + CHUNK] for i in range(0, len(todo), CHUNK))
            for chunk in chunks:
                try:
                    blobs = self.history.read_blobs(chunk)
                except InputError:
                    continue  # the walk reads those one by one
                size = -(-len(chunk) // (self.jobs * 2))
                parts = [
                    [blobs[o] for o in chunk[i : i + size]] for i in range(0, len(chunk), size)
                ]
                found = [s for part in pool.map(_stages_of_many, parts) for s in part]
                self.parsed.update(zip(chunk, found, strict=True))

    def _parse(self, oids: list[str]) -> None:
        blobs = self.history.read_blobs(oids)
        self.parsed.update(zip(oids, _stages_of_many([blobs[o] for o in oids]), strict=True))


def _stages_of_many(raws: list[bytes]) -> list[dict[str, str]]:
    return [stages_of(spec_of(MODELS_DIR, raw)) for raw in raws]
