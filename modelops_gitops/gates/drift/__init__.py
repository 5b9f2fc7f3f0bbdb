"""The drift gate: reference (training) vs current (monitoring) data, per feature, with
Evidently 0.7's DataDriftPreset tests and thresholds by default, plus PSI for every feature.

    from modelops_gitops.gates.drift.run import run_drift
    from modelops_gitops.gates.drift.report import to_gate_result

    report = run_drift("data/train.parquet", "s3://bucket/snapshot.parquet", DriftConfig())
    result = to_gate_result(report)        # the shared GateResult envelope

Modules: config (settings), columns (which columns, which type), summaries (mergeable
per-chunk summaries), stats (the statistics), evidence (what the tests read), decide (test
choice and verdict), exact / engine_local / engine_dask (gathering), report, render, plots,
gate (the runner adapter). This package imports only the light config on purpose: a Policy
embeds `DriftConfig`, and validating YAML must not load numpy, scipy or pyarrow.
"""

from __future__ import annotations

from modelops_gitops.kinds.drift import DriftConfig, FeatureSettings

__all__ = ["DriftConfig", "FeatureSettings"]
