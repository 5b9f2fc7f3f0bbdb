"""Reference-vs-current histograms of a drifted feature, as small deterministic SVG, drawn
with the shared `gates.plots.render` (Figure without pyplot, fixed hash salt, text as text,
no date)."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from modelops_gitops.gates import plots
from modelops_gitops.gates.drift.report import Distribution

_REFERENCE, _CURRENT = "#4472c4", "#ed7d31"


def distribution_svg(name: str, distribution: Distribution) -> str:
    """Overlaid shares per bin (numerical) or side-by-side bars per value (categorical)."""
    reference = np.asarray(distribution.reference)
    current = np.asarray(distribution.current)

    def draw(ax: Axes) -> None:
        if distribution.kind == "bins":
            edges = np.asarray(distribution.edges)
            ax.stairs(reference, edges, color=_REFERENCE, label="reference", fill=True, alpha=0.45)
            ax.stairs(current, edges, color=_CURRENT, label="current", fill=True, alpha=0.45)
        else:
            x = np.arange(len(distribution.labels))
            ax.bar(x - 0.2, reference, width=0.4, color=_REFERENCE, label="reference")
            ax.bar(x + 0.2, current, width=0.4, color=_CURRENT, label="current")
            labels = [label[:12] for label in distribution.labels]
            ax.set_xticks(x, labels, rotation=45, ha="right")
        ax.set_title(f"{name}: reference vs current")
        ax.set_ylabel("share")
        ax.legend(frameon=False)

    return plots.render(draw, size=(4.0, 2.6))
