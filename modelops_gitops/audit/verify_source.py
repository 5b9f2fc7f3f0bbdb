"""Edge: the audit files `audit verify` judges, as they stand in the work tree or in a commit.

    WorkFiles(root, cache)      the files on disk, as an auditor's checkout has them
    RevFiles(root, rev, cache)  the tree of a commit, read with GitTree (nothing checked out)

Each answers: the ledger's bytes (or what stands there instead of a regular file), every
path under audit/reports/ with what it is (symlinks are listed, never followed), and the
sha256 of named reports. Work-tree files are hashed on a thread pool (hashlib releases the
GIL while it hashes, reads release it while they wait); digests are cached by stat
signature (size, mtime, ctime, inode: what git's index trusts; a file changed within the
last two seconds is always hashed) and, for a commit, by blob id (content-addressed).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import stat
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from modelops_gitops import __version__
from modelops_gitops.audit.ledger import LEDGER_PATH, REPORTS_DIR
from modelops_gitops.audit.verify import REGULAR, ChainCheck
from modelops_gitops.digest import sha256_bytes, sha256_file
from modelops_gitops.files import write_atomic
from modelops_gitops.git_tree import SUBMODULE_MODE, SYMLINK_MODE, GitTree
from modelops_gitops.validate_cache import RACY_NS

_FORMAT = 1
HASH_THREADS = 16  # small files: the pool overlaps reads; hashing itself runs on every core
_MODES = {SYMLINK_MODE: "symlink", SUBMODULE_MODE: "submodule"}


class VerifyCache:
    """Digests and the last chain check, in `<git dir>/modelops-gitops/audit-verify.pickle`.
    The chain check is keyed by the sha256 of the whole ledger: it is a function of those
    bytes. A corrupt or foreign cache is ignored."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.stat: dict[str, tuple[tuple[int, ...], str]] = {}  # path -> (signature, sha256)
        self.blobs: dict[str, str] = {}  # git blob id -> sha256
        self.chain: tuple[str, ChainCheck] | None = None  # (ledger sha256, check)
        self._dirty = False
        if path is None:
            return
        try:
            with path.open("rb") as handle:
                header, body = pickle.load(handle)
            if header == (_FORMAT, __version__):
                self.stat, self.blobs, self.chain = body
        except Exception:  # unreadable, foreign or older: start again
            self.stat, self.blobs, self.chain = {}, {}, None

    def chain_of(self, digest: str) -> ChainCheck | None:
        return self.chain[1] if self.chain is not None and self.chain[0] == digest else None

    def keep_chain(self, digest: str, check: ChainCheck) -> None:
        self.chain = (digest, check)
        self._dirty = True

    def touched(self) -> None:
        self._dirty = True

    def save(self) -> None:
        if self.path is None or not self._dirty:
            return
        body: Any = ((_FORMAT, __version__), (self.stat, self.blobs, self.chain))
        with contextlib.suppress(OSError):  # an unwritable cache costs time, not correctness
            write_atomic(self.path, pickle.dumps(body, protocol=pickle.HIGHEST_PROTOCOL))
        self._dirty = False


class WorkFiles:
    """The audit files in the work tree at `root`."""

    def __init__(self, root: Path, cache: VerifyCache) -> None:
        self.root = root
        self.cache = cache
        self.label = "the work tree"

    def ledger(self) -> bytes | str | None:
        """The ledger's bytes; what it is when not a regular file; None when absent."""
        kind = _kind(self.root, LEDGER_PATH)
        if kind != REGULAR:
            return kind
        return (self.root / LEDGER_PATH).read_bytes()

    def reports(self) -> dict[str, str]:
        found: dict[str, str] = {}
        top = self.root / REPORTS_DIR
        kind = _kind(self.root, REPORTS_DIR)
        if kind == "folder":
            _scan(str(top), REPORTS_DIR, found)
        elif kind is not None:
            found[REPORTS_DIR] = kind
        return found

    def digests(self, paths: Iterable[str]) -> dict[str, str]:
        now = time.time_ns()
        out: dict[str, str] = {}
        todo: list[tuple[str, tuple[int, ...] | None]] = []
        for path in paths:
            info = os.lstat(os.path.join(self.root, path))
            signature: tuple[int, ...] = (
                info.st_size,
                info.st_mtime_ns,
                info.st_ctime_ns,
                info.st_ino,
            )
            known = self.cache.stat.get(path)
            if known is not None and known[0] == signature:
                out[path] = known[1]
                continue
            racy = now - max(info.st_mtime_ns, info.st_ctime_ns) < RACY_NS
            todo.append((path, None if racy else signature))
        if todo:
            with ThreadPoolExecutor(max_workers=HASH_THREADS) as pool:
                hashed = pool.map(lambda item: sha256_file(self.root / item[0]), todo)
                for (path, key), sha256 in zip(todo, hashed, strict=True):
                    out[path] = sha256
                    if key is not None:
                        self.cache.stat[path] = (key, sha256)
            self.cache.touched()
        return out


def _kind(root: Path, rel: str) -> str | None:
    """What stands at `rel` (no symlink followed, the parents' included): None if nothing."""
    full = root
    for part in rel.split("/"):
        full = full / part
        try:
            info = os.lstat(full)
        except FileNotFoundError:
            return None
        if stat.S_ISLNK(info.st_mode):
            return "symlink"
    if stat.S_ISDIR(info.st_mode):
        return "folder"
    return REGULAR if stat.S_ISREG(info.st_mode) else "special file"


def _scan(folder: str, rel: str, found: dict[str, str]) -> None:
    with os.scandir(folder) as entries:
        for entry in entries:
            name = f"{rel}/{entry.name}"
            if entry.is_symlink():
                found[name] = "symlink"
            elif entry.is_dir(follow_symlinks=False):
                _scan(entry.path, name, found)
            else:
                found[name] = REGULAR if entry.is_file(follow_symlinks=False) else "special file"


class RevFiles:
    """The audit files in the tree of commit `rev`."""

    def __init__(self, tree: GitTree, cache: VerifyCache) -> None:
        self.tree = tree
        self.cache = cache
        self.label = tree.label

    def ledger(self) -> bytes | str | None:
        special = self.tree.special_paths()
        if LEDGER_PATH in special:
            return _MODES.get(special[LEDGER_PATH], "special file")
        if not self.tree.exists(LEDGER_PATH):
            return None
        return self.tree.read(LEDGER_PATH)

    def reports(self) -> dict[str, str]:
        prefix = f"{REPORTS_DIR}/"
        found = {p: REGULAR for p in self.tree.paths() if p.startswith(prefix)}
        for path, mode in self.tree.special_paths().items():
            if path.startswith(prefix) or path == REPORTS_DIR:
                found[path] = _MODES.get(mode, "special file")
        return found

    def digests(self, paths: Iterable[str]) -> dict[str, str]:
        ids = {path: self.tree.blob_id(path) for path in paths}
        todo = sorted({oid for oid in ids.values() if oid not in self.cache.blobs})
        if todo:
            by_path = {oid: path for path, oid in ids.items()}
            blobs = self.tree.read_many(by_path[oid] for oid in todo)
            for oid in todo:
                self.cache.blobs[oid] = sha256_bytes(blobs[by_path[oid]])
            self.cache.touched()
        return {path: self.cache.blobs[oid] for path, oid in ids.items()}
