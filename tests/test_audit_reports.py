"""The audit reports of a ledger entry, rendered from real evidence: the example's credit
1.2.0 promotion planned with every gate (real metrics, tables and matplotlib plots),
approved and merged (test_audit_evidence.merged_promotion).

Checked: the paths, what each report says, GitHub table structure of the Markdown, a
balanced HTML document with no script and no external request, JSON that round-trips,
escaping of hostile text in every format, the SVG check, and byte-for-byte determinism
(twice in-process and in a fresh process with another hash seed).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from test_audit_evidence import Merged, entry_of, isolated_git, merged_promotion

from modelops_gitops.apply.reports import render_reports, report_paths, svg_problem
from modelops_gitops.audit.ledger import LedgerChange, LedgerEntry, ReportRef
from modelops_gitops.errors import InputError
from modelops_gitops.gates import plots
from modelops_gitops.plan.result import ChangeResult
from modelops_gitops.render import markdown_parts, plan_json

PREV = "ab" * 32
HOSTILE = "<script>alert(1)</script> | @everyone *bold* [x](https://evil.example)\nsecond line"


@dataclass(frozen=True)
class Rendered:
    entry: LedgerEntry
    evidence: ChangeResult
    md: str
    json: str
    html: str


def render(entry: LedgerEntry, evidence: ChangeResult) -> Rendered:
    (_, md), (_, js), (_, html) = render_reports(entry, evidence)
    return Rendered(entry, evidence, md.decode(), js.decode(), html.decode())


def placed(merged: Merged, seq: int = 3) -> LedgerEntry:
    return entry_of(merged).model_copy(update={"seq": seq, "prev_hash": PREV})


@pytest.fixture(scope="module")
def merged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Merged]:
    with isolated_git(tmp_path_factory.mktemp("home")):
        yield merged_promotion(tmp_path_factory.mktemp("reports"))


@pytest.fixture(scope="module")
def report(merged: Merged) -> Rendered:
    return render(placed(merged), merged.result)


def gates_of(evidence: ChangeResult) -> list[Any]:
    return [f.gate for f in evidence.findings if f.gate is not None]


def with_findings(evidence: ChangeResult, update: dict[str, Any], *rules: str) -> ChangeResult:
    """`evidence` with `update` applied to the findings of `rules`."""
    findings = tuple(
        f.model_copy(update=update) if f.rule in rules else f for f in evidence.findings
    )
    return evidence.model_copy(update={"findings": findings})


def with_plot(evidence: ChangeResult, svg: str) -> ChangeResult:
    """`evidence` whose test gate holds `svg` as its only plot."""
    finding = next(f for f in evidence.findings if f.rule == "test")
    assert finding.gate is not None
    gate = finding.gate.model_copy(update={"plots": {"roc_curve": svg}})
    return with_findings(evidence, {"gate": gate}, "test")


# --- paths --------------------------------------------------------------------------------


def test_paths_name_model_seq_stage_and_version(merged: Merged) -> None:
    stem = "audit/reports/credit/000003-production-1.2.0"
    assert report_paths(placed(merged)) == (f"{stem}.md", f"{stem}.json", f"{stem}.html")
    assert [path for path, _ in render_reports(placed(merged), merged.result)] == list(
        report_paths(placed(merged))
    )
    assert report_paths(placed(merged, seq=1_234_567))[0].endswith("/1234567-production-1.2.0.md")


def test_a_removal_is_named_by_the_removed_version(merged: Merged) -> None:
    removal = LedgerChange.model_validate(
        {"kind": "stage.removed", "model": "credit", "stage": "staging", "version": "1.2.0",
         "from": "1.2.0", "to": None}
    )  # fmt: skip
    entry = placed(merged).model_copy(update={"change": removal})
    evidence = merged.result.model_copy(
        update={"change": merged.result.change.model_copy(update={"stage": "staging"})}
    )

    assert report_paths(entry)[0] == "audit/reports/credit/000003-staging-1.2.0.md"
    rendered = render(entry, evidence)
    assert "| To | (removed: 1.2.0) |" in rendered.md
    assert '<th scope="row">To</th><td>(removed: 1.2.0)</td>' in rendered.html


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("model", "../../etc"),
        ("model", "Credit"),
        ("stage", "prod/../../x"),
        ("stage", ""),
        ("version", "1.2.0/../../x"),
        ("version", "latest"),
    ],
)
def test_a_ledger_part_that_cannot_name_a_file_is_refused(
    merged: Merged, field: str, value: str
) -> None:
    entry = placed(merged)
    bad = entry.model_copy(update={"change": entry.change.model_copy(update={field: value})})

    with pytest.raises(InputError) as info:
        report_paths(bad)
    [problem] = info.value.problems
    assert (problem.file, problem.field) == ("audit/ledger.jsonl", f"change.{field}")
    assert repr(value) in problem.message


def test_only_a_placed_unsealed_entry_is_rendered(merged: Merged) -> None:
    entry = placed(merged)
    for bad in (
        entry.model_copy(update={"prev_hash": ""}),
        entry.model_copy(update={"hash": "c" * 64}),
        entry.model_copy(update={"reports": (ReportRef(path="x", sha256="d" * 64),)}),
    ):
        with pytest.raises(ValueError, match="placed in the chain"):
            render_reports(bad, merged.result)
    other = merged.result.change.model_copy(update={"model": "diabetes"})
    with pytest.raises(ValueError, match="does not match entry 3"):
        render_reports(entry, merged.result.model_copy(update={"change": other}))


# --- what they say ------------------------------------------------------------------------


def test_each_report_says_what_changed_and_where_in_the_chain(report: Rendered) -> None:
    entry = report.entry
    for text in (report.md, report.html):
        assert "stage.promoted credit production: 1.1.0 → 1.2.0" in text
        assert "Promote credit 1.2.0 to production" in text
        for value in (entry.merge_commit, entry.pr.head_sha, PREV, entry.policy_set_sha256):
            assert value in text
        assert "2024-07-10T08:30:00Z" in text
        assert "amelie-credit" in text
    assert "| Entry (seq) | 3 |" in report.md
    assert '<th scope="row">Entry (seq)</th><td>3</td>' in report.html


def test_each_report_gives_every_rule_its_policy_and_result(report: Rendered) -> None:
    md_rows = [line for line in report.md.splitlines() if line.startswith("| ✅ pass |")]
    assert len(md_rows) == len(report.evidence.findings)
    for finding in report.evidence.findings:
        assert f"| ✅ pass | `{finding.policy}` | `{finding.rule}` | " in report.md
        assert (
            f'<td class="result r-pass">pass</td><td><code>{finding.policy}</code></td>'
            f"<td><code>{finding.rule}</code></td>"
        ) in report.html
    assert "1.2.0 beats 1.1.0 on roc" in report.html


def test_each_report_says_who_approved_with_team_commit_and_time(report: Rendered) -> None:
    head = report.entry.pr.head_sha
    assert f"| `jonas-credit` | credit-risk | `{head}` | 2024-07-09T11:00:00Z |" in report.md
    assert f"| `priya-validation` | model-risk | `{head}` | 2024-07-09T10:00:00Z |" in report.md
    assert (
        f"<tr><td><code>priya-validation</code></td><td>model-risk</td>"
        f"<td><code>{head}</code></td><td>2024-07-09T10:00:00Z</td></tr>"
    ) in report.html


def test_each_report_shows_the_gates_checks_metrics_and_tables(report: Rendered) -> None:
    gates = gates_of(report.evidence)
    assert [g.gate for g in gates] == ["test", "champion", "fairness", "drift"]
    for gate in gates:
        assert f"Gate `{gate.gate}` (`production-high-risk/{gate.gate}`): pass" in report.md
        assert f"Gate <code>{gate.gate}</code>" in report.html
        for check in gate.checks:
            assert markdown_parts.code(check.name) in report.md
        for name in gate.tables:
            assert f"**{name}**" in report.md
            assert f"<h4>{name}</h4>" in report.html
    champion = gates[1]
    assert f"| `improvement` | {champion.metrics['improvement']:.4g} |" in report.md
    assert f"<td><code>ci_low</code></td><td>{champion.metrics['ci_low']:.4g}</td>" in report.html
    assert "| income | numerical | wasserstein |" in report.md  # the drift features table


def test_the_html_inlines_every_plot_the_markdown_points_to_it(report: Rendered) -> None:
    names = [name for g in gates_of(report.evidence) for name in sorted(g.plots)]
    assert len(names) >= 4  # ROC, bootstrap, fairness groups, drifted features
    assert report.html.count("<svg ") == len(names)
    assert "<?xml" not in report.html
    assert "<!DOCTYPE svg" not in report.html
    assert "Plot withheld" not in report.html
    for name in names:
        assert f"<figcaption>{name}</figcaption>" in report.html
    assert "<svg" not in report.md
    assert "<svg" not in report.json
    assert "are in the [HTML report](000003-production-1.2.0.html)" in report.md


def test_waivers_overrides_and_missing_parts_are_said(merged: Merged) -> None:
    evidence = with_findings(
        merged.result, {"result": "waived", "waiver": "card-waiver"}, "model-card"
    )
    evidence = with_findings(evidence, {"override": "kai-oncall (sre)"}, "freeze")
    evidence = evidence.model_copy(
        update={"findings": tuple(f.model_copy(update={"gate": None}) for f in evidence.findings)}
    )
    entry = placed(merged).model_copy(update={"approvals": ()})
    rendered = render(entry, evidence)

    assert "| 🔕 waived | `production-high-risk` | `model-card` |" in rendered.md
    assert "| waived by card-waiver |" in rendered.md
    assert "override: kai-oncall (sre)" in rendered.md
    assert '<td class="result r-waived">waived</td>' in rendered.html
    assert "<td>waived by card-waiver</td>" in rendered.html
    for text in (rendered.md, rendered.html):
        assert "No approval was required or counted." in text
        assert "No gate ran for this change." in text


# --- formats ------------------------------------------------------------------------------


def md_tables(text: str) -> list[list[list[str]]]:
    """Each table GitHub would render (markdown-it with tables, as GFM): rows of cell text."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    tables: list[list[list[str]]] = []
    for token in tokens:
        if token.type == "table_open":
            tables.append([])
        elif token.type == "tr_open":
            tables[-1].append([])
        elif token.type == "inline" and tables and tables[-1] and token.level >= 4:
            tables[-1][-1].append(token.content)
    return tables


