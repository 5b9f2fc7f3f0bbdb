"""The markdown format: the pull-request comment. Hidden marker first, verdict, a table per
change with links to file lines, gate details folded, what is missing; user text escaped;
never longer than GitHub allows.

Golden file: tests/golden/plan.md (regenerate with UPDATE_GOLDEN=1, see test_render_plans).
"""

from __future__ import annotations

import re

import pytest
from test_render_plans import (
    CREDIT,
    HEAD_SHA,
    LINKS,
    assert_golden,
    champion_gate,
    change_result,
    finding,
    passing_plan,
    sample_plan,
)

from modelops_gitops.github.text import PLAN_MARKER
from modelops_gitops.plan.result import Change, PlanResult
from modelops_gitops.render import Links, markdown
from modelops_gitops.render.markdown_parts import escape

EVIL = 'drop | table <script>alert("x")</script> **bold** [click](https://evil.example) `tick` $x$\nnext'


def test_markdown_matches_the_golden_file() -> None:
    assert_golden("plan.md", markdown.render(sample_plan(), links=LINKS))


def test_the_hidden_marker_is_the_first_line() -> None:
    out = markdown.render(sample_plan(), links=LINKS)
    assert out.splitlines()[0] == PLAN_MARKER == markdown.MARKER
    assert out.splitlines()[1] == "## ❌ modelops-gitops plan: fail"


def test_locations_link_to_the_head_commit_or_stay_plain() -> None:
    linked = markdown.render(sample_plan(), links=LINKS)
    url = f"https://github.com/acme/models/blob/{HEAD_SHA}/{CREDIT}#L41"
    assert f"[{CREDIT}:41]({url})" in linked
    plain = markdown.render(sample_plan(), links=Links())
    assert "](" not in plain
    assert f"{CREDIT}:41" in plain


def test_gate_details_are_folded_and_plots_point_to_the_audit_report() -> None:
    out = markdown.render(sample_plan(), links=LINKS)
    assert out.count("<details>") == out.count("</details>") == 2
    assert "<summary>❌ Gate <code>champion</code>: fail" in out
    assert "| roc\\_auc delta | 0.002 | &gt;= | 0.01 | ❌ |" in out
    assert "<svg" not in out
    assert "audit report" in out


def test_what_is_missing_lists_pending_rules_and_approvals_so_far() -> None:
    out = markdown.render(sample_plan(), links=LINKS)
    assert "**Missing**" in out
    assert "approved so far: `alice` (ml-platform)" in out
    assert "**Missing**" not in markdown.render(passing_plan(), links=LINKS)


def _evil_plan() -> PlanResult:
    change = Change(
        kind="stage.promoted",
        model="credit|<b>x</b>",
        stage="prod",
        to="1.0.0",
        file=CREDIT,
        line=3,
    )
    item = change_result(
        change,
        finding("p", "r", "require", "fail", EVIL, file=CREDIT, line=3),
        finding(
            "p",
            "g",
            "gates",
            "fail",
            "gate",
            gate=champion_gate().model_copy(update={"summary": EVIL}),
        ),
    )
    return PlanResult(result="fail", base="main", head="x|<i>y</i>", changes=(item,))


def test_user_text_cannot_break_the_table_or_inject_html() -> None:
    out = markdown.render(_evil_plan(), links=LINKS)
    for tag in ("<script", "<b>", "<i>", "</script>"):
        assert tag not in out
    assert '&lt;script&gt;alert("x")&lt;/script&gt;' in out
    markdown_lines = [line for line in out.splitlines() if not line.startswith("<summary>")]
    assert not any("[click](" in line for line in markdown_lines)  # <summary> is raw HTML
    assert "\\*\\*bold\\*\\*" in out
    for block in re.split(r"\n(?!\|)", out):  # consecutive table lines
        rows = [line for line in block.splitlines() if line.startswith("|")]
        assert len({row.count("|") for row in rows}) <= 1, rows  # no row has extra cells
    assert "| ❌ | `p/r` | **fail** | drop &#124; table" in out
    assert "drop &#124; table" in out
    assert "<br>next" in out


