"""`run_drift`: verify, plan the columns, gather with an engine, build the report.

Engines: "local" (exact, column at a time, threads), "dask" (mergeable per-partition
summaries on a cluster; W1/KS within a stated bound, the same decisions) and "chunked" (the
same summaries in this process, a piece of rows at a time, for data larger than memory).
See docs/drift.md.
"""

from __future__ import annotations

from pathlib import Path

from modelops_gitops.errors import GateInputError
from modelops_gitops.extras import require
from modelops_gitops.gates.datasets import read_schema
from modelops_gitops.gates.drift.columns import plan_columns
from modelops_gitops.gates.drift.engine_local import Progress, run_local
from modelops_gitops.gates.drift.report import DriftReport, Engine, build_report
from modelops_gitops.gates.sources import open_source, verify
from modelops_gitops.kinds.drift import DriftConfig


def run_drift(
    reference: str | Path,
    current: str | Path,
    config: DriftConfig | None = None,
    *,
    reference_sha256: str | None = None,
    current_sha256: str | None = None,
    root: Path | None = None,
    engine: Engine = "local",
    scheduler: str | None = None,
    threads: int | None = None,
    progress: Progress | None = None,
) -> DriftReport:
    """Run the gate. A pinned sha256 is checked before the file is read; locations are
    resolved under `root` when given (see `gates.datasets`). Raises GateInputError for a
    digest mismatch, a missing file or column, or a column without usable values."""
    config = config or DriftConfig()
    ref = open_source(reference, root=root)
    cur = open_source(current, root=root)
    ref_digest = verify(ref, reference_sha256) if reference_sha256 else None
    cur_digest = verify(cur, current_sha256) if current_sha256 else None
    columns, skipped = plan_columns(
        read_schema(ref), read_schema(cur), config, ref_name=ref.location, cur_name=cur.location
    )
    if not columns:
        raise GateInputError.at(cur.location, "no column to test (all excluded or unsupported)")
    if engine == "dask":
        require("dask", "--engine dask")
        from modelops_gitops.gates.drift.engine_dask import run_dask

        features = run_dask(ref, cur, columns, config, scheduler=scheduler, progress=progress)
    elif engine == "chunked":
        from modelops_gitops.gates.drift.engine_summaries import run_chunked

        features = run_chunked(ref, cur, columns, config, threads=threads, progress=progress)
    else:
        features = run_local(ref, cur, columns, config, threads=threads, progress=progress)
    return build_report(
        features,
        share_threshold=config.share_threshold,
        reference=ref.location,
        current=cur.location,
        engine=engine,
        skipped=skipped,
        reference_sha256=ref_digest,
        current_sha256=cur_digest,
    )
