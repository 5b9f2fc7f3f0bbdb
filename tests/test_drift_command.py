"""`gate drift --reference --current`: text and JSON output, exit codes, settings files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from modelops_gitops.commands.gate_drift import run_drift_command
from modelops_gitops.errors import EXIT_OK, EXIT_VIOLATION, GateInputError, InputError


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    rng = np.random.default_rng(5)
    n = 2000
    ref = pa.table(
        {
            "age": rng.normal(40, 10, n),
            "city": rng.choice(["a", "b", "c"], n),
            "score": rng.random(n),
        }
    )
    cur = pa.table(
        {
            "age": rng.normal(45, 10, n),
            "city": rng.choice(["a", "b", "c"], n, p=[0.6, 0.2, 0.2]),
            "score": rng.random(n),
        }
    )
    pq.write_table(ref, tmp_path / "ref.parquet")
    pq.write_table(cur, tmp_path / "cur.parquet")
    return str(tmp_path / "ref.parquet"), str(tmp_path / "cur.parquet")


def test_json_output_and_exit_code(files: tuple[str, str]) -> None:
    out, code = run_drift_command(*files, fmt="json")
    body = json.loads(out)
    assert code == EXIT_VIOLATION
    assert [(f["name"], f["type"], f["test"], f["drifted"]) for f in body["features"]] == [
        ("age", "numerical", "wasserstein", True),
        ("city", "categorical", "jensenshannon", True),
        ("score", "numerical", "wasserstein", False),
    ]
    assert all({"statistic", "threshold", "psi"} <= set(f) for f in body["features"])
    assert (body["share"], body["share_threshold"], body["dataset_drift"]) == (2 / 3, 0.5, True)


def test_text_output_with_settings_file(files: tuple[str, str], tmp_path: Path) -> None:
    settings = tmp_path / "drift.yaml"
    settings.write_text(
        "share_threshold: 0.9\nexclude: [score]\nfeatures:\n  age: {test: psi, threshold: 0.5}\n"
    )
    out, code = run_drift_command(*files, fmt="text", config_path=settings)
    assert code == EXIT_OK
    lines = out.splitlines()
    assert lines[0].split() == [
        "feature",
        "type",
        "test",
        "statistic",
        "drift",
        "when",
        "drifted",
        "psi",
        "dropped",
    ]
    assert lines[1].split()[:3] == ["age", "numerical", "psi"]
    assert ">= 0.5" in lines[1]
    assert (
        lines[-1] == "drift: 1 of 2 features drifted (share 0.500, threshold 0.9): no dataset drift"
    )


def test_bad_settings_and_options_are_input_errors(files: tuple[str, str], tmp_path: Path) -> None:
    settings = tmp_path / "drift.yaml"
    settings.write_text("features:\n  age: {tset: psi}\n")
    with pytest.raises(InputError) as info:
        run_drift_command(*files, config_path=settings)
    assert info.value.problems[0].field == "features.age.tset"
    assert info.value.problems[0].file == settings.as_posix()
    settings.write_text("share_threshold: [\n")
    with pytest.raises(InputError, match="invalid YAML"):
        run_drift_command(*files, config_path=settings)
    with pytest.raises(InputError, match="--format"):
        run_drift_command(*files, fmt="xml")
    with pytest.raises(InputError, match="--scheduler needs --engine dask"):
        run_drift_command(*files, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(GateInputError, match="sha256 mismatch"):
        run_drift_command(*files, reference_sha256="0" * 64)


def test_csv_empty_fields_are_nulls_as_pandas_reads_them(tmp_path: Path) -> None:
    """A string column going from 2% to 40% empty is more missing values, not a new category
    "" that drifts: empty fields (and pandas' other missing markers) are nulls, dropped and
    counted exactly as pandas (and so Evidently) counts them."""
    import pandas as pd

    rng = np.random.default_rng(1)
    markers = ["", "NA", "None", "null", '""']
    paths = []
    for name, missing in (("ref.csv", 0.02), ("cur.csv", 0.40)):
        rows = ["region,x"]
        for _ in range(3000):
            region = rng.choice(markers) if rng.random() < missing else rng.choice(["n", "s", "e"])
            rows.append(f"{region},{rng.normal()}")
        path = tmp_path / name
        path.write_text("\n".join(rows) + "\n")
        paths.append(path)
    out, code = run_drift_command(str(paths[0]), str(paths[1]), fmt="json")
    region = next(f for f in json.loads(out)["features"] if f["name"] == "region")
    assert code == EXIT_OK
    assert region["drifted"] is False
    assert region["ref_nan"] == int(pd.read_csv(paths[0])["region"].isna().sum()) > 0
    assert region["cur_nan"] == int(pd.read_csv(paths[1])["region"].isna().sum()) > 1000
