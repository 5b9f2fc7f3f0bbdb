"""The Dask engine: the summary engine (`engine_summaries`) on a Dask cluster.

Piece tasks run where the workers are (they must import `modelops_gitops` and reach the data:
same paths or URIs); summaries are merged pairwise on the cluster and only the merged ones
come back. Without a scheduler address, an in-process cluster is started and closed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

from modelops_gitops.errors import GateInputError
from modelops_gitops.gates.drift.binned import Summaries
from modelops_gitops.gates.drift.columns import PlannedColumn
from modelops_gitops.gates.drift.engine_local import Progress
from modelops_gitops.gates.drift.engine_summaries import (
    DEFAULT_BINS,
    merge_summaries,
    run_summaries,
)
from modelops_gitops.gates.drift.report import FeatureDrift
from modelops_gitops.gates.sources import Source
from modelops_gitops.kinds.drift import DriftConfig


class DaskExecutor:
    def __init__(self, client: Any, distributed: Any) -> None:
        self.client, self.distributed = client, distributed

    def submit(self, fn: Callable[..., Summaries], *args: Any) -> Any:
        return self.client.submit(fn, *args, pure=False)

    def as_completed(self, futures: list[Any]) -> Iterable[Any]:
        return self.distributed.as_completed(futures)  # type: ignore[no-any-return]

    def merged(self, futures: list[Any]) -> Summaries:
        level = futures
        while len(level) > 1:
            pairs = [level[i : i + 2] for i in range(0, len(level), 2)]
            level = [
                self.client.submit(merge_summaries, *p) if len(p) == 2 else p[0] for p in pairs
            ]
        result: Summaries = level[0].result()
        return result


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

    def run(client: Any) -> list[FeatureDrift]:
        executor = DaskExecutor(client, distributed)
        return run_summaries(
            executor,
            reference,
            current,
            columns,
            config,
            bins=bins,
            rows_per_piece=rows_per_piece,
            progress=progress,
        )

    if scheduler is None:
        with (
            distributed.LocalCluster(processes=False, dashboard_address=None) as cluster,
            distributed.Client(cluster) as client,
        ):
            return run(client)
    try:
        client = distributed.Client(scheduler, timeout="30s")
    except OSError as exc:
        raise GateInputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
    with client:
        return run(client)
