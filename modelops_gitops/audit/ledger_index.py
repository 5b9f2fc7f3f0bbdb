"""Edge: an index of the work tree's ledger, so `history MODEL` and `audit at DATE` read and
validate only the lines they show instead of all of them.

The index lives in the clone's private cache (`<git dir>/modelops-gitops/ledger-index.pickle`)
and is keyed by the ledger's sha256. Building it validates EVERY line once (a malformed line
is bad input naming its line, exactly as `parse_ledger` says) and keeps, per line, where it
is in the file and the few fields a query filters and replays by (seq, time, change kind,
model, stage, to). A later query trusts it while the ledger's stat signature (size,
mtime, ctime, inode: what git's index trusts; a file changed within the last two seconds is
always hashed) is unchanged, or when the ledger hashes to the same sha256; anything else
builds it again. The lines a query selects are read by offset and validated in full.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import re
import time
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import compress, count
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from modelops_gitops import __version__
from modelops_gitops.audit.paths import LEDGER_PATH
from modelops_gitops.audit.replay import holders
from modelops_gitops.errors import InputError
from modelops_gitops.files import write_atomic
from modelops_gitops.problems import Problem
from modelops_gitops.repo.tree import inside
from modelops_gitops.repo.validate_cache import RACY_NS
from modelops_gitops.repo.workspace import cache_dir

if TYPE_CHECKING:  # the entries' models load only when a line is read in full
    from modelops_gitops.audit.ledger import LedgerEntry

INDEX_FILE = "ledger-index.pickle"
_FORMAT = 2  # 2: numbers in arrays, no hashes
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")  # bytes.splitlines' line breaks
_CHUNK = 1 << 20


class IndexedChange(NamedTuple):
    kind: str
    model: str
    stage: str
    to: str | None


class IndexedEntry(NamedTuple):
    """What the filters and `replay.held_entries` need of a line, and where the line is."""

    seq: int
    time: str
    change: IndexedChange
    line: int  # 1-based, as problems name it (a valid ledger has no skipped line)
    offset: int
    length: int


@dataclass(frozen=True)
class LedgerIndex:
    """Columns, one value per line: numbers in arrays and each repeated name one string
    object, so 100,000 lines unpickle in a few milliseconds."""

    digest: str
    signature: tuple[int, ...]
    seqs: array[int]
    times: list[str]
    kinds: list[str]
    models: list[str]
    stages: list[str]
    tos: list[str | None]
    offsets: array[int]
    lengths: array[int]

    def row(self, i: int) -> IndexedEntry:
        change = IndexedChange(self.kinds[i], self.models[i], self.stages[i], self.tos[i])
        return IndexedEntry(
            self.seqs[i], self.times[i], change, i + 1, self.offsets[i], self.lengths[i]
        )

    def rows(self) -> list[IndexedEntry]:
        changes = map(IndexedChange, self.kinds, self.models, self.stages, self.tos)
        lines = range(1, len(self.seqs) + 1)
        columns = (self.seqs, self.times, changes, lines, self.offsets, self.lengths)
        return list(map(IndexedEntry, *columns))

    def held(self, until: str) -> dict[str, dict[str, IndexedEntry]]:
        """`replay.held_entries(self.rows(), until=until)`, folded from the columns: only
        the holders' rows are built."""
        end = next(compress(count(), map(until.__lt__, self.times)), len(self.times))
        changes = zip(
            self.kinds[:end], self.models[:end], self.stages[:end], self.tos[:end], strict=True
        )
        held = holders(changes)
        return {
            model: {stage: self.row(i) for stage, i in by.items()} for model, by in held.items()
        }

    def of_model(self, model: str) -> list[IndexedEntry]:
        return [self.row(i) for i, name in enumerate(self.models) if name == model]

    def with_signature(self, signature: tuple[int, ...]) -> LedgerIndex:
        return replace(self, signature=signature)


