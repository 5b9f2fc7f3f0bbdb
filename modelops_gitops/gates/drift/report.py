"""What the drift gate found: typed per-feature results and the dataset verdict.

`DriftReport` is the gate's own result; `to_gate_result` turns it into the shared `GateResult`
envelope (per-feature rows in `tables["features"]`, SVG plots of the drifted features).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from modelops_gitops.gates.result import Check, GateResult, JsonCell
from modelops_gitops.kinds.drift import P_VALUE_TESTS, ColumnType, TestName

_FROZEN = ConfigDict(frozen=True, extra="forbid")
Engine = Literal["local", "chunked", "dask"]


class Distribution(BaseModel):
    """Shares of each sample per bin (numerical) or per value (categorical), for plots.
    `labels` has one entry per bar; for bins, `edges` has one more."""

    model_config = _FROZEN

    kind: Literal["bins", "values"]
    labels: tuple[str, ...]
    edges: tuple[float, ...] = ()
    reference: tuple[float, ...]
    current: tuple[float, ...]


class FeatureDrift(BaseModel):
    """One feature's test. `statistic` is the p-value (ks, chisquare, z) or the distance
    (wasserstein normed by the reference std, jensenshannon, psi); `error_bound` is 0 for an
    exact statistic, else the largest possible gap to the exact one (Dask engine)."""

    model_config = _FROZEN

    name: str
    type: ColumnType
    test: TestName
    statistic: float
    threshold: float
    drifted: bool
    psi: float
    ref_count: int
    cur_count: int
    ref_nan: int
    cur_nan: int
    ref_inf: int
    cur_inf: int
    unseen_categories: int = 0
    error_bound: float = 0.0
    distribution: Distribution | None = None

    @property
    def drift_rule(self) -> str:
        """How `drifted` follows from `statistic`: e.g. "p <= 0.05" or ">= 0.1"."""
        if self.test in P_VALUE_TESTS:
            return f"p {'<=' if self.test == 'ks' else '<'} {self.threshold:g}"
        return f">= {self.threshold:g}"


class SkippedColumn(BaseModel):
    model_config = _FROZEN

    name: str
    reason: str


class DriftReport(BaseModel):
    model_config = _FROZEN

    reference: str
    current: str
    reference_sha256: str | None = None
    current_sha256: str | None = None
    engine: Engine
    features: tuple[FeatureDrift, ...]
    skipped: tuple[SkippedColumn, ...] = ()
    n_features: int
    n_drifted: int
    share: float
    share_threshold: float
    dataset_drift: bool


def build_report(
    features: list[FeatureDrift],
    *,
    share_threshold: float,
    reference: str,
    current: str,
    engine: Engine,
    skipped: tuple[SkippedColumn, ...] = (),
    reference_sha256: str | None = None,
    current_sha256: str | None = None,
) -> DriftReport:
    """The dataset verdict: drift when the share of drifted features reaches the threshold
    (every feature counts, whatever its ±inf or NaN content: they were dropped before testing)."""
    ordered = tuple(features)  # in the column order of the current data
    n_drifted = sum(f.drifted for f in ordered)
    share = n_drifted / len(ordered) if ordered else 0.0
    return DriftReport(
        reference=reference,
        current=current,
        reference_sha256=reference_sha256,
        current_sha256=current_sha256,
        engine=engine,
        features=ordered,
        skipped=skipped,
        n_features=len(ordered),
        n_drifted=n_drifted,
        share=share,
        share_threshold=share_threshold,
        dataset_drift=bool(ordered) and share >= share_threshold,
    )


def feature_row(feature: FeatureDrift) -> dict[str, JsonCell]:
    return {
        "name": feature.name,
        "type": feature.type,
        "test": feature.test,
        "statistic": feature.statistic,
        "threshold": feature.threshold,
        "drifted": feature.drifted,
        "psi": feature.psi,
        "ref_count": feature.ref_count,
        "cur_count": feature.cur_count,
        "ref_nan": feature.ref_nan,
        "cur_nan": feature.cur_nan,
        "ref_inf": feature.ref_inf,
        "cur_inf": feature.cur_inf,
        "unseen_categories": feature.unseen_categories,
        "error_bound": feature.error_bound,
    }


def _check(feature: FeatureDrift) -> Check:
    # the check states the condition for NO drift, so `passed` means "not drifted"
    op: Literal[">", ">=", "<"] = "<"
    if feature.test in P_VALUE_TESTS:
        op = ">" if feature.test == "ks" else ">="
    return Check(
        name=f"{feature.name}: {feature.test}",
        value=feature.statistic,
        op=op,
        threshold=feature.threshold,
        passed=not feature.drifted,
        message="drift" if feature.drifted else "",
    )


def summary_line(report: DriftReport) -> str:
    verdict = "dataset drift" if report.dataset_drift else "no dataset drift"
    return (
        f"{report.n_drifted} of {report.n_features} features drifted "
        f"(share {report.share:.3f}, threshold {report.share_threshold:g}): {verdict}"
    )


def to_gate_result(report: DriftReport, *, plots: bool = True) -> GateResult:
    """The shared envelope: status "fail" on dataset drift, one check per feature plus the
    share check, per-feature rows, SVG histograms of the drifted features."""
    from modelops_gitops.gates.drift.plots import distribution_svg  # matplotlib: only when used

    share_check = Check(
        name="share of drifted features",
        value=report.share,
        op="<",
        threshold=report.share_threshold,
        passed=not report.dataset_drift,
    )
    inputs = {
        location: digest
        for location, digest in (
            (report.reference, report.reference_sha256),
            (report.current, report.current_sha256),
        )
        if digest is not None
    }
    svgs = {
        f.name: distribution_svg(f.name, f.distribution)
        for f in report.features
        if plots and f.drifted and f.distribution is not None
    }
    return GateResult(
        gate="drift",
        status="fail" if report.dataset_drift else "pass",
        summary=summary_line(report),
        checks=(*(_check(f) for f in report.features), share_check),
        metrics={
            "share": report.share,
            "n_drifted": float(report.n_drifted),
            "n_features": float(report.n_features),
        },
        tables={"features": [feature_row(f) for f in report.features]},
        plots=svgs,
        inputs=inputs,
    )
