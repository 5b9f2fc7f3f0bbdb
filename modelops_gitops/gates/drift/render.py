"""The drift report as text (an aligned table) or JSON, from the same `DriftReport`."""

from __future__ import annotations

import json
from collections.abc import Callable

from modelops_gitops.gates.drift.report import DriftReport, FeatureDrift, summary_line

JSON_SCHEMA_VERSION = 1


def render_json(report: DriftReport) -> str:
    body = {
        "schema_version": JSON_SCHEMA_VERSION,
        "reference": report.reference,
        "current": report.current,
        "engine": report.engine,
        "features": [
            {
                "name": f.name,
                "type": f.type,
                "test": f.test,
                "statistic": f.statistic,
                "threshold": f.threshold,
                "drifted": f.drifted,
                "psi": f.psi,
                "ref_count": f.ref_count,
                "cur_count": f.cur_count,
                "ref_nan": f.ref_nan,
                "cur_nan": f.cur_nan,
                "ref_inf": f.ref_inf,
                "cur_inf": f.cur_inf,
                "unseen_categories": f.unseen_categories,
                "error_bound": f.error_bound,
            }
            for f in report.features
        ],
        "skipped": [{"name": s.name, "reason": s.reason} for s in report.skipped],
        "n_features": report.n_features,
        "n_drifted": report.n_drifted,
        "share": report.share,
        "share_threshold": report.share_threshold,
        "dataset_drift": report.dataset_drift,
    }
    return json.dumps(body, indent=2, allow_nan=False) + "\n"


_COLUMNS: tuple[tuple[str, Callable[[FeatureDrift], str]], ...] = (
    ("feature", lambda f: f.name),
    ("type", lambda f: f.type),
    ("test", lambda f: f.test),
    ("statistic", lambda f: f"{f.statistic:.4g}"),
    ("drift when", lambda f: f.drift_rule),
    ("drifted", lambda f: "DRIFT" if f.drifted else "-"),
    ("psi", lambda f: f"{f.psi:.4g}"),
    ("dropped", lambda f: _dropped(f)),
)


def _dropped(f: FeatureDrift) -> str:
    parts = []
    if f.ref_nan or f.cur_nan:
        parts.append(f"nan {f.ref_nan}/{f.cur_nan}")
    if f.ref_inf or f.cur_inf:
        parts.append(f"inf {f.ref_inf}/{f.cur_inf}")
    if f.unseen_categories:
        parts.append(f"{f.unseen_categories} new values")
    return ", ".join(parts)


def render_text(report: DriftReport) -> str:
    rows = [[header for header, _ in _COLUMNS]]
    rows += [[cell(f) for _, cell in _COLUMNS] for f in report.features]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines += [f"skipped {s.name}: {s.reason}" for s in report.skipped]
    bounded = [f for f in report.features if f.error_bound]
    if bounded:
        worst = max(bounded, key=lambda f: f.error_bound)
        lines.append(
            f"largest error bound (dask summaries): {worst.error_bound:.2g} on {worst.name}"
        )
    lines.append(f"drift: {summary_line(report)}")
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[DriftReport], str]] = {"text": render_text, "json": render_json}
