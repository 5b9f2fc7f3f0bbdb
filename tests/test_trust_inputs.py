"""Inputs that cannot reach outside the repository: only relative paths and the remote
schemes of this package's extras (s3://) for artifacts and datasets; formula cells in CSV
exports neutralised."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Result, make_repo, valid_files
from pydantic import TypeAdapter, ValidationError

from modelops_gitops.commands.audit import neutralised
from modelops_gitops.kinds.common import Location
from modelops_gitops.terminal import printable

LOCATION: TypeAdapter[str] = TypeAdapter(Location)


@pytest.mark.parametrize(
    "value",
    [
        "local:///etc/passwd",  # passed before: only file:// was refused
        "file:///etc/passwd",
        "memory://x",
        "http://169.254.169.254/latest/meta-data",
        "simplecache::s3://bucket/key",
        "C:/Windows/x.csv",
    ],
)
def test_a_location_outside_the_allow_list_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match=r"not allowed|may not hold ':'"):
        LOCATION.validate_python(value)


@pytest.mark.parametrize("value", ["data/train.csv", "s3://bucket/train.parquet", "S3://b/k"])
def test_relative_paths_and_s3_are_allowed(value: str) -> None:
    assert LOCATION.validate_python(value) == value


def test_csv_export_neutralises_formula_cells() -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {
            "title": ['=HYPERLINK("http://x","y")', "@SUM(A1:A9)", "+1", "-1", "plain", "\tx"],
            "n": [1, 2, 3, 4, 5, 6],
        }
    )
    out = neutralised(frame)
    assert list(out["title"]) == [
        '\'=HYPERLINK("http://x","y")',
        "'@SUM(A1:A9)",
        "'+1",
        "'-1",
        "plain",
        "'\tx",
    ]
    assert list(out["n"]) == [1, 2, 3, 4, 5, 6]


def test_a_folder_name_with_escape_sequences_reaches_the_terminal_escaped(
    tmp_path: Path, cli: Callable[..., Result]
) -> None:
    files = dict(valid_files())
    files["models/\x1b]0;pwned\x07\x1b[2J/model.yaml"] = files["models/churn/model.yaml"]
    repo = make_repo(tmp_path, files)
    result = cli("validate", "--repo", str(repo))
    assert result.code == 2, result.output
    assert "\x1b" not in result.output
    assert "\x07" not in result.output
    assert "\\x1b]0;pwned\\x07" in result.output


def test_printable_keeps_newlines_and_escapes_bidi_overrides() -> None:
    assert printable("a\nb\tc\x1b[0m\u202e") == "a\nb\tc\\x1b[0m\\u202e"


def test_a_small_csv_gz_that_expands_is_stopped_while_streaming(tmp_path: Path) -> None:
    """Before, a 838 KB .csv.gz took 1.7 GB in a gate: the whole file was decompressed."""
    import gzip

    from modelops_gitops.errors import GateInputError
    from modelops_gitops.gates.datasets import read_table
    from modelops_gitops.gates.limits import Limits, limited

    path = tmp_path / "bomb.csv.gz"
    with gzip.open(path, "wb") as out:
        out.write(b"a,b\n")
        for _ in range(200):
            out.write(b"0,0\n" * 10_000)  # 8 MB decompressed, ~8 KB compressed
    assert path.stat().st_size < 100_000
    assert read_table(path).num_rows == 2_000_000  # the default limits let it through
    with (
        limited(Limits(max_bytes=1 << 20, max_rows=10**9)),
        pytest.raises(GateInputError, match="larger than 1,048,576 bytes once decompressed"),
    ):
        read_table(path)
    with (
        limited(Limits(max_bytes=1 << 30, max_rows=1000)),
        pytest.raises(GateInputError, match="more than 1,000 rows"),
    ):
        read_table(path)


def test_parquet_limits_come_from_the_footer(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from modelops_gitops.errors import GateInputError
    from modelops_gitops.gates.datasets import read_table
    from modelops_gitops.gates.limits import Limits, limited

    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"a": list(range(5000))}), path)
    with limited(Limits(max_rows=100)), pytest.raises(GateInputError, match="more than 100 rows"):
        read_table(path)
