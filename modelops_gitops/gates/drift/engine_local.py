"""The local engine: exact statistics, one column at a time, columns in parallel threads.

Each task reads one column of each dataset with pyarrow (strings as dictionary codes), sorts
each numerical sample once, decides, and drops the data: memory stays within `threads`
columns whatever the number of columns. numpy and pyarrow release the GIL, so threads use
every core.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed

import numpy as np
import pyarrow as pa

from modelops_gitops.gates.datasets import read_column
from modelops_gitops.gates.drift.columns import PlannedColumn
from modelops_gitops.gates.drift.decide import choose_test, evaluate, needs
from modelops_gitops.gates.drift.exact import (
    categorical_evidence,
    numeric_evidence,
    numeric_facts,
    require_values,
    sorted_sample,
)
from modelops_gitops.gates.drift.report import FeatureDrift
from modelops_gitops.gates.drift.stats import FloatArray
from modelops_gitops.gates.drift.summaries import count_categories
from modelops_gitops.gates.sources import Source
from modelops_gitops.kinds.drift import DriftConfig

Progress = Callable[[str, int, int], None]
"""`progress(task, done, total)`, as `gates.base.Progress`: the edge decides how to show it."""


def default_threads() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def run_local(
    reference: Source,
    current: Source,
    columns: list[PlannedColumn],
    config: DriftConfig,
    *,
    threads: int | None = None,
    progress: Progress | None = None,
) -> list[FeatureDrift]:
    """Per-feature results, in the order of `columns`. On errors, the first failing column
    (in that order) raises, and columns not started yet are cancelled."""
    results: dict[str, FeatureDrift] = {}
    with ThreadPoolExecutor(max_workers=threads or default_threads()) as pool:
        futures = {
            pool.submit(feature_drift, reference, current, column, config): column.name
            for column in columns
        }
        for future in as_completed(futures):
            if future.exception() is not None:
                pool.shutdown(wait=True, cancel_futures=True)
                break
            name = futures[future]
            results[name] = future.result()
            if progress is not None:
                progress(f"drift: {name}", len(results), len(columns))
    for future in futures:  # in column order
        if not future.cancelled() and future.exception() is not None:
            future.result()
    return [results[column.name] for column in columns]


def feature_drift(
    reference: Source, current: Source, column: PlannedColumn, config: DriftConfig
) -> FeatureDrift:
    names = {"ref_name": reference.location, "cur_name": current.location}
    if column.numeric:
        cur = sorted_sample(read_float64(current, column.name, _scratch(0)), in_place=True)
        ref = sorted_sample(read_float64(reference, column.name, _scratch(1)), in_place=True)
        facts = numeric_facts(column, ref, cur)
        require_values(facts, **names)
        test = choose_test(facts, config)
        evidence = numeric_evidence(facts, ref, cur, needs(facts, test))
    else:
        evidence = categorical_evidence(
            column,
            count_categories(read_column(reference, column.name)),
            count_categories(read_column(current, column.name)),
        )
        require_values(evidence.facts, **names)
        test = choose_test(evidence.facts, config)
    return evaluate(evidence, test, config)


def read_float64(source: Source, column: str, scratch: _Scratch | None = None) -> FloatArray:
    """A column as a writable float64 array, nulls as NaN, for sorting in place: copied chunk
    by chunk from arrow into the thread's reusable buffer (fresh memory costs page faults)."""
    array = read_column(source, column, dictionary=False)
    if not (pa.types.is_floating(array.type) or pa.types.is_integer(array.type)):
        array = array.cast(pa.float64(), safe=False)  # booleans, decimals
    out = scratch.get(len(array)) if scratch is not None else np.empty(len(array))
    position = 0
    for chunk in array.chunks:
        out[position : position + len(chunk)] = chunk.to_numpy(zero_copy_only=False)
        position += len(chunk)
    return out


class _Scratch:
    """A float64 buffer that grows and is reused, one per thread and sample."""

    def __init__(self) -> None:
        self.buffer: FloatArray = np.empty(0)

    def get(self, size: int) -> FloatArray:
        if self.buffer.size < size:
            self.buffer = np.empty(size)
        return self.buffer[:size]


_THREAD = threading.local()


def _scratch(slot: int) -> _Scratch:
    buffers: list[_Scratch] | None = getattr(_THREAD, "buffers", None)
    if buffers is None:
        buffers = _THREAD.buffers = [_Scratch(), _Scratch()]
    return buffers[slot]
