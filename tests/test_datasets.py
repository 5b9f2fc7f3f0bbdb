"""Datasets: resolution under a root, sha256 pinning, parquet/CSV/URI reading, errors."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import fsspec
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from modelops_gitops.errors import GateInputError
from modelops_gitops.gates import datasets, sources


@pytest.fixture
def table() -> pa.Table:
    rng = np.random.default_rng(7)
    return pa.table({"x": rng.normal(size=50), "city": rng.choice(["a", "b", "c"], size=50)})


@pytest.fixture
def repo(tmp_path: Path, table: pa.Table) -> Path:
    (tmp_path / "data").mkdir()
    pq.write_table(table, tmp_path / "data" / "ref.parquet", row_group_size=16)
    table.to_pandas().to_csv(tmp_path / "data" / "ref.csv", index=False)
    return tmp_path


def test_verify_returns_digest_and_accepts_match(repo: Path) -> None:
    expected = hashlib.sha256((repo / "data" / "ref.parquet").read_bytes()).hexdigest()
    assert sources.verify("data/ref.parquet", None, root=repo) == expected
    assert sources.verify("data/ref.parquet", expected.upper(), root=repo) == expected


def test_verify_mismatch_names_file_and_both_digests(repo: Path) -> None:
    actual = hashlib.sha256((repo / "data" / "ref.csv").read_bytes()).hexdigest()
    with pytest.raises(GateInputError) as info:
        sources.verify("data/ref.csv", "0" * 64, root=repo)
    message = str(info.value)
    assert "data/ref.csv" in message
    assert "0" * 64 in message
    assert actual in message


def test_missing_file_and_escaping_path_are_refused(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with pytest.raises(GateInputError, match="not found"):
        sources.verify("data/nope.parquet", None, root=repo)
    outside = tmp_path_factory.mktemp("outside") / "x.parquet"
    outside.write_bytes(b"x")
    with pytest.raises(GateInputError, match="escapes the repository root"):
        sources.open_source(f"../{outside.parent.name}/x.parquet", root=repo)
    with pytest.raises(GateInputError, match="escapes the repository root"):
        sources.open_source(str(outside), root=repo)


def test_unknown_format_is_refused(repo: Path) -> None:
    (repo / "data" / "ref.xlsx").write_bytes(b"x")
    with pytest.raises(GateInputError, match="unknown dataset format"):
        sources.open_source("data/ref.xlsx", root=repo)


@pytest.mark.parametrize("name", ["data/ref.parquet", "data/ref.csv"])
def test_read_column_and_frame_agree(repo: Path, table: pa.Table, name: str) -> None:
    assert datasets.column_names(name, root=repo) == ["x", "city"]
    city = datasets.read_column(name, "city", root=repo).combine_chunks()
    assert pa.types.is_dictionary(city.type)
    assert city.dictionary_decode().to_pylist() == table.column("city").to_pylist()
    x = datasets.read_column(name, "x", root=repo).to_numpy()
    np.testing.assert_allclose(x, table.column("x").to_numpy())
    frame = datasets.read_frame(name, root=repo, columns=["x"])
    assert list(frame.columns) == ["x"]
    assert len(frame) == 50


@pytest.mark.parametrize("name", ["data/ref.parquet", "data/ref.csv"])
def test_missing_column_names_file_and_column(repo: Path, name: str) -> None:
    with pytest.raises(GateInputError) as info:
        datasets.read_column(name, "age", root=repo)
    assert name in str(info.value)
    assert "'age'" in str(info.value)
    with pytest.raises(GateInputError, match="'age'"):
        datasets.read_frame(name, root=repo, columns=["x", "age"])


def test_empty_and_unreadable_data(repo: Path) -> None:
    (repo / "data" / "empty.csv").write_text("x,city\n")
    with pytest.raises(GateInputError, match="no rows"):
        datasets.read_frame("data/empty.csv", root=repo)
    (repo / "data" / "broken.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(GateInputError, match=r"broken\.parquet: cannot read"):
        datasets.read_column("data/broken.parquet", "x", root=repo)


def test_gzipped_csv_and_parquet_directory(repo: Path, table: pa.Table) -> None:
    csv_bytes = (repo / "data" / "ref.csv").read_bytes()
    (repo / "data" / "ref.csv.gz").write_bytes(gzip.compress(csv_bytes))
    assert datasets.read_column("data/ref.csv.gz", "x", root=repo).length() == 50
    parts = repo / "data" / "parts"
    parts.mkdir()
    pq.write_table(table.slice(0, 20), parts / "part-0.parquet")
    pq.write_table(table.slice(20), parts / "part-1.parquet")
    assert datasets.read_column("data/parts", "x", root=repo).length() == 50
    with pytest.raises(GateInputError, match="directory"):
        sources.verify("data/parts", None, root=repo)


def test_fsspec_uri(table: pa.Table) -> None:
    fs = fsspec.filesystem("memory")
    with fs.open("/datasets-test/cur.parquet", "wb") as handle:
        pq.write_table(table, handle)
    uri = "memory://datasets-test/cur.parquet"
    with fs.open("/datasets-test/cur.parquet", "rb") as handle:
        expected = hashlib.sha256(handle.read()).hexdigest()
    try:
        assert sources.verify(uri, expected) == expected
        assert datasets.read_column(uri, "x").length() == 50
        with pytest.raises(GateInputError, match="not found"):
            sources.open_source("memory://datasets-test/none.parquet")
    finally:
        fs.rm("/datasets-test", recursive=True)
