"""Edge: ledger lines as `audit at` and `history` show them in JSON (`queries.entry_view`,
rendered with `json.dumps(indent=2)`), kept in the clone's private cache beside the ledger
index, so a warm `audit at DATE --format json` over 20,000 holdings reads rendered text
instead of validating and encoding 20,000 entries (Python's json encodes indented output
in pure Python: about 4 s for 20,000 entries).

    rendered(root, index, rows) -> the rendered view of each row, in order

The views are keyed by the index's ledger digest and the tool's version: a changed ledger
starts them again. They are rendered on first use, appended to `ledger-views.bin` under an
exclusive lock, and found through a table of (offset, length) per ledger line, replaced
atomically; a table that does not match the file is ignored (the views are rendered again).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pickle
from collections.abc import Iterator, Sequence
from pathlib import Path

from modelops_gitops import __version__
from modelops_gitops.audit.ledger_index import IndexedEntry, LedgerIndex, iter_entries
from modelops_gitops.files import write_atomic
from modelops_gitops.repo.workspace import cache_dir

VIEWS_FILE = "ledger-views.bin"
TABLE_FILE = "ledger-views.pickle"
_FORMAT = 1

Table = dict[int, tuple[int, int]]  # ledger line -> (offset, length) in the views file


def rendered(root: Path, index: LedgerIndex, rows: Sequence[IndexedEntry]) -> Iterator[str]:
    folder = cache_dir(root)
    if folder is None:
        yield from _render(root, rows)
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / VIEWS_FILE, "a+b")  # noqa: SIM115 (closed by the with below)
    except OSError:  # an unwritable cache costs time, not correctness
        yield from _render(root, rows)
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # one writer at a time; readers wait for it
        table = _table(folder, index.digest, os.fstat(handle.fileno()).st_size)
        if table is None:
            handle.truncate(0)
            table = {}
        missing = [row for row in rows if row.line not in table]
        if missing:
            handle.seek(0, os.SEEK_END)
            for row, text in zip(missing, _render(root, missing), strict=True):
                data = text.encode("utf-8")
                table[row.line] = (handle.tell(), len(data))
                handle.write(data)
            handle.flush()
            _keep(folder, index.digest, table, handle.tell())
        fcntl.flock(handle, fcntl.LOCK_SH)
        for row in rows:
            offset, length = table[row.line]
            handle.seek(offset)
            yield handle.read(length).decode("utf-8")


def indented_object(items: Sequence[tuple[str, str]], depth: int = 0) -> str:
    """`json.dumps(dict(items), indent=2)` where each value is already rendered that way,
    placed `depth` levels deep in a larger document (each line after the first indented by
    2 x depth more spaces)."""
    if not items:
        return "{}"
    pad = "\n" + "  " * (depth + 1)
    body = ",".join(f"{pad}{json.dumps(k)}: {v.replace(chr(10), pad)}" for k, v in items)
    return "{" + body + pad[:-2] + "}"


def indented_array(items: Sequence[str], depth: int = 0) -> str:
    """`json.dumps(list(items), indent=2)` where each item is already rendered that way,
    placed `depth` levels deep (as `indented_object`)."""
    if not items:
        return "[]"
    pad = "\n" + "  " * (depth + 1)
    return "[" + ",".join(f"{pad}{v.replace(chr(10), pad)}" for v in items) + pad[:-2] + "]"


def _render(root: Path, rows: Sequence[IndexedEntry]) -> Iterator[str]:
    from modelops_gitops.audit.queries import entry_view  # the entries' models: only here

    for entry in iter_entries(root, rows):
        yield json.dumps(entry_view(entry), indent=2)


def _table(folder: Path, digest: str, size: int) -> Table | None:
    """The kept table when it belongs to this ledger, this version and this file's size."""
    try:
        with (folder / TABLE_FILE).open("rb") as handle:
            header, body = pickle.load(handle)
    except Exception:  # absent, unreadable, foreign or older: render again
        return None
    if header != (_FORMAT, __version__, digest, size) or not isinstance(body, dict):
        return None
    return body


def _keep(folder: Path, digest: str, table: Table, size: int) -> None:
    data = pickle.dumps(((_FORMAT, __version__, digest, size), table), pickle.HIGHEST_PROTOCOL)
    with contextlib.suppress(OSError):  # an unwritable cache costs time, not correctness
        write_atomic(folder / TABLE_FILE, data)