def test_the_markdown_renders_github_tables(report: Rendered) -> None:
    tables = md_tables(report.md)
    findings = report.evidence.findings
    gates = gates_of(report.evidence)
    tables_per_gate = [
        bool(g.checks) + bool(g.metrics) + len(g.tables) + bool(g.inputs) for g in gates
    ]
    # what changed, rules, approvals, the gates' tables, ledger position
    assert len(tables) == 3 + sum(tables_per_gate) + 1
    for table in tables:
        assert len({len(row) for row in table}) == 1, table  # every row as wide as its header
    change, rules, approvals = tables[:3]
    assert change[0] == ["Field", "Value"]
    assert rules[0] == ["Result", "Policy", "Rule", "Type", "Why", "Waiver / override", "Where"]
    assert len(rules) == 1 + len(findings)
    assert [row[2] for row in rules[1:]] == [f"`{f.rule}`" for f in findings]
    assert approvals[0] == ["Login", "Teams", "Commit approved", "At"]
    assert tables[-1][1] == ["Entry (seq)", "3"]
    headings = [line for line in report.md.splitlines() if line.startswith("#")]
    assert headings[0].startswith("# ✅ Audit record 3: ")
    assert headings[1:5] == [
        "## What changed",
        "## Why it was allowed",
        "## Who approved",
        "## Gates",
    ]
    assert headings[-1] == "## Ledger position"


