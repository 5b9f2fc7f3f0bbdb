"""Edge: per-file validation results cached under the git directory (never in the work tree).

A file's key is its path, size, mtime and inode plus the tool version and the size limit,
the same signals git's index trusts; an edited file gets a new key and is read again. A file
of a git revision (a `GitTree`) is keyed by its blob id instead: content addressed. The
cache is one pickle of plain dataclasses written atomically; a corrupt or foreign cache is
ignored and rebuilt.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelops_gitops import __version__
from modelops_gitops.errors import InputError

if TYPE_CHECKING:
    from modelops_gitops.repo.tree import Tree
    from modelops_gitops.repo.validate import FileResult

_FORMAT = 3  # 3: Facts carry the desired stages of a model
Key = tuple[Any, ...]
# A file changed this recently may change again within the same timestamp tick without its
# signature changing (git's "racily clean" entries): it is read every time, never cached.
RACY_NS = 2_000_000_000


class ValidateCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, tuple[Key, FileResult]] = {}  # file -> (key, result)
        self._dirty = False
        try:
            with path.open("rb") as handle:
                header, entries = pickle.load(handle)
            if header == (_FORMAT, __version__):
                self._entries = entries
        except Exception:  # any unreadable cache (garbage, older layout, moved classes) is ignored
            self._entries = {}

    def keys(self, tree: Tree, files: list[str], max_bytes: int) -> dict[str, Key | None]:
        stat_key = getattr(tree, "stat_key", None)
        if stat_key is None:
            return self._blob_keys(tree, files, max_bytes)
        out: dict[str, Key | None] = {}
        now = time.time_ns()
        for file in files:
            try:
                signature = stat_key(file)  # (size, mtime_ns, ctime_ns, inode)
            except OSError:
                out[file] = None
                continue
            racy = now - max(signature[1], signature[2]) < RACY_NS
            out[file] = None if racy else (file, max_bytes, *signature)
        return out

    @staticmethod
    def _blob_keys(tree: Tree, files: list[str], max_bytes: int) -> dict[str, Key | None]:
        """A git revision's files, by blob id (equal ids, equal bytes): kept apart from the
        work tree's entry of the same path, so `status` and `audit verify` do not evict
        each other's."""
        blob_id = getattr(tree, "blob_id", None)
        if blob_id is None:
            return dict.fromkeys(files)
        out: dict[str, Key | None] = {}
        for file in files:
            try:
                out[file] = (f"{file}\0blob", max_bytes, blob_id(file))
            except InputError:
                out[file] = None  # not a regular file there: checked (and reported) each time
        return out

    def get(self, key: Key | None) -> FileResult | None:
        if key is None:
            return None
        entry = self._entries.get(key[0])
        return entry[1] if entry is not None and entry[0] == key else None

    def put(self, key: Key | None, result: FileResult) -> None:
        """Remember `result`; an older entry for the same file is replaced."""
        if key is not None:
            self._entries[key[0]] = (key, result)
            self._dirty = True

    def save(self) -> None:
        if not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".validate-cache.")
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(
                    ((_FORMAT, __version__), self._entries),
                    handle,
                    protocol=pickle.HIGHEST_PROTOCOL,
                )
            os.replace(tmp, self.path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
        self._dirty = False
