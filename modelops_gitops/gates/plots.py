"""Small SVG plots for gate results, byte-for-byte deterministic.

Figures are drawn on `matplotlib.figure.Figure` directly (no pyplot, no GUI backend, no
global figure registry) and saved as SVG with a fixed hash salt (stable element ids), text
kept as text (`svg.fonttype: none`, small), and no creation date in the metadata. The same
inputs therefore give the same bytes, so reports that embed them are reproducible.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.figure import Figure

_RC: dict[str, Any] = {
    "svg.hashsalt": "modelops-gitops",
    "svg.fonttype": "none",
    "font.size": 8.0,
    "axes.titlesize": 9.0,
    "path.simplify": True,
}
_METADATA = {"Date": None, "Creator": "modelops-gitops"}
_COLORS = ("#4472c4", "#ed7d31", "#a5a5a5", "#70ad47")


def render(draw: Callable[[Axes], None], *, size: tuple[float, float] = (4.0, 3.0)) -> str:
    """Draw on one Axes and return the figure as SVG text."""
    with mpl.rc_context(_RC):  # type: ignore[arg-type]  # keys typed as Literal
        figure = Figure(figsize=size)
        draw(figure.add_subplot())
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata=_METADATA)
    return buffer.getvalue()


def roc_curve(fpr: Sequence[float], tpr: Sequence[float], auc: float | None) -> str:
    """The ROC curve of a binary classifier, with the chance diagonal."""

    def draw(ax: Axes) -> None:
        label = "model" if auc is None else f"model (AUC {auc:.3f})"
        ax.plot(fpr, tpr, color=_COLORS[0], linewidth=1.5, label=label)
        ax.plot([0, 1], [0, 1], color=_COLORS[2], linewidth=1, linestyle="--", label="chance")
        ax.set(
            xlim=(0, 1), ylim=(0, 1.01), xlabel="False positive rate", ylabel="True positive rate"
        )
        ax.set_title("ROC curve")
        ax.legend(loc="lower right", frameon=False)

    return render(draw, size=(3.6, 3.4))


def grouped_bars(title: str, groups: Sequence[str], series: Mapping[str, Sequence[float]]) -> str:
    """One cluster of bars per group, one bar per series (e.g. selection rate, TPR, FPR)."""

    def draw(ax: Axes) -> None:
        width = 0.8 / max(len(series), 1)
        for k, (name, values) in enumerate(series.items()):
            positions = [g + (k - (len(series) - 1) / 2) * width for g in range(len(groups))]
            ax.bar(positions, values, width=width, label=name, color=_COLORS[k % len(_COLORS)])
        ax.set_xticks(range(len(groups)), [str(g) for g in groups])
        ax.set(ylim=(0, 1.05))
        ax.set_title(title)
        ax.legend(frameon=False, ncols=len(series))

    return render(draw, size=(max(3.0, 0.9 * len(groups) + 1.6), 3.0))


def histogram(
    title: str, values: Sequence[float], lines: Mapping[str, float], *, xlabel: str
) -> str:
    """A histogram with labelled vertical lines (e.g. an interval and zero)."""

    def draw(ax: Axes) -> None:
        ax.hist(values, bins=30, color=_COLORS[0], alpha=0.8)
        for k, (name, x) in enumerate(lines.items()):
            color = _COLORS[(k + 1) % len(_COLORS)]
            ax.axvline(x, color=color, linewidth=1, linestyle="--", label=name)
        ax.set(xlabel=xlabel, ylabel="resamples")
        ax.set_title(title)
        ax.legend(frameon=False)

    return render(draw)


def horizontal_bars(
    title: str, labels: Sequence[str], values: Sequence[float], errors: Sequence[float]
) -> str:
    """One horizontal bar per label, the first on top, with error bars (e.g. importances)."""

    def draw(ax: Axes) -> None:
        positions = list(range(len(labels)))[::-1]
        ax.barh(positions, values, xerr=errors, color=_COLORS[0], ecolor=_COLORS[2])
        ax.set_yticks(positions, [str(label) for label in labels])
        ax.axvline(0, color=_COLORS[2], linewidth=0.8)
        ax.set_title(title)

    return render(draw, size=(4.0, max(2.0, 0.3 * len(labels) + 1.0)))
