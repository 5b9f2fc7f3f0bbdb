"""Edge: per-file validation results cached under the git directory (never in the work tree).

A file's key is its path, size, mtime, ctime and inode plus the tool version and the size
limit, the same signals git's index trusts; an edited file gets a new key and is read again
(restoring its mtime does not hide the edit: the ctime still moves). A file of a git revision
(a `GitTree`) is keyed by its blob id instead: content addressed. The cache is 64 small
shard files, a file's shard chosen by a stable hash of its path: only the shards of the files
asked about are read, and after an edit only the shards that changed are rewritten, each
atomically. Shards hold plain tuples in `marshal` format (no code is ever loaded from them);
a corrupt, truncated or foreign shard is ignored and rebuilt.
"""

from __future__ import annotations

import marshal
import os
import tempfile
import time
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelops_gitops import __version__
from modelops_gitops.errors import InputError

if TYPE_CHECKING:
    from modelops_gitops.repo.tree import Tree
    from modelops_gitops.repo.validate import FileResult

_FORMAT = 4  # 4: sharded marshal tuples (3: one pickle, validate.pickle)
SHARDS = 64
CACHE_DIR = "validate"  # under the private cache directory
LEGACY_FILE = "validate.pickle"  # the single-file cache of earlier versions, removed on save
Key = tuple[Any, ...]
Shard = dict[str, tuple[Key, Any]]  # file -> (key, encoded result)
# A file changed this recently may change again within the same timestamp tick without its
# signature changing (git's "racily clean" entries): it is read every time, never cached.
RACY_NS = 2_000_000_000


def shard_of(file: str) -> int:
    """The shard holding `file`: stable across processes (unlike `hash`)."""
    return zlib.crc32(file.encode("utf-8", "surrogateescape")) % SHARDS


class ValidateCache:
    def __init__(self, path: Path) -> None:
        self.path = path  # the shard directory
        self._shards: dict[int, Shard] = {}  # loaded shards only
        self._dirty: set[int] = set()

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
        entry = self._shard(shard_of(key[0])).get(key[0])
        if entry is None or entry[0] != key:
            return None
        try:
            return decode(entry[1])
        except (TypeError, ValueError):  # a damaged entry is a miss
            return None

    def stages_of(self, key: Key | None) -> tuple[str, str, dict[str, str]] | None:
        """(kind, name, spec.stages) of the result kept under `key`, read without building
        the rest of it (its references): what `status` and `audit verify` read of every
        model. None when nothing is kept, or what is kept has no facts (a file that could
        not be read as a document: the caller checks it, to report its problems)."""
        if key is None:
            return None
        entry = self._shard(shard_of(key[0])).get(key[0])
        if entry is None or entry[0] != key:
            return None
        try:
            _, facts, _ = entry[1]
            if facts is None:
                return None
            _, kind, name, _, _, stages = facts
            return kind, name, {stage: version for stage, version in stages}
        except (TypeError, ValueError):  # a damaged entry is a miss
            return None

    def put(self, key: Key | None, result: FileResult) -> None:
        """Remember `result`; an older entry for the same file is replaced."""
        if key is not None:
            index = shard_of(key[0])
            self._shard(index)[key[0]] = (key, encode(result))
            self._dirty.add(index)

    def save(self) -> None:
        if not self._dirty:
            return
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            (self.path.parent / LEGACY_FILE).unlink(missing_ok=True)
        except OSError:
            return
        for index in sorted(self._dirty):
            self._write(index)
        self._dirty.clear()

    def _file(self, index: int) -> Path:
        return self.path / f"{index:02x}.marshal"

    def _shard(self, index: int) -> Shard:
        shard = self._shards.get(index)
        if shard is None:
            shard = self._shards[index] = self._read(index)
        return shard

    def _read(self, index: int) -> Shard:
        try:
            data = marshal.loads(self._file(index).read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return {}
        if not (isinstance(data, tuple) and len(data) == 3 and data[:2] == (_FORMAT, __version__)):
            return {}
        entries = data[2]
        if not isinstance(entries, dict):
            return {}
        return {
            file: entry
            for file, entry in entries.items()
            if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], tuple)
        }

    def _write(self, index: int) -> None:
        body = marshal.dumps((_FORMAT, __version__, self._shards[index]))
        try:
            fd, tmp = tempfile.mkstemp(dir=self.path, prefix=f".{index:02x}.")
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(body)
            os.replace(tmp, self._file(index))
        except OSError:
            Path(tmp).unlink(missing_ok=True)


def encode(result: FileResult) -> tuple[Any, ...]:
    """A result as plain tuples of str/int (what marshal stores)."""
    facts = result.facts
    encoded_facts = (
        None
        if facts is None
        else (
            facts.file,
            facts.kind,
            facts.name,
            facts.provides,
            tuple((r.path, r.kind, r.target, r.scope) for r in facts.refs),
            facts.stages,
        )
    )
    problems = tuple((p.file, p.line, p.column, p.field, p.message) for p in result.problems)
    return (result.file, encoded_facts, problems)


def decode(data: tuple[Any, ...]) -> FileResult:
    """The inverse of `encode`; raises TypeError/ValueError on a malformed entry."""
    from modelops_gitops.problems import Problem
    from modelops_gitops.repo.facts import Facts, Ref
    from modelops_gitops.repo.validate import FileResult

    file, encoded_facts, problems = data
    facts = None
    if encoded_facts is not None:
        f_file, kind, name, provides, refs, stages = encoded_facts
        facts = Facts(
            f_file,
            kind,
            name,
            tuple(provides),
            tuple(Ref(tuple(path), r_kind, target, scope) for path, r_kind, target, scope in refs),
            tuple((stage, version) for stage, version in stages),
        )
    return FileResult(file, facts, tuple(Problem(*p) for p in problems))
