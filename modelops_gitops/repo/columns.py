"""The column names of a dataset file, read cheaply: a CSV's header line (gzip or plain) with
the standard library, a Parquet file's schema with pyarrow when it is installed (the [gates]
extra). None when the names cannot be read here; the gates check again when they run."""

from __future__ import annotations

import csv
import gzip
import io
from importlib.util import find_spec
from pathlib import Path


def columns_of(path: Path) -> list[str] | None:
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz")):
        opener = gzip.open if name.endswith(".gz") else open
        try:
            with opener(path, "rb") as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                return next(csv.reader(text), [])
        except (OSError, UnicodeDecodeError, csv.Error):
            return None
    if name.endswith(".parquet") and path.is_file() and find_spec("pyarrow") is not None:
        import pyarrow.parquet as pq

        try:
            return list(pq.read_schema(path).names)
        except (OSError, ValueError):
            return None
    return None