class Balanced(HTMLParser):
    """Every element closed in order (void elements and `<x/>` aside); what was loaded."""

    VOID = frozenset({"meta", "link", "br", "hr", "img", "input", "col", "area", "base", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] == "style":
            self.styles.append(data)


def parsed_html(text: str) -> Balanced:
    parser = Balanced()
    parser.feed(text)
    parser.close()
    assert parser.errors == []
    assert parser.stack == []
    return parser


def test_the_html_is_one_balanced_self_contained_printable_page(report: Rendered) -> None:
    page = parsed_html(report.html)
    names = [tag for tag, _ in page.tags]

    assert report.html.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert [names.count(tag) for tag in ("html", "head", "body", "main")] == [1, 1, 1, 1]
    for forbidden in ("script", "link", "iframe", "img", "object", "embed", "foreignobject"):
        assert forbidden not in names
    for tag, attrs in page.tags:
        assert not any(key.startswith("on") or key == "src" for key in attrs), (tag, attrs)
        for key in ("href", "xlink:href"):
            value = attrs.get(key)
            assert value is None or value.startswith("#") or value.endswith((".md", ".json")), (
                tag,
                value,
            )
    csp = [
        a for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert csp == [{"http-equiv": "Content-Security-Policy",
                    "content": "default-src 'none'; style-src 'unsafe-inline'; img-src data:"}]  # fmt: skip
    css = page.styles[0]
    assert "@media print" in css
    assert "@page { size: A4" in css
    assert "break-inside: avoid" in css
    assert "url(" not in css
    assert "@import" not in css


def test_the_json_holds_the_entry_and_the_full_evidence(report: Rendered) -> None:
    document = json.loads(report.json)

    assert report.json == json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert document["report_schema_version"] == 1
    expected = report.entry.content()
    del expected["reports"]
    assert document["entry"] == expected
    assert "hash" not in document["entry"]
    assert document["entry"]["seq"] == 3
    assert document["entry"]["prev_hash"] == PREV
    assert document["evidence"] == json.loads(json.dumps(plan_json.change(report.evidence)))
    champion = next(f for f in document["evidence"]["findings"] if f["rule"] == "champion")
    gate = next(g for g in gates_of(report.evidence) if g.gate == "champion")
    assert champion["gate"]["metrics"] == gate.metrics  # full precision, not the display's
    assert champion["gate"]["checks"][0]["value"] == gate.checks[0].value
    assert champion["gate"]["tables"]
    assert "plots" not in champion["gate"]


def test_a_non_finite_metric_is_null_in_json_and_named_in_text(merged: Merged) -> None:
    finding = next(f for f in merged.result.findings if f.rule == "champion")
    assert finding.gate is not None
    gate = finding.gate.model_copy(update={"metrics": {"improvement": float("nan")}})
    rendered = render(placed(merged), with_findings(merged.result, {"gate": gate}, "champion"))

    document = json.loads(rendered.json)
    found = next(f for f in document["evidence"]["findings"] if f["rule"] == "champion")
    assert found["gate"]["metrics"] == {"improvement": None}
    assert "| `improvement` | nan |" in rendered.md


# --- hostile text -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(merged: Merged) -> Rendered:
    entry = placed(merged)
    entry = entry.model_copy(update={"pr": entry.pr.model_copy(update={"title": HOSTILE})})
    evidence = with_findings(merged.result, {"message": HOSTILE, "waiver": HOSTILE}, "model-card")
    return render(entry, evidence)


def test_hostile_text_is_text_in_the_html(hostile: Rendered) -> None:
    page = parsed_html(hostile.html)

    assert "<script" not in hostile.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile.html
    assert "script" not in [tag for tag, _ in page.tags]
    assert not any(tag == "a" and "evil" in str(attrs) for tag, attrs in page.tags)


def test_hostile_text_is_inert_in_the_markdown(hostile: Rendered) -> None:
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(hostile.md)

    assert "<script" not in hostile.md
    assert "<script" not in rendered  # no raw HTML reaches GitHub's renderer
    assert "&lt;script&gt;" in rendered
    assert "@everyone" not in hostile.md  # no mention
    assert "<strong>bold" not in rendered
    assert 'href="https://evil.example"' not in rendered
    tables = md_tables(hostile.md)
    for table in tables:
        assert len({len(row) for row in table}) == 1  # `|` and newlines kept inside their cell
    title_row = next(row for row in tables[0] if row[0] == "Pull request")
    assert "second line" in title_row[1]


# --- plots --------------------------------------------------------------------------------

ROC = plots.roc_curve([0.0, 0.2, 1.0], [0.0, 0.7, 1.0], 0.75)
SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'


def svg(body: str) -> str:
    return f"{SVG_OPEN}{body}</svg>"


def test_our_own_plots_are_plain_svg() -> None:
    assert svg_problem(ROC) == ""
    assert (
        svg_problem(
            svg('<g><use xlink:href="#p1" x="1"/><path d="M 0 0" clip-path="url(#c)"/></g>')
        )
        == ""
    )
    png = "data:image/png;base64,iVBORw0KGgo="
    assert svg_problem(svg(f'<image xlink:href="{png}" width="1" height="1"/>')) == ""


@pytest.mark.parametrize(
    ("plot", "problem"),
    [
        (svg("<script>alert(1)</script>"), "holds a <script> element"),
        (svg("<SCRIPT>alert(1)</SCRIPT>"), "holds a <SCRIPT> element"),
        (svg("<foreignObject><div>x</div></foreignObject>"), "holds a <foreignObject> element"),
        (svg('<g onload="alert(1)"/>'), "has an event handler (onload)"),
        (svg('<g ONCLICK="alert(1)"/>'), "has an event handler (onclick)"),
        (svg('<g xmlns:e="urn:x" e:onload="alert(1)"/>'), "has an event handler (onload)"),
        (svg('<use xlink:href="https://evil.example/x.svg#a"/>'), "links outside itself (href)"),
        (svg('<use href="javascript:alert(1)"/>'), "links outside itself (href)"),
        (svg('<image href="data:image/svg+xml;base64,PHN2Zz4="/>'), "links outside itself (href)"),
        (svg('<a href="#x"><path d="M0 0"/></a>'), "holds a <a> element"),
        (svg('<set attributeName="href" to="javascript:alert(1)"/>'), "holds a <set> element"),
        (svg('<animate attributeName="x"/>'), "holds a <animate> element"),
        (
            svg('<path style="fill: url(https://evil.example/f)"/>'),
            "refers to a URL outside itself",
        ),
        (svg("<path fill=\"URL( 'http://e/x')\"/>"), "refers to a URL outside itself"),
        (
            svg("<style>@import 'https://evil.example/x.css';</style>"),
            "has CSS that can load from outside",
        ),
        (svg("<style>g { background: u\\72l(x) }</style>"), "has CSS that can load from outside"),
        (svg("<style>a<g/>b</style>"), "has elements inside a <style>"),
        (
            svg("<!--><img src=x onerror=alert(1)>-->"),
            "holds a comment, CDATA section, DOCTYPE or processing instruction",
        ),
        (
            svg('<?pi x="><img src=x onerror=alert(1)>"?>'),
            "holds a comment, CDATA section, DOCTYPE or processing instruction",
        ),
        (
            svg("<style><![CDATA[</style><img src=x>]]></style>"),
            "holds a comment, CDATA section, DOCTYPE or processing instruction",
        ),
        (
            '<!DOCTYPE svg [<!ENTITY e "x">]>' + svg("&e;"),
            "holds a comment, CDATA section, DOCTYPE or processing instruction",
        ),
        (svg('<img xmlns="urn:x" src="https://evil.example/p.png"/>'), "holds a <img> element"),
        (svg("<title>x</title>"), "holds a <title> element"),
        (svg("<p>x</p>"), "holds a <p> element"),
        (svg("<g>"), "is not well-formed XML"),
        (svg("<g/>") + "<g/>", "is not well-formed XML"),
        ('<svg xmlns="urn:not-svg"/>', "is not an SVG document"),
        ("<html><body>x</body></html>", "holds a <html> element"),
        ("not markup at all", "is not well-formed XML"),
        ("", "is not well-formed XML"),
    ],
)
def test_a_plot_that_is_not_plain_svg_is_refused(plot: str, problem: str) -> None:
    assert svg_problem(plot).startswith(problem)


def test_a_refused_plot_is_withheld_with_its_reason(merged: Merged) -> None:
    evil = svg('<g onload="alert(1)"><path d="M0 0"/></g>')
    rendered = render(placed(merged), with_plot(merged.result, evil))

    assert 'onload="' not in rendered.html
    assert "alert(1)" not in rendered.html
    assert "Plot withheld: it has an event handler (onload)." in rendered.html
    assert "<figcaption>roc_curve</figcaption>" in rendered.html
    parsed_html(rendered.html)


# --- determinism --------------------------------------------------------------------------

FRESH = """
import json, sys
from pathlib import Path
from modelops_gitops.audit.ledger import LedgerEntry
from modelops_gitops.apply.reports import render_reports
from modelops_gitops.plan.result import ChangeResult
entry = LedgerEntry.model_validate_json(Path(sys.argv[1]).read_text("utf-8"))
evidence = ChangeResult.model_validate_json(Path(sys.argv[2]).read_text("utf-8"))
out = Path(sys.argv[3])
for path, data in render_reports(entry, evidence):
    (out / Path(path).name).write_bytes(data)
"""


def test_the_same_inputs_give_the_same_bytes(merged: Merged, report: Rendered) -> None:
    again = render_reports(placed(merged), merged.result)
    first = render_reports(report.entry, report.evidence)
    assert again == first
    assert render(placed(merged, seq=4), merged.result).html != report.html


def test_a_fresh_process_with_another_hash_seed_gives_the_same_bytes(
    tmp_path: Path, report: Rendered
) -> None:
    entry_file, evidence_file = tmp_path / "entry.json", tmp_path / "evidence.json"
    entry_file.write_text(report.entry.model_dump_json(by_alias=True), encoding="utf-8")
    evidence_file.write_text(report.evidence.model_dump_json(by_alias=True), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    env = dict(os.environ, PYTHONHASHSEED="12345", TZ="Pacific/Kiritimati", LC_ALL="C")
    subprocess.run(
        [sys.executable, "-c", FRESH, str(entry_file), str(evidence_file), str(out)],
        check=True,
        env=env,
        timeout=120,
    )

    for path, data in render_reports(report.entry, report.evidence):
        assert (out / Path(path).name).read_bytes() == data, path
