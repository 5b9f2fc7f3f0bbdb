"""Mergeable per-chunk summaries: small pure-data classes with `merge(a, b)`.

A summary of the concatenation of two chunks equals `merge` of their summaries (up to float
rounding in the moments), so the same code summarises a column chunk by chunk locally or
partition by partition on a Dask cluster:

    NumericSummary   pass 1: sizes, NaN/inf counts, min/max, mean and M2 (Chan et al.),
                     exact value counts while at most `distinct_cap` distinct values, and the
                     sorted values themselves while at most `exact_cap` values
    BinCounts        pass 2 (edges known from pass 1): counts on a fine fixed-width grid over
                     [min, max] of both samples, on the Sturges edges, and at anchor points
    CategoryCounts   exact counts per value (nulls, NaN and ±inf counted apart)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from modelops_gitops.gates.drift.stats import FloatArray, IntArray, value_counts_sorted

DISTINCT_CAP = 1024
EXACT_CAP = 10_000  # = stats.KS_EXACT_MAX_N: below it every statistic is computed exactly


@dataclass(frozen=True)
class NumericSummary:
    n: int
    nan: int
    posinf: int
    neginf: int
    lo: float
    hi: float
    mean: float
    m2: float
    values: FloatArray | None  # distinct values (sorted), None above DISTINCT_CAP
    counts: IntArray | None
    sample: FloatArray | None  # every finite value (sorted), None above EXACT_CAP

    @property
    def std(self) -> float:
        return float(np.sqrt(self.m2 / self.n)) if self.n else 0.0


def summarize_numeric(values: FloatArray) -> NumericSummary:
    """Summary of a chunk of float64 values (nulls as NaN)."""
    finite = np.isfinite(values)
    x = values if finite.all() else values[finite]
    nan = int(np.count_nonzero(np.isnan(values)))
    posinf = int(np.count_nonzero(values == np.inf))
    neginf = values.size - x.size - nan - posinf
    if x.size == 0:
        return NumericSummary(
            0, nan, posinf, neginf, np.inf, -np.inf, 0.0, 0.0, x, x.astype(np.int64), x
        )
    mean = float(x.mean())
    m2 = float(np.sum((x - mean) ** 2))
    sample = np.sort(x) if x.size <= EXACT_CAP else None
    if sample is not None:
        distinct, counts = value_counts_sorted(sample)
    elif np.unique(x[: 4 * DISTINCT_CAP]).size > DISTINCT_CAP:  # quick: already too many
        distinct, counts = None, None
    else:
        table = pc.value_counts(pa.array(x))
        if len(table) > DISTINCT_CAP:
            distinct, counts = None, None
        else:
            order = np.argsort(table.field("values").to_numpy())
            distinct = table.field("values").to_numpy()[order]
            counts = table.field("counts").to_numpy()[order]
    return NumericSummary(
        x.size,
        nan,
        posinf,
        neginf,
        float(x.min()),
        float(x.max()),
        mean,
        m2,
        distinct,
        counts,
        sample,
    )


def merge_numeric(a: NumericSummary, b: NumericSummary) -> NumericSummary:
    n = a.n + b.n
    if n == 0:
        mean, m2 = 0.0, 0.0
    else:
        delta = b.mean - a.mean
        mean = a.mean + delta * b.n / n
        m2 = a.m2 + b.m2 + delta * delta * a.n * b.n / n
    values, counts = _merge_value_counts(a.values, a.counts, b.values, b.counts)
    sample = None
    if a.sample is not None and b.sample is not None and n <= EXACT_CAP:
        sample = np.sort(np.concatenate((a.sample, b.sample)))
    return NumericSummary(
        n,
        a.nan + b.nan,
        a.posinf + b.posinf,
        a.neginf + b.neginf,
        min(a.lo, b.lo),
        max(a.hi, b.hi),
        mean,
        m2,
        values,
        counts,
        sample,
    )


def _merge_value_counts(
    av: FloatArray | None, ac: IntArray | None, bv: FloatArray | None, bc: IntArray | None
) -> tuple[FloatArray | None, IntArray | None]:
    if av is None or ac is None or bv is None or bc is None:
        return None, None
    values = np.union1d(av, bv)
    if values.size > DISTINCT_CAP:
        return None, None
    counts = np.zeros(values.size, dtype=np.int64)
    np.add.at(counts, np.searchsorted(values, av), ac)
    np.add.at(counts, np.searchsorted(values, bv), bc)
    return values, counts


@dataclass(frozen=True)
class BinCounts:
    """Pass-2 counts of one sample: `fine` on `bins` equal bins over [lo, hi] of both
    samples, `sturges` on the Sturges edges, and `le`/`lt` the number of values <= and < each
    anchor (the distinct values of the other sample, when that one is small)."""

    fine: IntArray
    sturges: IntArray
    le: IntArray
    lt: IntArray


def bin_numeric(
    values: FloatArray, *, lo: float, hi: float, bins: int, edges: FloatArray, anchors: FloatArray
) -> BinCounts:
    x = values[np.isfinite(values)]
    empty = np.zeros(0, dtype=np.int64)
    fine = np.histogram(x, bins=bins, range=(lo, hi))[0].astype(np.int64) if bins else empty
    sturges = np.histogram(x, bins=edges)[0].astype(np.int64) if edges.size else empty
    le = lt = empty
    if anchors.size:
        x = np.sort(x)
        le = np.searchsorted(x, anchors, side="right").astype(np.int64)
        lt = np.searchsorted(x, anchors, side="left").astype(np.int64)
    return BinCounts(fine, sturges, le, lt)


def merge_bins(a: BinCounts, b: BinCounts) -> BinCounts:
    return BinCounts(a.fine + b.fine, a.sturges + b.sturges, a.le + b.le, a.lt + b.lt)


@dataclass(frozen=True)
class CategoryCounts:
    """Exact count per value. For a float column, NaN and ±inf are counted apart (dropped
    like nulls), so every engine applies the same rule."""

    labels: tuple[object, ...]
    counts: IntArray
    nan: int = 0
    posinf: int = 0
    neginf: int = 0

    @property
    def n(self) -> int:
        return int(self.counts.sum())


def count_categories(array: pa.Array | pa.ChunkedArray) -> CategoryCounts:
    table = pc.value_counts(array)
    values, counts = table.field("values"), table.field("counts").to_numpy().astype(np.int64)
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    null = values.is_null().to_numpy(zero_copy_only=False)
    nan = int(counts[null].sum())
    posinf = neginf = 0
    drop = null
    if pa.types.is_floating(values.type):
        numbers = values.fill_null(0.0).to_numpy(zero_copy_only=False)
        nan += int(counts[np.isnan(numbers)].sum())
        posinf = int(counts[numbers == np.inf].sum())
        neginf = int(counts[numbers == -np.inf].sum())
        drop = null | ~np.isfinite(numbers)
    if drop.any():
        values, counts = values.filter(pa.array(~drop)), counts[~drop]
    return CategoryCounts(tuple(values.to_pylist()), counts, nan, posinf, neginf)


def merge_categories(a: CategoryCounts, b: CategoryCounts) -> CategoryCounts:
    totals = dict(zip(a.labels, a.counts.tolist(), strict=True))
    for label, count in zip(b.labels, b.counts.tolist(), strict=True):
        totals[label] = totals.get(label, 0) + count
    return CategoryCounts(
        tuple(totals),
        np.fromiter(totals.values(), dtype=np.int64, count=len(totals)),
        a.nan + b.nan,
        a.posinf + b.posinf,
        a.neginf + b.neginf,
    )


Summary = NumericSummary | BinCounts | CategoryCounts


def merge(a: Summary, b: Summary) -> Summary:
    """Merge two summaries of the same kind (of two chunks of the same column)."""
    if isinstance(a, NumericSummary) and isinstance(b, NumericSummary):
        return merge_numeric(a, b)
    if isinstance(a, BinCounts) and isinstance(b, BinCounts):
        return merge_bins(a, b)
    if isinstance(a, CategoryCounts) and isinstance(b, CategoryCounts):
        return merge_categories(a, b)
    raise TypeError(f"cannot merge {type(a).__name__} with {type(b).__name__}")
