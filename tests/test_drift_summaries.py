"""Mergeable summaries: the summary of a whole column equals the merge of its chunks'."""

from __future__ import annotations

from functools import reduce

import numpy as np
import pyarrow as pa
import pytest

from modelops_gitops.gates.drift import summaries
from modelops_gitops.gates.drift.summaries import (
    BinCounts,
    CategoryCounts,
    NumericSummary,
    bin_numeric,
    count_categories,
    merge,
    summarize_numeric,
)


def chunks(values: np.ndarray, parts: int) -> list[np.ndarray]:
    return np.array_split(values, parts)


def test_numeric_merge_equals_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(5, 2, 9_000)
    values[::97] = np.nan
    values[5] = np.inf
    values[6] = -np.inf
    whole = summarize_numeric(values)
    merged = reduce(merge, [summarize_numeric(c) for c in chunks(values, 7)])
    assert isinstance(merged, NumericSummary)
    assert (merged.n, merged.nan, merged.posinf, merged.neginf) == (whole.n, whole.nan, 1, 1)
    assert (merged.lo, merged.hi) == (whole.lo, whole.hi)
    assert merged.mean == pytest.approx(whole.mean, rel=1e-12)
    assert merged.std == pytest.approx(np.std(values[np.isfinite(values)]), rel=1e-12)
    assert merged.sample is not None
    np.testing.assert_array_equal(merged.sample, np.sort(values[np.isfinite(values)]))
    assert merged.values is None  # more than DISTINCT_CAP distinct values
    monkeypatch.setattr(summaries, "EXACT_CAP", 1000)
    big = reduce(merge, [summarize_numeric(c) for c in chunks(values, 7)])
    assert isinstance(big, NumericSummary)
    assert big.sample is None


def test_distinct_counts_merge_until_the_cap() -> None:
    rng = np.random.default_rng(4)
    values = rng.integers(0, 12, 40_000).astype(float)
    merged = reduce(merge, [summarize_numeric(c) for c in chunks(values, 5)])
    assert isinstance(merged, NumericSummary)
    assert merged.values is not None
    assert merged.counts is not None
    expected_values, expected_counts = np.unique(values, return_counts=True)
    np.testing.assert_array_equal(merged.values, expected_values)
    np.testing.assert_array_equal(merged.counts, expected_counts)


def test_bins_and_categories_merge() -> None:
    rng = np.random.default_rng(5)
    values = rng.normal(size=20_000)
    edges = np.histogram_bin_edges(values, bins="sturges")
    anchors = np.array([-1.0, 0.0, 0.5])
    lo, hi = float(values.min()), float(values.max())
    parts = [
        bin_numeric(c, lo=lo, hi=hi, bins=256, edges=edges, anchors=anchors)
        for c in chunks(values, 3)
    ]
    merged = reduce(merge, parts)
    assert isinstance(merged, BinCounts)
    np.testing.assert_array_equal(merged.fine, np.histogram(values, bins=256, range=(lo, hi))[0])
    np.testing.assert_array_equal(merged.sturges, np.histogram(values, bins=edges)[0])
    np.testing.assert_array_equal(merged.le, [(values <= a).sum() for a in anchors])
    np.testing.assert_array_equal(merged.lt, [(values < a).sum() for a in anchors])

    labels = rng.choice(["a", "b", "c", None], 10_000)
    array = pa.array(labels).dictionary_encode()
    whole = count_categories(array)
    merged_counts = reduce(
        merge, [count_categories(array.slice(i, 2500)) for i in range(0, 10_000, 2500)]
    )
    assert isinstance(merged_counts, CategoryCounts)
    assert dict(zip(merged_counts.labels, merged_counts.counts.tolist(), strict=True)) == dict(
        zip(whole.labels, whole.counts.tolist(), strict=True)
    )
    assert merged_counts.nan == whole.nan == int(np.sum(labels == None))  # noqa: E711


def test_float_categories_drop_nan_and_inf() -> None:
    counts = count_categories(pa.array([1.0, 1.0, np.nan, None, np.inf, -np.inf, 2.0]))
    assert (counts.labels, counts.counts.tolist()) == ((1.0, 2.0), [2, 1])
    assert (counts.nan, counts.posinf, counts.neginf) == (2, 1, 1)
    with pytest.raises(TypeError, match="cannot merge"):
        merge(counts, summarize_numeric(np.ones(3)))