def test_escape_handles_markdown_and_html_together() -> None:
    assert escape("a|b") == "a&#124;b"
    assert escape("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert (
        escape("*a* _b_ `c` [d] ~e~ $f$ \\")
        == "\\*a\\* \\_b\\_ \\`c\\` \\[d\\] \\~e\\~ \\$f\\$ \\\\"
    )
    assert escape("a & b") == "a &amp; b"
    assert escape("one\r\ntwo\nthree") == "one<br>two<br>three"


def _big_plan(changes: int) -> PlanResult:
    rows = [{"feature": f"f{i}", "statistic": 0.5, "drifted": True} for i in range(80)]
    gate = champion_gate().model_copy(update={"tables": {"features": rows}})
    items = []
    for i in range(changes):
        change = Change(
            kind="stage.promoted",
            model=f"model-{i:03}",
            stage="production",
            to="1.0.0",
            file=f"models/model-{i:03}/model.yaml",
            line=9,
        )
        items.append(
            change_result(
                change,
                finding(
                    "prod",
                    "champion",
                    "gates",
                    "fail" if i % 3 == 0 else "pass",
                    "x" * 400,
                    gate=gate,
                ),
                finding(
                    "prod", "approvals", "approvals", "pending" if i % 3 == 1 else "pass", "y" * 300
                ),
                finding("prod", "card", "documentation", "pass", "card complete"),
            )
        )
    return PlanResult(result="fail", base="main", head="big", changes=tuple(items))


@pytest.mark.parametrize(
    ("changes", "level"),
    [(40, markdown.COMPACT), (80, markdown.BRIEF), (300, markdown.VERDICTS)],
)
def test_an_overlong_plan_is_shortened_but_keeps_every_verdict(changes: int, level: int) -> None:
    plan = _big_plan(changes)
    out = markdown.render(plan, links=LINKS)
    assert markdown.size(out) <= markdown.MAX_CHARS
    assert out.startswith(PLAN_MARKER + "\n")
    assert (
        "shortened to fit GitHub's 65,536-character comment limit: " + markdown.LEFT_OUT[level]
        in out
    )
    for item in plan.changes:
        assert f"{item.change.model} production" in out
        assert out.count(f"{item.change.model} production") == 1
    n = {r: len([c for c in plan.changes if c.result == r]) for r in ("pass", "fail", "pending")}
    assert (
        f"**{changes} changes — {n['pass']} pass, {n['fail']} fail, {n['pending']} pending" in out
    )
    failing = n["fail"]
    if level < markdown.VERDICTS:
        assert out.count("| ❌ | `prod/champion` |") == failing


def test_a_plan_that_fits_is_not_shortened() -> None:
    out = markdown.render(_big_plan(3), links=LINKS)
    assert "shortened" not in out
    assert out.count("<details>") == 3  # every gate, passing or not


def test_when_even_verdicts_do_not_fit_the_rest_are_counted() -> None:
    plan = _big_plan(300)
    out = markdown.render(plan, links=Links(), limit=4000)
    assert markdown.size(out) <= 4000
    more = re.search(r"… and (\d+) more changes \((.*)\)", out)
    assert more is not None
    shown = out.count("\n- ")
    assert shown - 1 + int(more.group(1)) == 300
    assert "**300 changes — 100 pass, 100 fail, 100 pending (approvals)**" in out


def test_mentions_in_user_text_notify_nobody() -> None:
    from modelops_gitops.render.markdown_parts import escape, escape_html

    assert "@" not in escape("ping @acme/model-risk and @everyone")
    assert "&#64;acme/model-risk" in escape("ping @acme/model-risk")
    assert "@" not in escape_html("summary for @someone")
