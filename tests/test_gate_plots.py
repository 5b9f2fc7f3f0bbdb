"""Gate plots are small, deterministic SVG: the same data gives the same bytes."""

from __future__ import annotations

import re

from modelops_gitops.gates import plots


def test_same_inputs_same_bytes_and_no_date() -> None:
    first = plots.roc_curve([0.0, 0.1, 0.4, 1.0], [0.0, 0.6, 0.9, 1.0], 0.87)
    again = plots.roc_curve([0.0, 0.1, 0.4, 1.0], [0.0, 0.6, 0.9, 1.0], 0.87)
    assert first == again
    assert first.startswith("<?xml")
    assert "</svg>" in first
    assert "<dc:date>" not in first
    assert "AUC 0.870" in first  # text stays text (svg.fonttype none), not glyph paths
    assert len(first.encode()) < 30_000


def test_grouped_bars_and_histogram_are_deterministic() -> None:
    series = {"selection rate": [0.7, 0.3], "TPR": [0.9, 0.5]}
    assert plots.grouped_bars("Rates", ["a", "b"], series) == plots.grouped_bars(
        "Rates", ["a", "b"], series
    )
    values = [0.01 * k for k in range(50)]
    hist = plots.histogram("Gains", values, {"zero": 0.0}, xlabel="improvement")
    assert hist == plots.histogram("Gains", values, {"zero": 0.0}, xlabel="improvement")
    ids = re.findall(r'id="([^"]+)"', hist)
    assert ids
    assert len(ids) == len(set(ids))


def test_plotting_leaves_global_matplotlib_state_alone() -> None:
    import matplotlib as mpl

    before = dict(mpl.rcParams)
    plots.roc_curve([0.0, 1.0], [0.0, 1.0], None)
    assert dict(mpl.rcParams) == before
