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
import hashlib
import os
import pickle
import stat
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from modelops_gitops import __version__, git
from modelops_gitops.audit.ledger import LEDGER_PATH, REPORTS_DIR
from modelops_gitops.audit.verdict import Break
from modelops_gitops.audit.verify import REGULAR, ChainCheck, ChainSummary, summarize
from modelops_gitops.digest import sha256_bytes
from modelops_gitops.files import write_atomic
from modelops_gitops.git.tree import SUBMODULE_MODE, SYMLINK_MODE, GitTree
from modelops_gitops.repo.validate_cache import RACY_NS

_FORMAT = 1
HASH_THREADS = 16  # small files: the pool overlaps reads; hashing itself runs on every core
_MODES = {SYMLINK_MODE: "symlink", SUBMODULE_MODE: "submodule"}


class VerifyCache:
    """What `audit verify` and `status` keep in `<git dir>/modelops-gitops/`, each part a
    function of content (ledger sha256, git tree id, blob id) or of a stat signature:

        audit-verify.pickle   per ledger digest its ChainSummary; per (ledger digest,
                              audit/reports tree id) the report breaks      (small, always read)
        audit-chain.pickle    the full ChainCheck of the last ledger        (read when needed)
        audit-digests.pickle  report sha256 by stat signature and blob id   (read when needed)
        audit-history.pickle  per branch commit id its history breaks        (read when needed)
        audit-memo.pickle     per check name its last (input fingerprint, result)

    A corrupt or foreign file is ignored; only the latest ledger's results are kept."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.summaries: dict[str, ChainSummary] = {}
        self.report_breaks: dict[tuple[str, str], tuple[list[Break], int]] = {}
        found = self._load("audit-verify.pickle")
        if isinstance(found, tuple) and len(found) == 2:
            self.summaries, self.report_breaks = found
        self._chain: tuple[str, ChainCheck] | None = None
        self._digests: tuple[dict[str, tuple[tuple[int, ...], str]], dict[str, str]] | None = None
        self._history: dict[str, list[Break]] | None = None
        self._memo: dict[str, tuple[str, Any]] | None = None
        self._dirty: set[str] = set()

    def _load(self, name: str) -> Any:
        if self.folder is None:
            return None
        try:
            with (self.folder / name).open("rb") as handle:
                header, body = pickle.load(handle)
        except Exception:  # absent, unreadable, foreign or older: start again
            return None
        return body if header == (_FORMAT, __version__) else None

    def summary(self, digest: str) -> ChainSummary | None:
        return self.summaries.get(digest)

    def chain(self, digest: str) -> ChainCheck | None:
        if self._chain is None:
            found = self._load("audit-chain.pickle")
            self._chain = found if isinstance(found, tuple) else ("", ChainCheck(0))
        return self._chain[1] if self._chain[0] == digest else None

    def keep_chain(self, digest: str, check: ChainCheck) -> None:
        self._chain = (digest, check)
        self.summaries = {digest: summarize(check)}
        self.report_breaks = {k: v for k, v in self.report_breaks.items() if k[0] == digest}
        self._dirty |= {"audit-chain.pickle", "audit-verify.pickle"}

    def reports_of(self, key: tuple[str, str]) -> tuple[list[Break], int] | None:
        return self.report_breaks.get(key)

    def keep_reports(self, key: tuple[str, str], verdict: tuple[list[Break], int]) -> None:
        self.report_breaks = {key: verdict}
        self._dirty.add("audit-verify.pickle")

    def digests(self) -> tuple[dict[str, tuple[tuple[int, ...], str]], dict[str, str]]:
        """(path -> (stat signature, sha256), blob id -> sha256), for updating in place."""
        if self._digests is None:
            found = self._load("audit-digests.pickle")
            self._digests = found if isinstance(found, tuple) else ({}, {})
        self._dirty.add("audit-digests.pickle")
        return self._digests

    def history(self) -> dict[str, list[Break]]:
        """Branch commit id -> the breaks the history walk found there (a function of the
        commit and its ancestors), for updating in place."""
        if self._history is None:
            found = self._load("audit-history.pickle")
            self._history = found if isinstance(found, dict) else {}
        return self._history

    def keep_history(self, judged: dict[str, list[Break]]) -> None:
        self.history().update(judged)
        self._dirty.add("audit-history.pickle")

    def memo(self, name: str, key: str | None) -> Any:
        """The result check `name` kept for input fingerprint `key` (None: none kept)."""
        if key is None:
            return None
        if self._memo is None:
            found = self._load("audit-memo.pickle")
            self._memo = found if isinstance(found, dict) else {}
        kept = self._memo.get(name)
        return kept[1] if kept is not None and kept[0] == key else None

    def keep_memo(self, name: str, key: str | None, value: Any) -> None:
        if key is None:
            return
        self.memo(name, key)  # loads the others
        assert self._memo is not None
        self._memo[name] = (key, value)
        self._dirty.add("audit-memo.pickle")

    def save(self) -> None:
        if self.folder is None:
            return
        bodies = {
            "audit-verify.pickle": (self.summaries, self.report_breaks),
            "audit-chain.pickle": self._chain,
            "audit-digests.pickle": self._digests,
            "audit-history.pickle": self._history,
            "audit-memo.pickle": self._memo,
        }
        for name in sorted(self._dirty):
            data = pickle.dumps(((_FORMAT, __version__), bodies[name]), pickle.HIGHEST_PROTOCOL)
            with contextlib.suppress(OSError):  # an unwritable cache costs time, not correctness
                write_atomic(self.folder / name, data)
        self._dirty.clear()


class WorkFiles:
    """The audit files in the work tree at `root`."""

    def __init__(
        self, root: Path, cache: VerifyCache, reports_clean: Callable[[], bool] | None = None
    ) -> None:
        self.root = root
        self.cache = cache
        self.label = "the work tree"
        self.reports_clean = reports_clean  # git.is_clean_later of audit/reports, if started

    def ledger(self) -> bytes | str | None:
        """The ledger's bytes; what it is when not a regular file; None when absent."""
        kind = self.ledger_kind()
        if kind != REGULAR:
            return kind
        return (self.root / LEDGER_PATH).read_bytes()

    def ledger_kind(self) -> str | None:
        """What stands at the ledger's path (`REGULAR` for a regular file); None if nothing."""
        return _kind(self.root, LEDGER_PATH)

    def reports(self) -> dict[str, str]:
        found: dict[str, str] = {}
        top = self.root / REPORTS_DIR
        kind = _kind(self.root, REPORTS_DIR)
        if kind == "folder":
            _scan(str(top), REPORTS_DIR, found)
        elif kind is not None:
            found[REPORTS_DIR] = kind
        return found

    def reports_tree(self) -> str | None:
        """The tree id of audit/reports/ at HEAD when the work tree holds exactly that tree
        (git's index and stat checks, ignored and untracked files included); else None."""
        clean = self.reports_clean or git.is_clean_later(self.root, REPORTS_DIR)
        head = git.head_commit(self.root)
        tree = git.tree_id(self.root, head, REPORTS_DIR) if head is not None else None
        return tree if clean() and tree is not None else None

    def kinds(self, paths: Iterable[str]) -> dict[str, str | None]:
        """What stands at each path (REGULAR, "symlink", ...; None: nothing)."""
        return {path: _kind(self.root, path) for path in paths}

    def digests(self, paths: Iterable[str]) -> dict[str, str]:
        now = time.time_ns()
        known_stat = self.cache.digests()[0]
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
            known = known_stat.get(path)
            if known is not None and known[0] == signature:
                out[path] = known[1]
                continue
            racy = now - max(info.st_mtime_ns, info.st_ctime_ns) < RACY_NS
            todo.append((path, None if racy else signature))
        if todo:
            root = str(self.root)
            with ThreadPoolExecutor(max_workers=HASH_THREADS) as pool:
                hashed = pool.map(lambda item: _sha256_small(os.path.join(root, item[0])), todo)
                for (path, key), sha256 in zip(todo, hashed, strict=True):
                    out[path] = sha256
                    if key is not None:
                        known_stat[path] = (key, sha256)
        return out


