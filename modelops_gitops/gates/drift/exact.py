"""Evidence from whole samples: one sort per numerical sample, then every statistic exact.

Used by the local engine for every column, and by the Dask engine for columns small enough
to be gathered whole (at most `summaries.EXACT_CAP` values per sample).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelops_gitops.errors import GateInputError
from modelops_gitops.gates.drift import stats
from modelops_gitops.gates.drift.columns import PlannedColumn, align_categories, infer_type
from modelops_gitops.gates.drift.decide import Needs
from modelops_gitops.gates.drift.evidence import (
    ColumnEvidence,
    ColumnFacts,
    ExactNumeric,
    SampleFacts,
    ValueCounts,
    union_counts,
)
from modelops_gitops.gates.drift.stats import FloatArray
from modelops_gitops.gates.drift.summaries import CategoryCounts
from modelops_gitops.kinds.drift import ColumnType


@dataclass(frozen=True)
class SortedSample:
    values: FloatArray  # finite values, sorted
    facts: SampleFacts


def sorted_sample(values: FloatArray, *, in_place: bool = False) -> SortedSample:
    """Sort once (NaN sorts last, ±inf at the ends), then the finite values are a slice.
    `in_place`: the caller hands the array over (no copy)."""
    if in_place:
        values.sort()
        ordered = values
    else:
        ordered = np.sort(values)
    first = int(np.searchsorted(ordered, -np.inf, side="right"))
    end = int(np.searchsorted(ordered, np.inf, side="left"))
    end_inf = int(np.searchsorted(ordered, np.inf, side="right"))
    facts = SampleFacts(
        n=end - first, nan=ordered.size - end_inf, posinf=end_inf - end, neginf=first
    )
    return SortedSample(ordered[first:end], facts)


def numeric_facts(column: PlannedColumn, ref: SortedSample, cur: SortedSample) -> ColumnFacts:
    d_ref, d_cur = stats.distinct_sorted(ref.values), stats.distinct_sorted(cur.values)
    n_distinct = max(d_ref, d_cur)
    if n_distinct <= 5:
        n_distinct = int(np.union1d(np.unique(ref.values), np.unique(cur.values)).size)
    column_type: ColumnType = column.declared or infer_type(
        column.cur_kind, cur_nulls=cur.facts.nan, cur_distinct=d_cur
    )
    integer = column.integer and ref.facts.nan == 0 and cur.facts.nan == 0
    lo = min(_first(ref.values, np.inf), _first(cur.values, np.inf))
    hi = max(_last(ref.values, -np.inf), _last(cur.values, -np.inf))
    return ColumnFacts(
        column.name, column_type, ref.facts, cur.facts, n_distinct, d_ref, integer, lo, hi
    )


def numeric_evidence(
    facts: ColumnFacts, ref: SortedSample, cur: SortedSample, need: Needs
) -> ColumnEvidence:
    counts = binned = edges = None
    if need.counts:
        counts = union_counts(
            *stats.value_counts_sorted(ref.values), *stats.value_counts_sorted(cur.values)
        )
    if need.binned:
        edges = stats.sturges_edges(
            facts.lo, facts.hi, facts.ref.n + facts.cur.n, integer=facts.integer
        )
        binned = ValueCounts(
            tuple(range(edges.size - 1)),
            stats.histogram_sorted(ref.values, edges),
            stats.histogram_sorted(cur.values, edges),
        )
    numeric = ExactNumeric(ref.values, cur.values) if need.numeric else None
    return ColumnEvidence(facts, counts=counts, binned=binned, edges=edges, numeric=numeric)


def categorical_evidence(
    column: PlannedColumn, ref: CategoryCounts, cur: CategoryCounts
) -> ColumnEvidence:
    if column.declared is None and column.cur_kind == "string" and 2 * len(cur.labels) > cur.n:
        raise GateInputError(
            f"column {column.name!r} looks like text ({len(cur.labels)} distinct values in "
            f"{cur.n}): Evidently judges such a column with a text classifier, which this gate "
            f"does not run; declare features.{column.name}.type: categorical to compare its "
            f"values as categories, or list it under exclude: (an ID column)"
        )
    counts = align_categories(ref, cur)
    facts = ColumnFacts(
        column.name,
        "categorical",
        SampleFacts(ref.n, ref.nan, ref.posinf, ref.neginf),
        SampleFacts(cur.n, cur.nan, cur.posinf, cur.neginf),
        n_distinct=len(counts.labels),
        n_distinct_ref=len(ref.labels),
    )
    return ColumnEvidence(facts, counts=counts)


def require_values(facts: ColumnFacts, *, ref_name: str, cur_name: str) -> None:
    """A sample with no usable value (empty, or only nulls/NaN/±inf) cannot be tested."""
    for sample, location in ((facts.ref, ref_name), (facts.cur, cur_name)):
        if sample.n == 0 and sample.nan == sample.inf == 0:
            raise GateInputError.at(location, f"column {facts.name!r} has no rows")
        if sample.n == 0:
            raise GateInputError.at(
                location,
                f"column {facts.name!r} has no finite, non-null values "
                f"({sample.nan} null/NaN, {sample.inf} ±inf)",
            )


def _first(values: FloatArray, default: float) -> float:
    return float(values[0]) if values.size else default


def _last(values: FloatArray, default: float) -> float:
    return float(values[-1]) if values.size else default
