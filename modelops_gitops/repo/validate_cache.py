"""Edge: per-file validation results cached under the git directory (never in the work tree).

A file's key is its path, size, mtime, ctime and inode plus the tool version and the size
limit, the same signals git's index trusts; an edited file gets a new key and is read again
(restoring its mtime does not hide the edit: the ctime still moves). A file of a git revision
(a `GitTree`) is keyed by its blob id instead: content addressed. The cache is 64 small
shard files, a file's shard chosen by a stable hash of its path: only the shards of the files
asked about are read, and after an edit only the shards that changed are rewritten, each
atomically. Shards hold plain tuples in `marshal` format (no code is ever loaded from them);
a corrupt, truncated or foreign shard is ignored and rebuilt.

Beside the shards, an index (`index.marshal`) serves the warm `validate` of the whole work
tree: per document its stat signature and a summary (kind, name, what it provides, whether
it has problems), and the cross-document problems of the last run. With it a warm run after
editing one model reads one shard (none when the file is valid), not 64: see
`repo/validate.py`. The index is only ever trusted entry by entry (the signature must match)
and written after the shards; a corrupt or foreign one is ignored. `folders.marshal` keeps
the work tree's folder listing for `WorkTree(listing=...)` (git's untracked cache).
"""

from __future__ import annotations

import marshal
import os
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelops_gitops import __version__
from modelops_gitops.errors import InputError

# A file changed this recently may change again within the same timestamp tick without its
# signature changing (git's "racily clean" entries): it is read every time, never cached.
from modelops_gitops.repo.tree import RACY_NS as RACY_NS
from modelops_gitops.repo.tree import Listing

if TYPE_CHECKING:
    from modelops_gitops.repo.tree import Tree
    from modelops_gitops.repo.validate import FileResult

_FORMAT = 5  # 5: signatures packed (tree.FILE_SIGNATURE); 4: sharded; 3: one pickle
_INDEX_FORMAT = 2  # 2: signatures packed
SHARDS = 64
CACHE_DIR = "validate"  # under the private cache directory
INDEX_FILE = "index.marshal"
LISTING_FILE = "folders.marshal"  # the work tree's folders, for WorkTree(listing=...)
LEGACY_FILE = "validate.pickle"  # the single-file cache of earlier versions, removed on save
Key = tuple[Any, ...]
Signature = bytes  # size, mtime_ns, ctime_ns, inode (tree.FILE_SIGNATURE)
Shard = dict[str, tuple[Key, Any]]  # file -> (key, encoded result)
# file -> (stat signature or None, kind or None (no facts), name, provides, has problems)
Entry = tuple[Signature | None, str | None, str, tuple[str, ...], bool]
Located = tuple[tuple[str, int, int, str, str], ...]  # problems as plain tuples


@dataclass(frozen=True)
class Index:
    entries: dict[str, Entry]  # every document of the last whole-tree run, in file order
    cross: dict[str, Located] | None  # its cross-document problems per file; None: unknown


def signatures(tree: Tree, files: list[str]) -> dict[str, Signature | None]:
    """Each work-tree file's (size, mtime_ns, ctime_ns, inode); None when it cannot be
    statted or is racy (changed within RACY_NS: checked every time, never cached). Only
    for a tree with `settled_keys` (a `WorkTree`)."""
    found: dict[str, Signature | None] = getattr(tree, "settled_keys")(  # noqa: B009
        files, time.time_ns() - RACY_NS
    )
    return found


def key_of(file: str, max_bytes: int, signature: Signature) -> Key:
    """A work-tree file's key: its path, the size limit and its stat signature."""
    return (file, max_bytes, signature)


def shard_of(file: str) -> int:
    """The shard holding `file`: stable across processes (unlike `hash`)."""
    return zlib.crc32(file.encode("utf-8", "surrogateescape")) % SHARDS


class ValidateCache:
    def __init__(self, path: Path) -> None:
        self.path = path  # the shard directory
        self._shards: dict[int, Shard] = {}  # loaded shards only
        self._dirty: set[int] = set()

    def keys(self, tree: Tree, files: list[str], max_bytes: int) -> dict[str, Key | None]:
        if getattr(tree, "settled_keys", None) is None:
            return self._blob_keys(tree, files, max_bytes)
        return {
            file: None if signature is None else key_of(file, max_bytes, signature)
            for file, signature in signatures(tree, files).items()
        }

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

    def _kept(self, key: Key | None) -> Any:
        """The encoded result kept under exactly `key` (None: none)."""
        if key is None:
            return None
        entry = self._shard(shard_of(key[0])).get(key[0])
        return entry[1] if entry is not None and entry[0] == key else None

    def get(self, key: Key | None) -> FileResult | None:
        kept = self._kept(key)
        if kept is None:
            return None
        try:
            return decode(kept)
        except (TypeError, ValueError):  # a damaged entry is a miss
            return None

    def stages_of(self, key: Key | None) -> tuple[str, str, dict[str, str]] | None:
        """(kind, name, spec.stages) of the result kept under `key`, read without building
        the rest of it (its references): what `status` and `audit verify` read of every
        model. None when nothing is kept, or what is kept has no facts (a file that could
        not be read as a document: the caller checks it, to report its problems)."""
        kept = self._kept(key)
        if kept is None:
            return None
        try:
            _, facts, _ = kept
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

    def read_index(self, max_bytes: int) -> Index:
        """The index written with this size limit, or an empty one."""
        empty = Index({}, None)
        try:
            data = marshal.loads((self.path / INDEX_FILE).read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return empty
        if not (
            isinstance(data, tuple)
            and len(data) == 5
            and data[:3] == (_INDEX_FORMAT, __version__, max_bytes)
            and isinstance(data[3], dict)
            and isinstance(data[4], dict)
            and all(type(e) is tuple and len(e) == 5 for e in data[3].values())
            and all(type(p) is tuple for p in data[4].values())
        ):
            return empty
        return Index(data[3], data[4])

    def write_index(self, max_bytes: int, index: Index) -> None:
        """Write `index` (after `save`: an entry never runs ahead of the shards)."""
        if index.cross is None:
            return
        body = marshal.dumps((_INDEX_FORMAT, __version__, max_bytes, index.entries, index.cross))
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError:
            return
        self._replace(INDEX_FILE, body)

    def read_listing(self) -> Listing:
        """The folders' entries of the last run (see `WorkTree`), or an empty mapping."""
        try:
            data = marshal.loads((self.path / LISTING_FILE).read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return {}
        if not (
            isinstance(data, tuple)
            and len(data) == 3
            and data[:2] == (_INDEX_FORMAT, __version__)
            and isinstance(data[2], dict)
            and all(
                type(v) is tuple and len(v) == 2 and type(v[1]) is tuple for v in data[2].values()
            )
        ):
            return {}
        return data[2]

    def write_listing(self, listing: Listing) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError:
            return
        shared: dict[Any, Any] = {}  # equal entries as one object: marshal writes it once
        compact = {
            folder: (signature, shared.setdefault(entries, entries))
            for folder, (signature, entries) in listing.items()
        }
        self._replace(LISTING_FILE, marshal.dumps((_INDEX_FORMAT, __version__, compact)))

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
        self._replace(self._file(index).name, body)

    def _replace(self, name: str, body: bytes) -> None:
        """Write `name` in the cache folder atomically; an unwritable cache costs time only."""
        try:
            fd, tmp = tempfile.mkstemp(dir=self.path, prefix=f".{name}.")
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(body)
            os.replace(tmp, self.path / name)
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
