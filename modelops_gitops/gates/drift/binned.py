"""Pass 2 of the summary engines: from merged pass-1 summaries, what each numerical column
still needs (`plan_bins`), and the evidence built from the merged pass-2 counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from modelops_gitops.gates.drift.columns import PlannedColumn, infer_type
from modelops_gitops.gates.drift.decide import needs
from modelops_gitops.gates.drift.evidence import (
    BinnedNumeric,
    ColumnEvidence,
    ColumnFacts,
    KsAnchor,
    SampleFacts,
    ValueCounts,
    union_counts,
)
from modelops_gitops.gates.drift.stats import sturges_edges, value_counts_sorted
from modelops_gitops.gates.drift.summaries import (
    DISTINCT_CAP,
    BinCounts,
    CategoryCounts,
    NumericSummary,
    Summary,
)
from modelops_gitops.kinds.drift import TestName

Summaries = dict[str, Summary]
T = TypeVar("T")


@dataclass(frozen=True)
class BinRequest:
    """What pass 2 gathers for one numerical column (from both samples)."""

    name: str
    lo: float
    hi: float
    bins: int
    edges: Any  # FloatArray: Sturges edges, empty when not needed
    ref_anchors: Any  # FloatArray: cur's distinct values, counted in ref
    cur_anchors: Any  # FloatArray: ref's distinct values, counted in cur
    counts: bool  # the decision needs value counts
    values: bool  # ... and pass 1 could not keep them (too many distinct values)


def as_kind(kind: type[T], value: object) -> T:
    if not isinstance(value, kind):
        raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")  # engine bug
    return value


def sample_facts(summary: NumericSummary) -> SampleFacts:
    return SampleFacts(summary.n, summary.nan, summary.posinf, summary.neginf)


def _distinct(summary: NumericSummary) -> int:
    return summary.values.size if summary.values is not None else DISTINCT_CAP + 1


def summary_facts(column: PlannedColumn, ref: NumericSummary, cur: NumericSummary) -> ColumnFacts:
    if ref.values is not None and cur.values is not None:
        n_distinct = int(np.union1d(ref.values, cur.values).size)
    else:
        n_distinct = max(_distinct(ref), _distinct(cur))
    column_type = column.declared or infer_type(
        column.cur_kind, cur_nulls=cur.nan, cur_distinct=_distinct(cur)
    )
    integer = column.integer and ref.nan == 0 and cur.nan == 0
    return ColumnFacts(
        column.name,
        column_type,
        sample_facts(ref),
        sample_facts(cur),
        n_distinct,
        _distinct(ref),
        integer,
        min(ref.lo, cur.lo),
        max(ref.hi, cur.hi),
    )


def plan_bins(
    facts: ColumnFacts, test: TestName, ref: NumericSummary, cur: NumericSummary, bins: int
) -> BinRequest:
    need = needs(facts, test)
    lo, hi = (facts.lo, facts.hi) if facts.lo < facts.hi else (facts.lo - 0.5, facts.hi + 0.5)
    empty = np.zeros(0)
    edges = empty
    if need.binned:
        edges = sturges_edges(facts.lo, facts.hi, facts.ref.n + facts.cur.n, integer=facts.integer)
    ref_anchors = cur_anchors = empty
    if test == "ks" and ref.sample is not None:
        cur_anchors = value_counts_sorted(ref.sample)[0]
    elif test == "ks" and cur.sample is not None:
        ref_anchors = value_counts_sorted(cur.sample)[0]
    return BinRequest(
        name=facts.name,
        lo=lo,
        hi=hi,
        bins=bins if need.numeric else 0,
        edges=edges,
        ref_anchors=ref_anchors,
        cur_anchors=cur_anchors,
        counts=need.counts,
        values=need.counts and (ref.values is None or cur.values is None),
    )


def binned_evidence(
    request: BinRequest,
    facts: ColumnFacts,
    ref: Summary,
    cur: Summary,
    pass2: dict[str, Summaries],
) -> ColumnEvidence:
    ref, cur = as_kind(NumericSummary, ref), as_kind(NumericSummary, cur)
    ref_bins = as_kind(BinCounts, pass2["ref"][request.name])
    cur_bins = as_kind(BinCounts, pass2["cur"][request.name])
    counts = None
    if request.values:
        counts = union_counts(
            *_sorted_counts(pass2["ref"][request.name + "\0values"]),
            *_sorted_counts(pass2["cur"][request.name + "\0values"]),
        )
    elif request.counts and ref.values is not None and cur.values is not None:
        counts = union_counts(
            ref.values, as_kind(np.ndarray, ref.counts), cur.values, as_kind(np.ndarray, cur.counts)
        )
    binned = None
    if request.edges.size:
        labels = tuple(range(request.edges.size - 1))
        binned = ValueCounts(labels, ref_bins.sturges, cur_bins.sturges)
    numeric = None
    if request.bins:
        anchor = None
        if request.cur_anchors.size and ref.sample is not None:
            anchor = KsAnchor(value_counts_sorted(ref.sample)[1], cur_bins.le, cur_bins.lt, cur.n)
        elif request.ref_anchors.size and cur.sample is not None:
            anchor = KsAnchor(value_counts_sorted(cur.sample)[1], ref_bins.le, ref_bins.lt, ref.n)
        width = (request.hi - request.lo) / request.bins
        numeric = BinnedNumeric(width, ref_bins.fine, cur_bins.fine, ref.std, anchor)
    return ColumnEvidence(
        facts,
        counts=counts,
        binned=binned,
        edges=request.edges if binned else None,
        numeric=numeric,
    )


def _sorted_counts(summary: Summary) -> tuple[Any, Any]:
    summary = as_kind(CategoryCounts, summary)
    values = np.asarray(summary.labels, dtype=np.float64)
    order = np.argsort(values)
    return values[order], summary.counts[order]
