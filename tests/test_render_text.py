"""The text format: summary line first, per change the findings with symbols and file:line;
colour only when asked for, and then the same words.

Golden file: tests/golden/plan.txt (regenerate with UPDATE_GOLDEN=1, see test_render_plans).
"""

from __future__ import annotations

import re

from test_render_plans import LINKS, assert_golden, passing_plan, sample_plan

from modelops_gitops.render import Links, text

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_text_matches_the_golden_file() -> None:
    assert_golden("plan.txt", text.render(sample_plan(), links=LINKS))


def test_the_summary_line_comes_first_and_the_verdict_last() -> None:
    lines = text.render(sample_plan(), links=Links()).splitlines()
    assert (
        lines[0] == "plan: 4 changes — 1 pass, 1 fail, 2 pending (approvals); pull request: 1 fail"
    )
    assert lines[-1] == "result: fail (exit 1)"
    out = text.render(passing_plan(), links=Links())
    assert out.splitlines()[0] == "plan: 1 change — 1 pass"
    assert out.splitlines()[-1] == "result: pass (exit 0)"


def test_findings_point_at_file_and_line() -> None:
    out = text.render(sample_plan(), links=Links())
    assert "production/champion  champion gate failed" in out
    assert "models/fraud/model.yaml:52" in out
    assert "waived by fraud-card-2024" in out
    assert "approved by alice (ml-platform)" in out


def test_colour_is_the_same_text_with_ansi_styles() -> None:
    plain = text.render(sample_plan(), links=LINKS)
    coloured = text.render(sample_plan(), links=LINKS, color=True)
    assert "\x1b[" in coloured
    assert "\x1b[" not in plain
    assert ANSI.sub("", coloured) == plain
