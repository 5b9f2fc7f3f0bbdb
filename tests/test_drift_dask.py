"""The Dask engine on a real LocalCluster (TCP on loopback) against the exact local engine:
same tests, same decisions, same PSI; statistics equal when exact, else within the bound."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from distributed import LocalCluster

from modelops_gitops.gates.drift.report import DriftReport
from modelops_gitops.gates.drift.run import run_drift
from modelops_gitops.kinds.drift import DriftConfig


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        yield cluster.scheduler_address


def write_parts(folder: Path, table: pa.Table, parts: int) -> Path:
    folder.mkdir()
    bounds = np.linspace(0, table.num_rows, parts + 1).astype(int)
    for k in range(parts):
        piece = table.slice(bounds[k], bounds[k + 1] - bounds[k])
        pq.write_table(piece, folder / f"part-{k}.parquet", row_group_size=4000)
    return folder


def dataset(rng: np.random.Generator, n: int, shift: float) -> pa.Table:
    x = rng.normal(shift, 1, n)
    x[:: max(1, n // 50)] = np.nan
    x[1] = np.inf
    return pa.table(
        {
            "x": x,
            "heavy": rng.lognormal(shift, 1.5, n),
            "ints": rng.integers(0, 300, n) + (shift > 0) * 15,
            "level": rng.integers(0, 4, n),
            "city": pa.array(
                rng.choice(["a", "b", "c", "d"], n, p=[0.4, 0.3, 0.2, 0.1] if shift else None)
            ),
            "flag": rng.random(n) < 0.3 + shift / 4,
        }
    )


def compare(local: DriftReport, dask: DriftReport) -> None:
    assert dask.engine == "dask"
    assert (dask.n_drifted, dask.share, dask.dataset_drift) == (
        local.n_drifted,
        local.share,
        local.dataset_drift,
    )
    for exact, summarised in zip(local.features, dask.features, strict=True):
        assert (summarised.name, summarised.type, summarised.test) == (
            exact.name,
            exact.type,
            exact.test,
        )
        assert summarised.drifted == exact.drifted, exact.name
        assert summarised.psi == pytest.approx(exact.psi, rel=1e-9, abs=1e-12)
        counts = (
            "ref_count",
            "cur_count",
            "ref_nan",
            "cur_nan",
            "ref_inf",
            "cur_inf",
            "unseen_categories",
        )
        assert summarised.model_dump(include=set(counts)) == exact.model_dump(include=set(counts))
        if summarised.error_bound == 0:
            assert summarised.statistic == pytest.approx(exact.statistic, rel=1e-9, abs=1e-300)
        else:
            assert abs(summarised.statistic - exact.statistic) <= summarised.error_bound * (
                1 + 1e-9
            )


@pytest.mark.parametrize(
    ("n_ref", "n_cur"),
    [(900, 1200), (800, 30_000), (25_000, 30_000)],
    ids=["small-exact", "small-ref-anchored-ks", "large-binned"],
)
def test_dask_agrees_with_local(tmp_path: Path, scheduler: str, n_ref: int, n_cur: int) -> None:
    rng = np.random.default_rng(n_ref + n_cur)
    ref = write_parts(tmp_path / "ref", dataset(rng, n_ref, 0.0), parts=3)
    cur = write_parts(tmp_path / "cur", dataset(rng, n_cur, 0.12), parts=4)
    local = run_drift(ref, cur)
    progress: list[tuple[str, int, int]] = []
    dask = run_drift(
        ref, cur, engine="dask", scheduler=scheduler, progress=lambda *e: progress.append(e)
    )
    compare(local, dask)
    assert progress
    assert progress[-1][1] == progress[-1][2]
    if n_ref > 10_000:  # the big numerical columns went through fine bins
        assert any(f.error_bound > 0 for f in dask.features)
    if n_cur == 30_000 and n_ref < 1000:  # KS with a small reference is exact (anchored)
        assert [f.error_bound for f in dask.features if f.test == "ks"] == [0.0, 0.0, 0.0]


def test_dask_overrides_and_value_counts(tmp_path: Path, scheduler: str) -> None:
    rng = np.random.default_rng(11)
    ref = pa.table(
        {"x": rng.normal(size=30_000), "grid": rng.integers(0, 15, 30_000).astype(float)}
    )
    cur = pa.table({"x": rng.normal(0.02, 1, 30_000), "grid": rng.normal(7, 4, 30_000)})
    ref_dir, cur_dir = write_parts(tmp_path / "r", ref, 2), write_parts(tmp_path / "c", cur, 3)
    config = DriftConfig.model_validate(
        {
            "features": {"x": {"test": "ks"}, "grid": {"test": "chisquare"}},
            "thresholds": {"ks": 0.2},
        }
    )
    local = run_drift(ref_dir, cur_dir, config)
    dask = run_drift(ref_dir, cur_dir, config, engine="dask", scheduler=scheduler)
    compare(local, dask)
    grid = {f.name: f for f in dask.features}["grid"]
    assert (grid.test, grid.error_bound, grid.drifted) == ("chisquare", 0.0, True)


def test_chunked_engine_agrees_with_local(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    ref = write_parts(tmp_path / "ref", dataset(rng, 24_000, 0.0), parts=3)
    cur = write_parts(tmp_path / "cur", dataset(rng, 12_000, 0.12), parts=2)
    chunked = run_drift(ref, cur, engine="chunked", threads=2)
    assert chunked.engine == "chunked"
    compare(run_drift(ref, cur), chunked.model_copy(update={"engine": "dask"}))
