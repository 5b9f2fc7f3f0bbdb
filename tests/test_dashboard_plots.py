"""The dashboard's trend charts: SVG written directly, deterministic, and plain enough for
the reports' inline allow-list (`svg_problem`), whatever the metric and gate names say."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from modelops_gitops.apply.reports import svg_problem
from modelops_gitops.dashboard.metrics import Series, Trend
from modelops_gitops.dashboard.plots import trend_svg

NS = "{http://www.w3.org/2000/svg}"


def trend(*series: Series, metric: str = "roc_auc") -> Trend:
    return Trend(metric, ("1.0.0", "1.1.0", "1.2.0", "1.3.0"), series)


def lines(svg: str) -> list[str]:
    """The `d` of each series' line (the paths drawn with stroke-width 1.4, legend excluded)."""
    root = ET.fromstring(svg)
    return [
        p.attrib["d"]
        for p in root.iter(f"{NS}path")
        if p.attrib.get("stroke-width") == "1.4" and not p.attrib["d"].endswith("h16")
    ]


def test_a_chart_passes_the_inline_allow_list_and_escapes_hostile_names() -> None:
    svg = trend_svg(
        trend(
            Series("claimed", (0.8, 0.82, 0.81, 0.85)),
            Series('<script>alert(1)</script> gate"', (0.79, None, 0.8, 0.86)),
            metric="auc</text><script>x</script>",
        )
    )
    assert svg_problem(svg) == ""
    assert "<script" not in svg
    texts = [t.text for t in ET.fromstring(svg).iter(f"{NS}text")]
    assert "auc</text><script>x</script>" in texts
    assert '<script>alert(1)</script> gate"' in texts


def test_the_same_trend_gives_the_same_bytes_and_another_does_not() -> None:
    one = trend(Series("claimed", (0.8, 0.82, 0.81, 0.85)), Series("test gate", (0.8,) * 4))
    again = trend(Series("claimed", (0.8, 0.82, 0.81, 0.85)), Series("test gate", (0.8,) * 4))
    other = trend(Series("claimed", (0.8, 0.82, 0.81, 0.86)), Series("test gate", (0.8,) * 4))
    assert trend_svg(one) == trend_svg(again)
    assert trend_svg(one) != trend_svg(other)


def test_higher_values_are_drawn_higher_and_unknown_values_break_the_line() -> None:
    svg = trend_svg(trend(Series("claimed", (0.5, 0.9, None, 0.7))))
    (path,) = lines(svg)
    moves = re.findall(r"([ML])([\d.]+) ([\d.]+)", path)
    assert [m[0] for m in moves] == ["M", "L", "M"]  # 1.0.0 -> 1.1.0, gap, 1.3.0 alone
    ys = [float(m[2]) for m in moves]
    assert ys[1] < ys[2] < ys[0]  # 0.9 above 0.7 above 0.5 (SVG's y grows downwards)
    assert len(list(ET.fromstring(svg).iter(f"{NS}circle"))) == 3 + 1  # 3 points + legend


def test_a_flat_or_empty_series_still_makes_a_valid_chart() -> None:
    for values in ((0.7, 0.7, 0.7, 0.7), (None, None, None, None), (0.0, 1e-300, 0.0, 0.0)):
        svg = trend_svg(trend(Series("claimed", values)))
        assert svg_problem(svg) == ""
        assert "nan" not in svg
        assert "inf" not in svg


def test_escape_is_saxutils_escape() -> None:
    from xml.sax.saxutils import escape as sax_escape

    from modelops_gitops.dashboard.plots import escape

    for text in (
        "",
        "plain",
        "a & b",
        "<&>",
        "&amp;lt;",
        "x > y < z",
        "\"quoted\" 'both'",
        "é\n\t",
    ):
        assert escape(text) == sax_escape(text)