def ledger_index(root: Path) -> LedgerIndex | None:
    """The index of `root`'s ledger (built or refreshed when needed); None without a ledger."""
    path = root / LEDGER_PATH
    if not os.path.lexists(path):
        return None
    target = inside(root, LEDGER_PATH)
    signature = _signature(target)
    folder = cache_dir(root)
    known = _load(folder)
    if known is not None and known.signature == signature:
        return known
    digest = _sha256(target)
    if known is not None and known.digest == digest:
        index = known.with_signature(signature)
    else:
        index = build(target.read_bytes(), digest, signature)
    if folder is not None:
        kept = index.with_signature(()) if _racy(signature) else index
        data = pickle.dumps(((_FORMAT, __version__), kept), pickle.HIGHEST_PROTOCOL)
        with contextlib.suppress(OSError):  # an unwritable cache costs time, not correctness
            write_atomic(folder / INDEX_FILE, data)
    return index


def build(data: bytes, digest: str, signature: tuple[int, ...]) -> LedgerIndex:
    """Validate every line (InputError naming each bad one) and index it."""
    index = LedgerIndex(digest, signature, array("q"), [], [], [], [], [], array("q"), array("q"))
    problems: list[Problem] = []
    one: dict[str, str] = {}  # each name once: pickled once, referred to after
    from modelops_gitops.audit.ledger import read_lines

    for line, (offset, length) in zip(read_lines(data), _spans(data), strict=True):
        if line.entry is None:
            problems.append(Problem(LEDGER_PATH, line.number, 1, "", line.problem))
            continue
        entry, change = line.entry, line.entry.change
        index.seqs.append(entry.seq)
        index.times.append(one.setdefault(entry.time, entry.time))
        index.kinds.append(one.setdefault(change.kind, change.kind))
        index.models.append(one.setdefault(change.model, change.model))
        index.stages.append(one.setdefault(change.stage, change.stage))
        index.tos.append(None if change.to is None else one.setdefault(change.to, change.to))
        index.offsets.append(offset)
        index.lengths.append(length)
    if problems:
        raise InputError(problems)
    return index


def read_entries(root: Path, wanted: Sequence[IndexedEntry]) -> list[LedgerEntry]:
    """The full entries of the `wanted` lines, read by offset and validated."""
    return list(iter_entries(root, wanted)) if wanted else []


def iter_entries(root: Path, wanted: Iterable[IndexedEntry]) -> Iterator[LedgerEntry]:
    """`read_entries`, one at a time through one open file (callers keep only what they
    need in memory)."""
    from modelops_gitops.audit.ledger import LedgerEntry

    with inside(root, LEDGER_PATH).open("rb") as handle:
        for row in wanted:
            handle.seek(row.offset)
            raw = handle.read(row.length)
            try:
                yield LedgerEntry.model_validate_json(raw)
            except ValueError as exc:  # changed since it was indexed: a race, say so
                raise InputError.at(
                    LEDGER_PATH, f"line {row.line} changed while it was read: {exc}"
                ) from None


def _spans(data: bytes) -> Iterator[tuple[int, int]]:
    """(offset, length without the line break) of each line, as `bytes.splitlines` cuts."""
    for match in _LINE.finditer(data):
        text = match.group()
        yield match.start(), len(text.rstrip(b"\r\n"))


def _signature(path: Path) -> tuple[int, ...]:
    info = os.stat(path)
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def _racy(signature: tuple[int, ...]) -> bool:
    """Changed within the last two seconds: a later change could keep the same signature, so
    the index is kept by digest alone (the next query hashes the ledger to use it)."""
    return time.time_ns() - max(signature[1], signature[2]) < RACY_NS


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _load(folder: Path | None) -> LedgerIndex | None:
    if folder is None:
        return None
    try:
        with (folder / INDEX_FILE).open("rb") as handle:
            header, body = pickle.load(handle)
    except Exception:  # absent, unreadable, foreign or older: build it again
        return None
    if header != (_FORMAT, __version__) or not isinstance(body, LedgerIndex):
        return None
    return body
