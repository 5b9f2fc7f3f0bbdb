"""The local engine's statistics against scipy, on seeded data, for every branch of the test
choice table, written to real parquet files and read back by the gate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy import stats
from scipy.spatial import distance

from modelops_gitops.gates.drift import stats as drift_stats
from modelops_gitops.gates.drift.report import FeatureDrift
from modelops_gitops.gates.drift.run import run_drift
from modelops_gitops.kinds.drift import DriftConfig


def evidently_psi(ref: np.ndarray, cur: np.ndarray, numerical: bool) -> float:
    """PSI exactly as Evidently 0.7's get_binned_data + _psi compute it (independent code)."""
    if numerical and len(np.unique(ref)) > 20:
        bins = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
        r = np.histogram(ref, bins)[0] / len(ref)
        c = np.histogram(cur, bins)[0] / len(cur)
    else:
        keys = sorted(set(ref.tolist()) | set(cur.tolist()))
        r = np.array([np.sum(ref == k) for k in keys]) / len(ref)
        c = np.array([np.sum(cur == k) for k in keys]) / len(cur)
    for p in (r, c):
        smallest = p[p != 0].min()
        np.place(p, p == 0, smallest / 10**6 if smallest <= 0.0001 else 0.0001)
    return float(np.sum((r - c) * np.log(r / c)))


def evidently_z(ref: np.ndarray, cur: np.ndarray) -> float:
    keys = sorted(set(ref.tolist()) | set(cur.tolist()))
    if len(set(ref.tolist())) == 1 and set(ref.tolist()) == set(cur.tolist()):
        return 1.0
    a, b = (ref != keys[0]).astype(float), (cur != keys[0]).astype(float)
    p1, p2 = a.mean(), b.mean()
    pooled = (p1 * len(a) + p2 * len(b)) / (len(a) + len(b))
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / len(a) + 1 / len(b)))
    return float(2 * (1 - stats.norm.cdf(abs(z))))


def frequencies(ref: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keys = sorted(set(ref.tolist()) | set(cur.tolist()))
    r = np.array([np.sum(ref == k) for k in keys], dtype=float)
    c = np.array([np.sum(cur == k) for k in keys], dtype=float)
    return r, c


def gate(
    tmp_path: Path, ref: dict[str, object], cur: dict[str, object], **config: object
) -> dict[str, FeatureDrift]:
    pq.write_table(pa.table(ref), tmp_path / "ref.parquet", row_group_size=700)
    pq.write_table(pa.table(cur), tmp_path / "cur.parquet", row_group_size=700)
    report = run_drift(
        tmp_path / "ref.parquet", tmp_path / "cur.parquet", DriftConfig.model_validate(config)
    )
    return {f.name: f for f in report.features}


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240611)


def test_small_reference_branches(tmp_path: Path, rng: np.random.Generator) -> None:
    n, m = 800, 900
    ref = {
        "num": rng.normal(0, 1, n),
        "num4": rng.integers(0, 4, n).astype(float),
        "num2": rng.integers(0, 2, n).astype(float),
        "cat": rng.choice(["a", "b", "c", "d"], n),
        "flag": rng.random(n) < 0.4,
    }
    cur = {
        "num": rng.normal(0.15, 1, m),
        "num4": rng.choice(4, m, p=[0.3, 0.3, 0.2, 0.2]).astype(float),
        "num2": (rng.random(m) < 0.55).astype(float),
        "cat": rng.choice(["a", "b", "c", "d"], m, p=[0.3, 0.2, 0.25, 0.25]),
        "flag": rng.random(m) < 0.5,
    }
    got = gate(tmp_path, ref, cur)
    assert [(f.name, f.type, f.test) for f in got.values()] == [
        ("num", "numerical", "ks"),
        ("num4", "numerical", "chisquare"),
        ("num2", "numerical", "z"),
        ("cat", "categorical", "chisquare"),
        ("flag", "categorical", "z"),
    ]
    assert got["num"].statistic == pytest.approx(
        stats.ks_2samp(ref["num"], cur["num"]).pvalue, rel=1e-12
    )
    for name in ("num4", "cat"):
        r, c = frequencies(np.asarray(ref[name]), np.asarray(cur[name]))
        expected = stats.chisquare(c, r * m / n).pvalue
        assert got[name].statistic == pytest.approx(expected, rel=1e-10)
    for name in ("num2", "flag"):
        assert got[name].statistic == pytest.approx(
            evidently_z(np.asarray(ref[name]), np.asarray(cur[name])), rel=1e-10
        )
    for name, feature in got.items():
        numerical = feature.type == "numerical"
        assert feature.psi == pytest.approx(
            evidently_psi(np.asarray(ref[name]), np.asarray(cur[name]), numerical), rel=1e-10
        )
        assert feature.ref_count == n
        assert feature.cur_count == m
    assert got["num"].drifted == (got["num"].statistic <= 0.05)
    assert got["cat"].drifted == (got["cat"].statistic < 0.05)


