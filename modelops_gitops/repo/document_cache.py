"""Edge: documents' parsed YAML remembered by git blob id under the clone's private cache
folder, so a command over 10,000 models does not parse 10,000 unchanged YAML files again
(validating the kept plain data is several times faster than parsing; unpickling the
validated objects themselves would not be).

An entry's key is the file's path, its git blob id (computed from the bytes read, so equal
keys mean equal bytes, whatever tree they came from) and the size limit; the cache file's
header carries the tool version. Only documents that loaded without a problem are kept: a
file with problems is parsed every time, so its problems are reported exactly. The cache is
one pickle written atomically; an unreadable, corrupt or foreign one is ignored and rewritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
from pathlib import Path
from typing import Any

from modelops_gitops import __version__
from modelops_gitops.files import write_atomic

CACHE_FILE = "documents.pickle"
_FORMAT = 2  # 2: the parsed YAML, not the validated document
Key = tuple[str, str, int]  # path, blob id, size limit


def blob_id(data: bytes) -> str:
    """The id git gives a blob with these bytes."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


class DocumentCache:
    """Parsed YAML by (path, blob id, size limit); `folder` None keeps nothing."""

    def __init__(self, folder: Path | None) -> None:
        self._path = folder / CACHE_FILE if folder is not None else None
        self._entries: dict[str, tuple[Key, Any]] = {}  # path -> (key, document)
        self._dirty = False
        if self._path is None:
            return
        try:
            with self._path.open("rb") as handle:
                header, entries = pickle.load(handle)
            if header == (_FORMAT, __version__) and isinstance(entries, dict):
                self._entries = entries
        except Exception:  # absent, garbage, older layout, moved classes: start again
            self._entries = {}
            self._dirty = True  # a corrupt file is replaced by the next save

    @staticmethod
    def key(path: str, data: bytes, max_bytes: int) -> Key:
        return (path, blob_id(data), max_bytes)

    def get(self, key: Key) -> Any:
        entry = self._entries.get(key[0])
        if entry is None or entry[0] != key:
            return None
        return entry[1]

    def put(self, key: Key, data: Any) -> None:
        self._entries[key[0]] = (key, data)
        self._dirty = True

    def save(self) -> None:
        """Write what changed (an unwritable cache costs time, never correctness)."""
        if self._path is None or not self._dirty:
            return
        data = pickle.dumps(((_FORMAT, __version__), self._entries), pickle.HIGHEST_PROTOCOL)
        with contextlib.suppress(OSError):
            self._path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self._path, data)
        self._dirty = False
