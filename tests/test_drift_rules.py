"""The gate's documented rules on real files: ±inf and NaN, unseen categories, overrides,
column selection, type inference, input errors, CSV = parquet, and the GateResult envelope."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy import stats

from modelops_gitops.errors import GateInputError
from modelops_gitops.gates.drift.plots import distribution_svg
from modelops_gitops.gates.drift.report import DriftReport, to_gate_result
from modelops_gitops.gates.drift.run import run_drift
from modelops_gitops.kinds.drift import DriftConfig


def write(tmp_path: Path, name: str, columns: dict[str, object]) -> Path:
    path = tmp_path / name
    table = pa.table(columns)
    if name.endswith(".csv"):
        table.to_pandas().to_csv(path, index=False)
    else:
        pq.write_table(table, path)
    return path


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


def by_name(report: DriftReport) -> dict[str, object]:
    return {f.name: f for f in report.features}


def test_infinities_are_dropped_and_counted_at_both_levels(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    base = rng.normal(size=2000)
    noisy = base.copy()
    noisy[:30] = np.inf
    noisy[30:35] = -np.inf
    noisy[35:40] = np.nan
    ref = write(tmp_path, "ref.parquet", {"x": base, "y": base})
    cur = write(tmp_path, "cur.parquet", {"x": noisy, "y": base + 1.0})
    report = run_drift(ref, cur)
    x = by_name(report)["x"]
    assert (x.cur_inf, x.cur_nan, x.cur_count, x.ref_inf) == (35, 5, 1960, 0)
    expected = stats.wasserstein_distance(base, noisy[40:]) / np.std(base)
    assert x.statistic == pytest.approx(expected, rel=1e-12)
    assert not x.drifted
    # the dataset level counts exactly the per-feature verdicts: 1 of 2 drifted
    assert (report.n_drifted, report.share, report.dataset_drift) == (1, 0.5, True)


def test_unseen_category_small_reference_is_drift(tmp_path: Path, rng: np.random.Generator) -> None:
    ref = write(tmp_path, "ref.parquet", {"city": rng.choice(["a", "b", "c"], 500)})
    values = rng.choice(["a", "b", "c"], 500)
    values[0] = "new"
    cur = write(tmp_path, "cur.parquet", {"city": values})
    city = by_name(run_drift(ref, cur))["city"]
    assert (city.test, city.statistic, city.drifted, city.unseen_categories) == (
        "chisquare",
        0.0,
        True,
        1,
    )
    # the Jensen-Shannon test (default above 1000 rows) weighs it instead
    report = run_drift(ref, cur, DriftConfig(categorical_test="jensenshannon"))
    js = by_name(report)["city"]
    assert (js.drifted, js.unseen_categories) == (False, 1)
    assert 0 < js.statistic < 0.1


def test_per_feature_and_global_overrides(tmp_path: Path, rng: np.random.Generator) -> None:
    ref_cols = {
        "a": rng.normal(size=3000),
        "b": rng.normal(size=3000),
        "c": rng.choice(["p", "q"], 3000),
    }
    cur_cols = {
        "a": rng.normal(0.05, 1, 3000),
        "b": rng.normal(0.05, 1, 3000),
        "c": rng.choice(["p", "q"], 3000),
    }
    ref, cur = write(tmp_path, "r.parquet", ref_cols), write(tmp_path, "c.parquet", cur_cols)
    config = DriftConfig.model_validate(
        {
            "share_threshold": 0.3,
            "thresholds": {"wasserstein": 0.01},
            "features": {
                "a": {"test": "ks", "threshold": 0.2},
                "c": {"test": "z", "threshold": 0.9},
            },
        }
    )
    got = by_name(run_drift(ref, cur, config))
    assert (got["a"].test, got["a"].threshold) == ("ks", 0.2)
    assert got["a"].statistic == pytest.approx(
        stats.ks_2samp(ref_cols["a"], cur_cols["a"]).pvalue, rel=1e-9
    )
    assert (got["b"].test, got["b"].threshold, got["b"].drifted) == ("wasserstein", 0.01, True)
    assert (got["c"].test, got["c"].threshold) == ("z", 0.9)
    psi_all = by_name(
        run_drift(ref, cur, DriftConfig(numerical_test="psi", categorical_test="psi"))
    )
    assert {f.test for f in psi_all.values()} == {"psi"}
    assert all(f.statistic == f.psi for f in psi_all.values())


def test_incompatible_override_is_an_input_error(tmp_path: Path, rng: np.random.Generator) -> None:
    ref = write(tmp_path, "r.parquet", {"c": rng.choice(["p", "q"], 100)})
    with pytest.raises(GateInputError, match="'c' is categorical: test wasserstein"):
        run_drift(
            ref, ref, DriftConfig.model_validate({"features": {"c": {"test": "wasserstein"}}})
        )
    with pytest.raises(ValueError, match="needs a numerical feature"):
        DriftConfig.model_validate({"features": {"c": {"type": "categorical", "test": "ks"}}})
    with pytest.raises(ValueError, match="extra"):
        DriftConfig.model_validate({"share_treshold": 0.4})


def test_columns_types_and_skips(tmp_path: Path, rng: np.random.Generator) -> None:
    n = 400
    cols = {
        "id": np.arange(n),
        "code": rng.integers(0, 30, n),
        "level": rng.integers(0, 5, n),
        "when": pa.array(np.arange(n).astype("datetime64[s]")),
        "name": [f"user{i}" for i in range(n)],
    }
    ref = write(tmp_path, "r.parquet", cols)
    report = run_drift(
        ref,
        ref,
        DriftConfig.model_validate(
            {
                "exclude": ["id"],
                "features": {"code": {"type": "categorical"}, "name": {"type": "categorical"}},
            }
        ),
    )
    got = by_name(report)
    assert list(got) == ["code", "level", "name"]
    assert (got["code"].type, got["level"].type, got["name"].type) == (
        "categorical",
        "categorical",
        "categorical",
    )
    assert [(s.name, s.reason) for s in report.skipped] == [("when", "date/time column")]
    only = run_drift(ref, ref, DriftConfig.model_validate({"columns": ["level"]}))
    assert [f.name for f in only.features] == ["level"]
    assert not only.dataset_drift


def test_input_errors_name_file_and_column(tmp_path: Path, rng: np.random.Generator) -> None:
    ref = write(tmp_path, "r.parquet", {"x": rng.normal(size=50), "y": rng.normal(size=50)})
    cur = write(tmp_path, "c.parquet", {"x": rng.normal(size=50)})
    with pytest.raises(GateInputError, match=r"r\.parquet: missing column: 'z'"):
        run_drift(ref, ref, DriftConfig.model_validate({"columns": ["x", "z"]}))
    with pytest.raises(GateInputError, match=r"c\.parquet: missing column: 'y'"):
        run_drift(cur, ref, DriftConfig.model_validate({"columns": ["y"]}))
    empty = write(
        tmp_path, "e.parquet", {"x": pa.array([], pa.float64()), "y": pa.array([], pa.float64())}
    )
    with pytest.raises(GateInputError, match=r"e\.parquet: column 'x' has no rows"):
        run_drift(ref, empty)
    nans = write(tmp_path, "n.parquet", {"x": np.full(50, np.nan), "y": np.ones(50)})
    with pytest.raises(
        GateInputError, match=r"n\.parquet: column 'x' has no finite, non-null values \(50"
    ):
        run_drift(nans, ref)
    digest = hashlib.sha256(ref.read_bytes()).hexdigest()
    assert run_drift(ref, ref, reference_sha256=digest).reference_sha256 == digest
    with pytest.raises(
        GateInputError, match=f"r.parquet: sha256 mismatch: expected {'a' * 64}, actual {digest}"
    ):
        run_drift(ref, ref, reference_sha256="a" * 64)


def test_csv_gives_the_same_report_as_parquet(tmp_path: Path, rng: np.random.Generator) -> None:
    n = 1500
    ref_cols = {
        "x": rng.normal(size=n),
        "k": rng.integers(0, 4, n),
        "s": rng.choice(["u", "v", "w"], n),
    }
    cur_cols = {
        "x": rng.normal(0.2, 1, n),
        "k": rng.integers(0, 4, n),
        "s": rng.choice(["u", "v", "w"], n),
    }
    parquet = run_drift(
        write(tmp_path, "r.parquet", ref_cols), write(tmp_path, "c.parquet", cur_cols)
    )
    csv = run_drift(write(tmp_path, "r.csv", ref_cols), write(tmp_path, "c.csv", cur_cols))
    assert [f.model_dump() for f in csv.features] == [f.model_dump() for f in parquet.features]


def test_gate_result_envelope(tmp_path: Path, rng: np.random.Generator) -> None:
    ref = write(
        tmp_path, "r.parquet", {"x": rng.normal(size=2000), "s": rng.choice(["a", "b"], 2000)}
    )
    cur = write(
        tmp_path, "c.parquet", {"x": rng.normal(1, 1, 2000), "s": rng.choice(["a", "b"], 2000)}
    )
    digest = hashlib.sha256(cur.read_bytes()).hexdigest()
    report = run_drift(ref, cur, current_sha256=digest)
    result = to_gate_result(report)
    assert (result.gate, result.status, result.passed) == ("drift", "fail", False)
    assert [row["name"] for row in result.tables["features"]] == ["x", "s"]
    assert list(result.plots) == ["x"]  # drifted features only
    svg = result.plots["x"]
    assert svg.startswith("<?xml")
    assert "<dc:date>" not in svg
    assert len(svg) < 30_000
    assert to_gate_result(report).plots == result.plots  # deterministic bytes
    assert result.inputs == {str(cur): digest}
    assert [c.passed for c in result.checks] == [False, True, False]
    assert result.metrics == {"share": 0.5, "n_drifted": 1.0, "n_features": 2.0}


def test_value_plot_is_deterministic_and_keeps_text() -> None:
    from modelops_gitops.gates.drift.report import Distribution

    shares = Distribution(
        kind="values",
        labels=("paris", "lyon", "(other)"),
        reference=(0.5, 0.3, 0.2),
        current=(0.2, 0.3, 0.5),
    )
    svg = distribution_svg("city", shares)
    assert svg == distribution_svg("city", shares)
    assert "paris" in svg  # text stays text


def test_a_text_like_column_is_refused_unless_declared(tmp_path: Path) -> None:
    """A string column with more than half its values distinct is text to Evidently (judged
    by a domain classifier this gate does not run): refused, naming the option; declared
    categorical it is compared as categories; excluded it is not read."""
    n = 200
    ids = [f"customer-{i}" for i in range(n)]
    cur = write(tmp_path, "c.parquet", {"customer": ids, "x": np.arange(n) * 1.0})
    ref = write(tmp_path, "r.parquet", {"customer": ids[::-1], "x": np.arange(n) * 1.0})
    with pytest.raises(GateInputError, match=r"'customer' looks like text \(200 distinct") as err:
        run_drift(ref, cur, DriftConfig())
    assert "features.customer.type: categorical" in str(err.value)
    declared = DriftConfig.model_validate({"features": {"customer": {"type": "categorical"}}})
    assert by_name(run_drift(ref, cur, declared))["customer"].type == "categorical"
    excluded = run_drift(ref, cur, DriftConfig.model_validate({"exclude": ["customer"]}))
    assert [f.name for f in excluded.features] == ["x"]
    few = write(tmp_path, "f.parquet", {"customer": ["a", "b"] * (n // 2), "x": np.arange(n) * 1.0})
    assert by_name(run_drift(few, few, DriftConfig()))["customer"].type == "categorical"
