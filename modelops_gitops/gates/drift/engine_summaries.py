"""The summary engine: the gate from mergeable per-piece summaries, on any executor.

Pass 1 summarises every piece of both datasets (`summaries.NumericSummary`, exact
`CategoryCounts`) and merges them. Columns whose samples are small enough are then decided from
their exact values by the local engine's code; for the others the decision code says what it
needs and pass 2 gathers it (`binned.plan_bins`): counts on a fine fixed-width grid (W1 and KS
within the bound documented in docs/drift.md), exact counts on the Sturges edges (PSI, JS),
exact counts at the small sample's values (KS when one sample is small), or exact value counts.
A verdict within its bound is gathered again on a finer grid.

Executors: a Dask client (`engine_dask`), or a local thread pool (`run_chunked`: data larger
than memory, one piece of rows at a time).
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from functools import reduce
from typing import Any, Protocol

import numpy as np
import pyarrow as pa

from modelops_gitops.gates.datasets import Piece, read_piece, split
from modelops_gitops.gates.drift.binned import (
    BinRequest,
    Summaries,
    as_kind,
    binned_evidence,
    plan_bins,
    sample_facts,
    summary_facts,
)
from modelops_gitops.gates.drift.columns import PlannedColumn
from modelops_gitops.gates.drift.decide import choose_test, evaluate, needs
from modelops_gitops.gates.drift.engine_local import Progress, default_threads
from modelops_gitops.gates.drift.evidence import ColumnFacts
from modelops_gitops.gates.drift.exact import (
    SortedSample,
    categorical_evidence,
    numeric_evidence,
    numeric_facts,
    require_values,
)
from modelops_gitops.gates.drift.report import FeatureDrift
from modelops_gitops.gates.drift.summaries import (
    CategoryCounts,
    NumericSummary,
    bin_numeric,
    count_categories,
    merge,
    summarize_numeric,
)
from modelops_gitops.gates.sources import Source
from modelops_gitops.kinds.drift import DriftConfig, TestName

DEFAULT_BINS = 1 << 14
REFINEMENTS = 1  # rounds of REFINE_FACTOR finer bins for a verdict within the error bound
REFINE_FACTOR = 64


class Executor(Protocol):
    """Runs piece tasks somewhere and merges their summaries."""

    def submit(self, fn: Callable[..., Summaries], *args: Any) -> Any: ...

    def as_completed(self, futures: list[Any]) -> Iterable[Any]: ...

    def merged(self, futures: list[Any]) -> Summaries: ...


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


def run_summaries(
    executor: Executor,
    reference: Source,
    current: Source,
    columns: list[PlannedColumn],
    config: DriftConfig,
    *,
    bins: int = DEFAULT_BINS,
    rows_per_piece: int = 1 << 20,
    progress: Progress | None = None,
) -> list[FeatureDrift]:
    """Per-feature results, in the order of `columns`."""
    pieces = {
        "ref": split(reference, rows_per_piece=rows_per_piece),
        "cur": split(current, rows_per_piece=rows_per_piece),
    }
    numeric = [c.name for c in columns if c.numeric]
    categorical = [c.name for c in columns if not c.numeric]
    tracker = _Tracker(executor, progress)
    pass1 = tracker.run(
        {s: [(summarize_piece, p, numeric, categorical) for p in ps] for s, ps in pieces.items()}
    )
    names = {"ref_name": reference.location, "cur_name": current.location}
    results: dict[str, FeatureDrift] = {}
    requests: dict[str, tuple[BinRequest, ColumnFacts, TestName]] = {}
    for column in columns:
        ref, cur = pass1["ref"][column.name], pass1["cur"][column.name]
        if isinstance(ref, CategoryCounts) and isinstance(cur, CategoryCounts):
            evidence = categorical_evidence(column, ref, cur)
            require_values(evidence.facts, **names)
            results[column.name] = evaluate(evidence, choose_test(evidence.facts, config), config)
            continue
        ref, cur = as_kind(NumericSummary, ref), as_kind(NumericSummary, cur)
        if ref.sample is not None and cur.sample is not None:  # small: decide exactly
            r, c = (
                SortedSample(ref.sample, sample_facts(ref)),
                SortedSample(cur.sample, sample_facts(cur)),
            )
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
        pass2 = tracker.run(
            {s: [(bin_piece, p, wanted, s) for p in ps] for s, ps in pieces.items()}
        )
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


class _Tracker:
    """Submits both samples' piece tasks at once, reports progress as they finish, and brings
    back each sample's merged summaries."""

    def __init__(self, executor: Executor, progress: Progress | None) -> None:
        self.executor, self.progress = executor, progress
        self.total = self.done = 0

    def run(self, tasks: dict[str, list[tuple[Any, ...]]]) -> dict[str, Summaries]:
        futures = {side: [self.executor.submit(*task) for task in ts] for side, ts in tasks.items()}
        self.total += sum(len(f) for f in futures.values())
        for future in self.executor.as_completed([f for fs in futures.values() for f in fs]):
            future.result()  # raises a task's exception here
            self.done += 1
            if self.progress is not None:
                self.progress("drift: pieces", self.done, self.total)
        return {side: self.executor.merged(fs) for side, fs in futures.items()}


class ThreadExecutor:
    """A local thread pool: pieces of rows at a time, summaries merged here."""

    def __init__(self, pool: concurrent.futures.ThreadPoolExecutor) -> None:
        self.pool = pool

    def submit(self, fn: Callable[..., Summaries], *args: Any) -> Any:
        return self.pool.submit(fn, *args)

    def as_completed(self, futures: list[Any]) -> Iterable[Any]:
        return concurrent.futures.as_completed(futures)

    def merged(self, futures: list[Any]) -> Summaries:
        return reduce(merge_summaries, (f.result() for f in futures))


def run_chunked(
    reference: Source,
    current: Source,
    columns: list[PlannedColumn],
    config: DriftConfig,
    *,
    threads: int | None = None,
    rows_per_piece: int = 1 << 18,
    progress: Progress | None = None,
) -> list[FeatureDrift]:
    """The summary engine in this process: memory bounded by `threads` pieces of
    `rows_per_piece` rows (all tested columns), whatever the datasets' size."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=threads or default_threads()) as pool:
        return run_summaries(
            ThreadExecutor(pool),
            reference,
            current,
            columns,
            config,
            rows_per_piece=rows_per_piece,
            progress=progress,
        )