def ledger_sha256(root: Path, data: bytes, cache: VerifyCache | None) -> str:
    """The sha256 of `data`, the bytes just read from the work tree's ledger, kept per the
    file's stat signature (size, mtime, ctime, inode) so a warm run does not rehash it; a
    file changed within the last two seconds (or since it was read) is always hashed."""
    signature = _ledger_signature(root, len(data))
    if cache is None or signature is None:
        return sha256_bytes(data)
    kept = kept_ledger_sha256(root, cache, signature)
    if kept is not None:
        return kept
    digest = sha256_bytes(data)
    cache.keep_memo(_LEDGER_MEMO, signature, digest)
    return digest


def kept_ledger_sha256(root: Path, cache: VerifyCache, signature: str | None = None) -> str | None:
    """The sha256 `ledger_sha256` kept for the ledger as it stands (same stat signature, not
    racy), without reading it; None when there is none to trust."""
    signature = signature or _ledger_signature(root)
    kept = cache.memo(_LEDGER_MEMO, signature) if signature is not None else None
    return kept if isinstance(kept, str) else None


_LEDGER_MEMO = "ledger-sha256"


def _ledger_signature(root: Path, size: int | None = None) -> str | None:
    """The ledger's stat signature; None when absent, changed within the last two seconds,
    or not `size` bytes long (changed since it was read)."""
    try:
        info = os.lstat(root / LEDGER_PATH)
    except OSError:
        return None
    racy = time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) < RACY_NS
    if racy or (size is not None and info.st_size != size):
        return None
    return repr((info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino))


SMALL = 1 << 20


def _sha256_small(path: str) -> str:
    """Reports are small: one unbuffered read, no chunk buffer per file; anything larger
    (an artifact) is streamed 1 MiB at a time."""
    with open(path, "rb", buffering=0) as handle:
        data = handle.read(SMALL + 1)
        digest = hashlib.sha256(data)
        while len(data) > SMALL and (chunk := handle.read(SMALL)):
            digest.update(chunk)
    return digest.hexdigest()


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

    def kinds(self, paths: Iterable[str]) -> dict[str, str | None]:
        special = self.tree.special_paths()
        return {
            path: _MODES.get(special[path], "special file")
            if path in special
            else (REGULAR if self.tree.exists(path) else None)
            for path in paths
        }

    def digests(self, paths: Iterable[str]) -> dict[str, str]:
        ids = {path: self.tree.blob_id(path) for path in paths}
        known = self.cache.digests()[1]
        todo = sorted({oid for oid in ids.values() if oid not in known})
        if todo:
            by_path = {oid: path for path, oid in ids.items()}
            blobs = self.tree.read_many(by_path[oid] for oid in todo)
            for oid in todo:
                known[oid] = sha256_bytes(blobs[by_path[oid]])
        return {path: known[oid] for path, oid in ids.items()}

    def reports_tree(self) -> str | None:
        """The git tree id of audit/reports/ in this commit (None: there is none)."""
        return git.tree_id(self.tree.repo, self.tree.commit, REPORTS_DIR)
