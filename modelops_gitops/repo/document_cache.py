"""Edge: documents' parsed YAML remembered by content digest under the clone's private cache
folder, so a command over 10,000 models does not parse 10,000 unchanged YAML files again
(validating the kept plain data is several times faster than parsing; unpickling the
validated objects themselves would not be).

An entry's key is the file's path, the sha256 of the bytes read (equal keys mean equal bytes,
whatever tree they came from; not git's SHA-1 blob id, so a crafted SHA-1 collision cannot
make a cached parse stand for other bytes) and the size limit; the cache file's
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
_FORMAT = 3  # 3: keyed by sha256 (2: by git blob id); the parsed YAML, not the validated document
Key = tuple[str, str, int]  # path, sha256 of the bytes, size limit


def content_id(data: bytes) -> str:
    """What a cache entry's bytes are known by: their sha256."""
    return hashlib.sha256(data).hexdigest()


class DocumentCache:
    """Parsed YAML by (path, sha256 of the bytes, size limit); `folder` None keeps nothing."""

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
        return (path, content_id(data), max_bytes)

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
