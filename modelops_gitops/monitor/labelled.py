"""Which labelled production snapshot `monitor` scores: the latest of those the model pins.

`spec.monitoring.labelled` lists snapshots (path or URI, sha256, optional date);
`spec.monitoring.labelled_folder` names a folder whose `SHA256SUMS` manifest (pinned by its
own sha256) lists `YYYY-MM-DD.<parquet|pq|csv>` files with theirs. The latest date wins;
undated snapshots rank before dated ones, in the order listed (a later one is newer).

The manifest is hostile input: it is read only after its sha256 matches, and every line must
be `<64 hex>  <date>.<ext>` naming a file directly in the folder (no path, no '..').
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from modelops_gitops.digest import sha256_bytes
from modelops_gitops.errors import InputError
from modelops_gitops.kinds.model import LabelledFolder, LabelledSnapshot, Model
from modelops_gitops.repo.state import model_file
from modelops_gitops.repo.tree import read_inside

MANIFEST = "SHA256SUMS"
_LINE = re.compile(r"^([0-9a-f]{64}) [ *](\d{4}-\d{2}-\d{2})\.(parquet|pq|csv)$")


def snapshots(root: Path, model: Model) -> list[LabelledSnapshot]:
    """Every labelled snapshot the model pins, listed ones first, then the folder's."""
    spec = model.spec.monitoring
    found = list(spec.labelled)
    if spec.labelled_folder is not None:
        found += folder_snapshots(root, model.metadata.name, spec.labelled_folder)
    return found


def latest(found: list[LabelledSnapshot]) -> LabelledSnapshot | None:
    """The snapshot to score: the latest date; undated ones count as older, later listed newer."""
    if not found:
        return None
    ranked = sorted(enumerate(found), key=lambda item: (item[1].date or date.min, item[0]))
    return ranked[-1][1]


def folder_snapshots(root: Path, model: str, folder: LabelledFolder) -> list[LabelledSnapshot]:
    """The snapshots a folder's verified manifest lists, in date order."""
    base = folder.folder.rstrip("/")
    path = f"{base}/{MANIFEST}"
    field = "spec.monitoring.labelled_folder.manifest_sha256"
    data = read_inside(root.resolve(), path)
    actual = sha256_bytes(data)
    if actual != folder.manifest_sha256:
        raise InputError.at(
            model_file(model),
            f"{path}: sha256 mismatch: expected {folder.manifest_sha256}, actual {actual}",
            field=field,
        )
    out: dict[date, LabelledSnapshot] = {}
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line.rstrip("\r"))
        if match is None:
            raise InputError.at(
                path,
                "expected '<sha256>  YYYY-MM-DD.parquet' (or .pq, .csv): one file directly in "
                "the folder per line",
                line=number,
                column=1,
            )
        digest, day_text, ext = match.groups()
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            raise InputError.at(path, f"{day_text}: not a date", line=number, column=1) from None
        if day in out:
            raise InputError.at(path, f"two snapshots for {day_text}", line=number, column=1)
        out[day] = LabelledSnapshot(path=f"{base}/{day_text}.{ext}", sha256=digest, date=day)
    if not out:
        raise InputError.at(path, "lists no labelled snapshot")
    return [out[day] for day in sorted(out)]