def test_large_reference_branches(tmp_path: Path, rng: np.random.Generator) -> None:
    n, m = 3000, 2500
    ref = {
        "num": rng.normal(10, 2, n),
        "ints": rng.integers(0, 40, n),  # > 10 distinct integers: numerical
        "num5": rng.integers(0, 5, n).astype(float),
        "cat": rng.choice(["x", "y", "z"], n),
        "few": rng.integers(0, 3, n),  # <= 10 distinct integers: categorical
    }
    cur = {
        "num": rng.normal(10.3, 2.2, m),
        "ints": rng.integers(2, 42, m),
        "num5": rng.choice(5, m, p=[0.1, 0.2, 0.2, 0.2, 0.3]).astype(float),
        "cat": rng.choice(["x", "y", "z"], m, p=[0.1, 0.45, 0.45]),
        "few": rng.integers(0, 3, m),
    }
    got = gate(tmp_path, ref, cur)
    assert {name: (f.type, f.test) for name, f in got.items()} == {
        "num": ("numerical", "wasserstein"),
        "ints": ("numerical", "wasserstein"),
        "num5": ("numerical", "jensenshannon"),
        "cat": ("categorical", "jensenshannon"),
        "few": ("categorical", "jensenshannon"),
    }
    for name in ("num", "ints"):
        r, c = np.asarray(ref[name], dtype=float), np.asarray(cur[name], dtype=float)
        expected = stats.wasserstein_distance(r, c) / max(np.std(r), 0.001)
        assert got[name].statistic == pytest.approx(expected, rel=1e-12)
        assert got[name].psi == pytest.approx(
            evidently_psi(np.asarray(ref[name]), np.asarray(cur[name]), True), rel=1e-10
        )
    for name in ("num5", "cat", "few"):
        r, c = frequencies(np.asarray(ref[name]), np.asarray(cur[name]))
        assert got[name].statistic == pytest.approx(distance.jensenshannon(r / n, c / m), rel=1e-12)
    assert got["num"].drifted
    assert got["cat"].drifted
    assert not got["few"].drifted


def test_large_samples_ks_and_unequal_w1_match_scipy(rng: np.random.Generator) -> None:
    ref = np.sort(rng.standard_t(3, 150_001))
    cur = np.sort(rng.standard_t(3, 120_007) + 0.01)
    d, p = drift_stats.ks_sorted(ref, cur)
    expected = stats.ks_2samp(ref, cur)
    assert d == pytest.approx(expected.statistic, rel=1e-12)
    assert p == pytest.approx(expected.pvalue, rel=1e-9)
    assert drift_stats.wasserstein_sorted(ref, cur) == pytest.approx(
        stats.wasserstein_distance(ref, cur), rel=1e-9
    )
    ties_ref = np.sort(rng.integers(0, 30, 20_011).astype(float))
    ties_cur = np.sort(rng.integers(1, 31, 15_000).astype(float))
    d, p = drift_stats.ks_sorted(ties_ref, ties_cur)
    assert d == pytest.approx(stats.ks_2samp(ties_ref, ties_cur).statistic, rel=1e-12)
    assert drift_stats.wasserstein_sorted(ties_ref, ties_cur) == pytest.approx(
        stats.wasserstein_distance(ties_ref, ties_cur), rel=1e-12
    )


def test_sturges_edges_and_histograms_match_numpy(rng: np.random.Generator) -> None:
    for values in (rng.normal(size=12_345), rng.integers(0, 25, 600_000), np.full(50, 3.0)):
        ordered = np.sort(values)
        integer = np.issubdtype(values.dtype, np.integer)
        edges = drift_stats.sturges_edges(
            float(ordered[0]), float(ordered[-1]), values.size, integer=integer
        )
        np.testing.assert_array_equal(edges, np.histogram_bin_edges(values, bins="sturges"))
        np.testing.assert_array_equal(
            drift_stats.histogram_sorted(ordered.astype(float), edges),
            np.histogram(values, edges)[0],
        )


def test_anchored_ks_equals_exact(rng: np.random.Generator) -> None:
    small = np.sort(rng.integers(0, 200, 700).astype(float))
    big = np.sort(rng.integers(0, 210, 30_000).astype(float))
    values, counts = drift_stats.value_counts_sorted(small)
    le = np.searchsorted(big, values, side="right")
    lt = np.searchsorted(big, values, side="left")
    assert drift_stats.ks_anchored(counts, le, lt, big.size) == pytest.approx(
        stats.ks_2samp(small, big).statistic, rel=1e-12
    )


def test_binned_statistics_stay_within_their_bounds(rng: np.random.Generator) -> None:
    ref, cur = rng.lognormal(0, 1, 40_000), rng.lognormal(0.05, 1, 50_000)
    lo, hi = min(ref.min(), cur.min()), max(ref.max(), cur.max())
    r = np.histogram(ref, bins=4096, range=(lo, hi))[0]
    c = np.histogram(cur, bins=4096, range=(lo, hi))[0]
    w1, bound = drift_stats.wasserstein_binned(r, c, (hi - lo) / 4096)
    assert abs(w1 - stats.wasserstein_distance(ref, cur)) <= bound
    d, d_bound = drift_stats.ks_binned(r, c)
    exact = stats.ks_2samp(ref, cur).statistic
    assert d <= exact + 1e-12
    assert exact <= d + d_bound
