"""Metric trends across versions as SVG, written directly: a small deterministic writer (no
plotting library), so a chart costs microseconds and the same trend gives the same bytes.

The chart is one SVG document of plain elements (svg, g, rect, path, circle, polygon, line,
text): the kinds `apply.reports.svg_problem` accepts, no script, no link, no style sheet.
Numbers are written with fixed precision and text is escaped, so labels taken from model
files (metric and gate names) cannot add markup.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

from modelops_gitops.dashboard.metrics import Trend

COLORS = ("#1f4e99", "#c0504d", "#4f7f3a", "#7d5ba6", "#b36b00")  # distinct in greyscale too
MARKERS = ("circle", "square", "triangle", "diamond", "triangle-down")
WIDTH, HEIGHT = 346, 250  # the <img> size the model page gives each chart
LEFT, RIGHT, TOP = 48, 12, 26
LEGEND_ROW = 13
_FONT = 'font-family="sans-serif" fill="#222222"'


def escape(text: str) -> str:
    """Text as SVG character data (`xml.sax.saxutils.escape` would import the xml and urllib
    packages behind it: 10 ms of every `report`)."""
    return html.escape(text, quote=False)


def trend_svg(trend: Trend) -> str:
    """One line per series (claimed, then each gate), versions along the x axis."""
    rows = _legend_rows([s.label for s in trend.series])
    bottom = HEIGHT - 34 - LEGEND_ROW * len(rows)
    known = [v for s in trend.series for v in s.values if v is not None and math.isfinite(v)]
    low, high, ticks = _scale(known)
    count = max(len(trend.versions), 1)

    def x(i: int) -> float:
        return LEFT + (i + 0.5) * (WIDTH - LEFT - RIGHT) / count

    def y(v: float) -> float:
        return bottom - (v - low) / (high - low) * (bottom - TOP)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-size="8">',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{WIDTH / 2:.2f}" y="15" text-anchor="middle" font-size="9" {_FONT}>'
        f"{escape(trend.metric)}</text>",
        '<g stroke="#dddddd" stroke-width="0.6">',
        *(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_n(y(t))}" y2="{_n(y(t))}"/>'
            for t in ticks
        ),
        "</g>",
        f'<path d="M{LEFT} {TOP}V{bottom}H{WIDTH - RIGHT}" fill="none" stroke="#222222" '
        'stroke-width="0.8"/>',
    ]
    decimals = _decimals(ticks)
    for t in ticks:
        out.append(
            f'<text x="{LEFT - 4}" y="{_n(y(t) + 3)}" text-anchor="end" {_FONT}>'
            f"{t:.{decimals}f}</text>"
        )
    every = math.ceil(count / 8)  # at most eight version labels, evenly spaced
    for i, version in enumerate(trend.versions):
        if i % every == 0:
            out.append(
                f'<text x="{_n(x(i))}" y="{bottom + 12}" text-anchor="middle" {_FONT}>'
                f"{escape(version)}</text>"
            )
    out.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2:.2f}" y="{bottom + 25}" text-anchor="middle" '
        f"{_FONT}>version</text>"
    )
    for k, series in enumerate(trend.series):
        color, marker = COLORS[k % len(COLORS)], MARKERS[k % len(MARKERS)]
        points = [
            None if v is None or not math.isfinite(v) else (x(i), y(v))
            for i, v in enumerate(series.values)
        ]
        dash = "" if k == 0 else ' stroke-dasharray="5 3"'
        if line := _line(points):
            out.append(f'<path d="{line}" fill="none" stroke="{color}" stroke-width="1.4"{dash}/>')
        out += [_marker(marker, px, py, color) for px, py in filter(None, points)]
    for r, row in enumerate(rows):
        top = HEIGHT - 8 - LEGEND_ROW * (len(rows) - 1 - r)
        left: float = LEFT
        for k, label in row:
            color, marker = COLORS[k % len(COLORS)], MARKERS[k % len(MARKERS)]
            dash = "" if k == 0 else ' stroke-dasharray="5 3"'
            out += [
                f'<path d="M{left} {top - 3}h16" stroke="{color}" stroke-width="1.4"{dash}/>',
                _marker(marker, left + 8, top - 3, color),
                f'<text x="{left + 20}" y="{top}" {_FONT}>{escape(label)}</text>',
            ]
            left += _legend_width(label)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _n(value: float) -> str:
    """A coordinate with fixed precision (and never "-0.00")."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def _scale(values: Sequence[float]) -> tuple[float, float, list[float]]:
    """The y range and its ticks: 1, 2 or 5 times a power of ten, about five of them."""
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if high - low < 1e-12:
        pad = abs(low) * 0.05 or 0.5
        low, high = low - pad, high + pad
    raw = (high - low) / 5
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first, last = math.floor(low / step), math.ceil(high / step)
    ticks = [round(i * step, 12) for i in range(first, last + 1)]
    return ticks[0], ticks[-1], ticks


def _decimals(ticks: Sequence[float]) -> int:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    return max(0, -math.floor(math.log10(step) + 1e-9))


def _line(points: Sequence[tuple[float, float] | None]) -> str:
    """A path through the known points; an unknown value breaks the line."""
    parts, pen_down = [], False
    for point in points:
        if point is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{_n(point[0])} {_n(point[1])}")
        pen_down = True
    return "".join(parts) if len(parts) > 1 else ""


def _marker(kind: str, x: float, y: float, color: str) -> str:
    if kind == "circle":
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="2.5" fill="{color}"/>'
    if kind == "square":
        return (
            f'<rect x="{_n(x - 2.2)}" y="{_n(y - 2.2)}" width="4.4" height="4.4" fill="{color}"/>'
        )
    shape = {
        "triangle": ((0, -3), (2.8, 2), (-2.8, 2)),
        "triangle-down": ((0, 3), (2.8, -2), (-2.8, -2)),
        "diamond": ((0, -3), (2.6, 0), (0, 3), (-2.6, 0)),
    }[kind]
    points = " ".join(f"{_n(x + dx)},{_n(y + dy)}" for dx, dy in shape)
    return f'<polygon points="{points}" fill="{color}"/>'  # numbers and a #rrggbb: no quoting


def _legend_width(label: str) -> float:
    return 28 + 4.6 * len(label)


def _legend_rows(labels: Sequence[str]) -> list[list[tuple[int, str]]]:
    """The legend's entries, in rows that fit the chart's width."""
    rows: list[list[tuple[int, str]]] = [[]]
    used = 0.0
    for k, label in enumerate(labels):
        width = _legend_width(label)
        if rows[-1] and LEFT + used + width > WIDTH - RIGHT:
            rows.append([])
            used = 0.0
        rows[-1].append((k, label))
        used += width
    return rows if rows[0] else []
