"""Metric trends across versions as SVG, drawn by the deterministic plotting of gates/plots.py
(fixed hash salt, text as text, no date): the same trend gives the same bytes."""

from __future__ import annotations

import math

from matplotlib.axes import Axes

from modelops_gitops.dashboard.metrics import Trend
from modelops_gitops.gates.plots import render

COLORS = ("#1f4e99", "#c0504d", "#4f7f3a", "#7d5ba6", "#b36b00")  # distinct in greyscale too
MARKERS = ("o", "s", "^", "D", "v")


def trend_svg(trend: Trend) -> str:
    """One line per series (claimed, then each gate), versions along the x axis."""
    positions = list(range(len(trend.versions)))

    def draw(ax: Axes) -> None:
        for k, series in enumerate(trend.series):
            values = [math.nan if v is None else v for v in series.values]
            ax.plot(
                positions,
                values,
                color=COLORS[k % len(COLORS)],
                marker=MARKERS[k % len(MARKERS)],
                markersize=4,
                linewidth=1.4,
                linestyle="-" if k == 0 else "--",
                label=series.label,
            )
        ax.set_xticks(positions, list(trend.versions))
        ax.set_xlim(-0.5, len(positions) - 0.5)
        ax.set_title(trend.metric)
        ax.set_xlabel("version")
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(frameon=False, fontsize=7)

    return render(draw, size=(3.6, 2.6))
