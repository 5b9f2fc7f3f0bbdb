"""Datasets for the gates: find, verify and read parquet or CSV files, a column at a time.

A dataset is named by a *location*: a path relative to the GitOps repository root (resolved
under it; a path escaping the root is refused), or a URI such as `s3://bucket/key.parquet`
read through fsspec (optional: imported only when a URI is used). A directory is read as a
parquet dataset (every `*.parquet` file in it). The format comes from the extension:
`.parquet`/`.pq`/`.parq` or `.csv`/`.csv.gz`.

Every failure a user can cause (missing file, sha256 mismatch, unreadable file, missing
column, no rows, a limit exceeded) is a `GateInputError` naming the file (and the column).

Limits (`Limits`, set per repository by `spec.trust.dataset_max_bytes` / `dataset_max_rows`
through `limited()`) hold while reading: a CSV's decompressed bytes are counted as they
stream and rows batch by batch, so a small `.csv.gz` that expands to gigabytes stops at the
limit instead of filling memory; a parquet file's rows and uncompressed size come from its
footer before any data is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from modelops_gitops.errors import GateInputError
from modelops_gitops.gates.limits import LIMITS, Capped, too_many_rows
from modelops_gitops.gates.sources import Location, Source, open_source

# pandas' default `na_values` (pandas._libs.parsers.STR_NA_VALUES), which Evidently reads with
CSV_NULLS = (
    *("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND"),
    *("1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"),
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd


def _check_parquet(source: Source) -> None:
    limits = LIMITS.get()
    files = (
        sorted(pq.ParquetDataset(source.path, filesystem=source.fs).files)
        if source.is_dir
        else [source.path]
    )
    rows = size = 0
    for path in files:
        with pq.ParquetFile(path, filesystem=source.fs) as handle:
            meta = handle.metadata
        rows += meta.num_rows
        size += sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if rows > limits.max_rows:
        raise too_many_rows(source.location, limits.max_rows)
    if size > limits.max_bytes:
        raise GateInputError.at(
            source.location,
            f"dataset is larger than {limits.max_bytes:,} bytes uncompressed "
            "(spec.trust.dataset_max_bytes)",
        )


def _read_csv(source: Source, options: Any) -> pa.Table:
    """The CSV, streamed in batches under the limits."""
    limits = LIMITS.get()
    batches = []
    rows = 0
    with _csv_stream(source) as stream:
        capped = pa.PythonFile(Capped(stream, limits.max_bytes, source.location), mode="r")
        reader = pacsv.open_csv(capped, convert_options=options)
        for batch in reader:
            rows += batch.num_rows
            if rows > limits.max_rows:
                raise too_many_rows(source.location, limits.max_rows)
            batches.append(batch)
        return pa.Table.from_batches(batches, schema=reader.schema)


def read_schema(location: Location, *, root: Path | None = None) -> pa.Schema:
    """Column names and arrow types, without reading the data (CSV: from its first block)."""
    source = open_source(location, root=root)
    try:
        if source.format == "parquet":
            if source.is_dir:
                return pq.ParquetDataset(source.path, filesystem=source.fs).schema
            return pq.read_schema(source.path, filesystem=source.fs)
        with _csv_stream(source) as stream:
            return pacsv.open_csv(stream, convert_options=csv_options()).schema
    except (OSError, pa.ArrowException) as exc:
        raise GateInputError.at(source.location, f"cannot read {source.format}: {exc}") from exc


def column_names(location: Location, *, root: Path | None = None) -> list[str]:
    return list(read_schema(location, root=root).names)


def require_columns(source: Source, wanted: Sequence[str], available: Sequence[str]) -> None:
    missing = [name for name in wanted if name not in set(available)]
    if missing:
        raise GateInputError.at(
            source.location, f"missing column(s): {', '.join(map(repr, missing))}"
        )


def read_table(
    location: Location,
    *,
    root: Path | None = None,
    columns: Sequence[str] | None = None,
    dictionary: bool = True,
) -> pa.Table:
    """The named columns (default: all) as an arrow table; with `dictionary`, strings come
    dictionary-encoded, so a categorical column costs its codes plus its distinct values."""
    source = open_source(location, root=root)
    wanted = list(columns) if columns is not None else None
    try:
        if source.format == "parquet":
            _check_parquet(source)
            if wanted is None:
                schema = read_schema(source)
                strings = [f.name for f in schema if pa.types.is_string(f.type)]
            else:
                strings = wanted
            if source.is_dir:
                return pq.read_table(
                    source.path,
                    columns=wanted,
                    filesystem=source.fs,
                    read_dictionary=strings if dictionary else None,
                )
            with pq.ParquetFile(
                source.path,
                filesystem=source.fs,
                memory_map=source.fs is None,
                read_dictionary=strings if dictionary else None,
            ) as handle:
                return handle.read(columns=wanted)
        return _read_csv(source, csv_options(wanted or [], dictionary=dictionary))
    except (OSError, KeyError, pa.ArrowException) as exc:  # KeyError: unknown parquet column
        missing = [c for c in wanted or [] if c not in column_names(source)]
        if missing:
            names = ", ".join(map(repr, missing))
            raise GateInputError.at(source.location, f"missing column(s): {names}") from exc
        raise GateInputError.at(source.location, f"cannot read {source.format}: {exc}") from exc


def read_column(
    location: Location, column: str, *, root: Path | None = None, dictionary: bool = True
) -> pa.ChunkedArray:
    """One column as arrow (strings dictionary-encoded with `dictionary`)."""
    table = read_table(location, root=root, columns=[column], dictionary=dictionary)
    return table.column(column)


def read_frame(
    location: Location, *, root: Path | None = None, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """The dataset (or the named columns) as a pandas DataFrame. Raises GateInputError for a
    missing column or a dataset with no rows."""
    source = open_source(location, root=root)
    if columns is not None:
        require_columns(source, columns, column_names(source))
    table = read_table(source, columns=columns, dictionary=False)
    if table.num_rows == 0:
        raise GateInputError.at(source.location, "dataset has no rows")
    return table.to_pandas()


def csv_options(columns: Sequence[str] = (), *, dictionary: bool = False) -> Any:
    """How a CSV's cells are read: the strings pandas (and so Evidently) reads as missing
    are nulls in every column, strings included (an empty field is a missing value, not a
    category "")."""
    return pacsv.ConvertOptions(
        include_columns=list(columns),
        auto_dict_encode=dictionary,
        null_values=list(CSV_NULLS),
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )


def _csv_stream(source: Source) -> Any:
    """A binary stream over a CSV file, decompressed by extension (.gz, .bz2)."""
    if source.fs is None:
        return pa.input_stream(source.path, compression="detect")
    return source.fs.open(source.path, "rb", compression="infer")


@dataclass(frozen=True)
class Piece:
    """A part of a dataset read on its own: row groups of one parquet file, or a whole CSV
    file. Pieces pickle, so Dask workers read them where they run."""

    source: Source
    path: str
    row_groups: tuple[int, ...] | None  # None: the whole file
    rows: int


def split(
    location: Location, *, root: Path | None = None, rows_per_piece: int = 1 << 20
) -> list[Piece]:
    """The dataset as pieces of about `rows_per_piece` rows (whole row groups)."""
    source = open_source(location, root=root)
    if source.format == "csv":
        return [Piece(source, source.path, None, -1)]
    try:
        _check_parquet(source)
        if source.is_dir:
            files = sorted(pq.ParquetDataset(source.path, filesystem=source.fs).files)
        else:
            files = [source.path]
        pieces: list[Piece] = []
        for path in files:
            with pq.ParquetFile(path, filesystem=source.fs) as handle:
                meta = handle.metadata
            group: list[int] = []
            rows = 0
            for index in range(meta.num_row_groups):
                group.append(index)
                rows += meta.row_group(index).num_rows
                if rows >= rows_per_piece:
                    pieces.append(Piece(source, path, tuple(group), rows))
                    group, rows = [], 0
            if group:
                pieces.append(Piece(source, path, tuple(group), rows))
    except (OSError, pa.ArrowException) as exc:
        raise GateInputError.at(source.location, f"cannot read parquet: {exc}") from exc
    return pieces


def read_piece(piece: Piece, columns: Sequence[str], *, dictionary: bool = True) -> pa.Table:
    if piece.row_groups is None:
        return read_table(piece.source, columns=columns, dictionary=dictionary)
    try:
        with pq.ParquetFile(
            piece.path,
            filesystem=piece.source.fs,
            memory_map=piece.source.fs is None,
            read_dictionary=list(columns) if dictionary else None,
        ) as handle:
            return handle.read_row_groups(list(piece.row_groups), columns=list(columns))
    except (OSError, KeyError, pa.ArrowException) as exc:
        raise GateInputError.at(piece.source.location, f"cannot read {piece.path}: {exc}") from exc
