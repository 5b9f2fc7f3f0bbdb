"""The Dask engine: the same gate from mergeable per-partition summaries.

Pass 1 summarises every piece of both datasets (`summaries.NumericSummary`, exact
`CategoryCounts`) and merges them on the cluster. Columns whose samples are small enough are
then decided from their exact values by the local engine's code; for the others the decision
code says what it needs and pass 2 gathers it: counts on a fine fixed-width grid (W1 and KS
within the bound documented in docs/drift.md), exact counts on the Sturges edges (PSI, JS),
exact counts at the small sample's values (KS when one sample is small), or exact value counts.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa

from modelops_gitops.errors import GateInputError
from modelops_gitops.gates.datasets import Piece, Source, read_piece, split
from modelops_gitops.gates.drift.columns import PlannedColumn, infer_type
from modelops_gitops.gates.drift.config import DriftConfig
from modelops_gitops.gates.drift.decide import choose_test, evaluate, needs
from modelops_gitops.gates.drift.engine_local import Progress
from modelops_gitops.gates.drift.evidence import (
    BinnedNumeric,
    ColumnEvidence,
    ColumnFacts,
    KsAnchor,
    SampleFacts,
    ValueCounts,
    union_counts,
)
from modelops_gitops.gates.drift.exact import (
    SortedSample,
    categorical_evidence,
    numeric_evidence,
    numeric_facts,
    require_values,
)
from modelops_gitops.gates.drift.report import FeatureDrift
from modelops_gitops.gates.drift.stats import sturges_edges, value_counts_sorted
from modelops_gitops.gates.drift.summaries import (
    DISTINCT_CAP,
    BinCounts,
    CategoryCounts,
    NumericSummary,
    Summary,
    bin_numeric,
    count_categories,
    merge,
    summarize_numeric,
)

DEFAULT_BINS = 1 << 14
REFINEMENTS = 1  # rounds of REFINE_FACTOR finer bins for a verdict within the error bound
REFINE_FACTOR = 64
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


def summarize_piece(piece: Piece, numeric: Sequence[str], categorical: Sequence[str]) -> Summaries:
    table = read_piece(piece, [*numeric, *categorical])
    out: Summaries = {name: summarize_numeric(_floats(table.column(name))) for name in numeric}
    out.update({name: count_categories(table.column(name)) for name in categorical})
    return out


def bin_piece(piece: Piece, requests: Sequence[BinRequest], side: str) -> Summaries:
    table = read_piece(piece, [r.name for r in requests], dictionary=False)
    out: Summaries = {}
    for r in requests:
        values = _floats(table.column(r.name))
        anchors = r.ref_anchors if side == "ref" else r.cur_anchors
        out[r.name] = bin_numeric(
            values, lo=r.lo, hi=r.hi, bins=r.bins, edges=r.edges, anchors=anchors
        )
        if r.values:
            out[r.name + "\0values"] = count_categories(pa.array(values))
    return out


def merge_summaries(a: Summaries, b: Summaries) -> Summaries:
    return {name: merge(a[name], b[name]) for name in a}


def _floats(column: pa.ChunkedArray) -> Any:
    if not pa.types.is_float64(column.type):
        column = column.cast(pa.float64(), safe=False)
    return np.asarray(column.to_numpy(), dtype=np.float64)


def run_dask(
    reference: Source,
    current: Source,
    columns: list[PlannedColumn],
    config: DriftConfig,
    *,
    scheduler: str | None = None,
    bins: int = DEFAULT_BINS,
    rows_per_piece: int = 1 << 20,
    progress: Progress | None = None,
) -> list[FeatureDrift]:
    try:
        distributed: Any = importlib.import_module("distributed")
    except ImportError as exc:
        raise GateInputError(
            "the dask engine needs dask: pip install 'modelops-gitops[dask]'"
        ) from exc
    if scheduler is None:
        with (
            distributed.LocalCluster(processes=False, dashboard_address=None) as cluster,
            distributed.Client(cluster) as client,
        ):
            return _run(client, reference, current, columns, config, bins, rows_per_piece, progress)
    try:
        client = distributed.Client(scheduler, timeout="30s")
    except OSError as exc:
        raise GateInputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
    with client:
        return _run(client, reference, current, columns, config, bins, rows_per_piece, progress)


def _run(
    client: Any,
    reference: Source,
    current: Source,
    columns: list[PlannedColumn],
    config: DriftConfig,
    bins: int,
    rows_per_piece: int,
    progress: Progress | None,
) -> list[FeatureDrift]:
    pieces = {
        "ref": split(reference, rows_per_piece=rows_per_piece),
        "cur": split(current, rows_per_piece=rows_per_piece),
    }
    numeric = [c.name for c in columns if c.numeric]
    categorical = [c.name for c in columns if not c.numeric]
    tracker = _Tracker(client, progress)
    leaves = {
        side: tracker.submit(
            [client.submit(summarize_piece, p, numeric, categorical, pure=False) for p in ps]
        )
        for side, ps in pieces.items()
    }
    pass1 = {side: tracker.reduce(futures) for side, futures in leaves.items()}
    names = {"ref_name": reference.location, "cur_name": current.location}
    results: dict[str, FeatureDrift] = {}
    requests: dict[str, tuple[BinRequest, ColumnFacts, Any]] = {}
    for column in columns:
        ref, cur = pass1["ref"][column.name], pass1["cur"][column.name]
        if isinstance(ref, CategoryCounts) and isinstance(cur, CategoryCounts):
            evidence = categorical_evidence(column, ref, cur)
            require_values(evidence.facts, **names)
            results[column.name] = evaluate(evidence, choose_test(evidence.facts, config), config)
            continue
        ref, cur = _as(NumericSummary, ref), _as(NumericSummary, cur)
        if ref.sample is not None and cur.sample is not None:  # small: decide exactly
            r, c = SortedSample(ref.sample, _facts(ref)), SortedSample(cur.sample, _facts(cur))
            facts = numeric_facts(column, r, c)
            require_values(facts, **names)
            test = choose_test(facts, config)
            evidence = numeric_evidence(facts, r, c, needs(facts, test))
            results[column.name] = evaluate(evidence, test, config)
            continue
        facts = summary_facts(column, ref, cur)
        require_values(facts, **names)
        test = choose_test(facts, config)
        requests[column.name] = (plan_bins(facts, test, ref, cur, bins), facts, test)
    for _ in range(REFINEMENTS + 1):  # pass 2, then finer bins where the bound blurs a verdict
        if not requests:
            break
        wanted = [r for r, _, _ in requests.values()]
        leaves = {
            side: tracker.submit(
                [client.submit(bin_piece, p, wanted, side, pure=False) for p in ps]
            )
            for side, ps in pieces.items()
        }
        pass2 = {side: tracker.reduce(futures) for side, futures in leaves.items()}
        for name, (request, facts, test) in requests.items():
            evidence = binned_evidence(
                request, facts, pass1["ref"][name], pass1["cur"][name], pass2
            )
            results[name] = evaluate(evidence, test, config)
        requests = {
            name: (replace(request, bins=request.bins * REFINE_FACTOR), facts, test)
            for name, (request, facts, test) in requests.items()
            if _undecided(results[name])
        }
    return [results[c.name] for c in columns]


def _undecided(feature: FeatureDrift) -> bool:
    """The exact statistic could lie on the other side of the threshold."""
    bound = feature.error_bound
    return bound > 0 and abs(feature.statistic - feature.threshold) <= bound


def _as(kind: type[T], value: object) -> T:
    if not isinstance(value, kind):
        raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")  # engine bug
    return value


def _facts(summary: NumericSummary) -> SampleFacts:
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
        _facts(ref),
        _facts(cur),
        n_distinct,
        _distinct(ref),
        integer,
        min(ref.lo, cur.lo),
        max(ref.hi, cur.hi),
    )


def plan_bins(
    facts: ColumnFacts, test: str, ref: NumericSummary, cur: NumericSummary, bins: int
) -> BinRequest:
    need = needs(facts, test)  # type: ignore[arg-type]
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
    ref, cur = _as(NumericSummary, ref), _as(NumericSummary, cur)
    ref_bins = _as(BinCounts, pass2["ref"][request.name])
    cur_bins = _as(BinCounts, pass2["cur"][request.name])
    counts = None
    if request.values:
        counts = union_counts(
            *_sorted_counts(pass2["ref"][request.name + "\0values"]),
            *_sorted_counts(pass2["cur"][request.name + "\0values"]),
        )
    elif request.counts and ref.values is not None and cur.values is not None:
        counts = union_counts(
            ref.values, _as(np.ndarray, ref.counts), cur.values, _as(np.ndarray, cur.counts)
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
    summary = _as(CategoryCounts, summary)
    values = np.asarray(summary.labels, dtype=np.float64)
    order = np.argsort(values)
    return values[order], summary.counts[order]


class _Tracker:
    """Submits pieces, reports progress as they finish, merges their summaries pairwise on
    the cluster and brings back only the merged one."""

    def __init__(self, client: Any, progress: Progress | None) -> None:
        self.client, self.progress = client, progress
        self.total = self.done = 0

    def submit(self, futures: list[Any]) -> list[Any]:
        self.total += len(futures)
        return futures

    def reduce(self, futures: list[Any]) -> Summaries:
        distributed: Any = importlib.import_module("distributed")
        for future in distributed.as_completed(futures):
            if future.status == "error":
                future.result()  # raises the task's exception here
            self.done += 1
            if self.progress is not None:
                self.progress("drift: dask pieces", self.done, self.total)
        level = futures
        while len(level) > 1:
            pairs = [level[i : i + 2] for i in range(0, len(level), 2)]
            level = [
                self.client.submit(merge_summaries, *p) if len(p) == 2 else p[0] for p in pairs
            ]
        result: Summaries = level[0].result()
        return result
