"""The audit reports of one ledger entry: Markdown (renders in GitHub), JSON, and one
self-contained HTML file with the gates' plots inlined.

    report_paths(entry)             -> audit/reports/<model>/<seq:06d>-<stage>-<version>.{md,json,html}
    render_reports(entry, evidence) -> [(path, bytes)] in that order

`entry` has its place in the chain (`seq`, `prev_hash`) but no `hash` and no `reports` yet:
the reports' sha256 go into the entry before it is sealed, so a report shows the chain it
extends (`prev_hash`), never the entry's own hash. `evidence` is the re-checked plan of the
change (the ChangeResult the entry was drafted from): every rule with its message, the
approvals, and the full gate results.

Deterministic: the same inputs give the same bytes (no clock, sorted keys, fixed number
formats). User text (PR title, messages, table cells) is escaped in every format: autoescape
in HTML, `markdown_parts.escape` on every Markdown expression unless explicitly marked safe.
Plots are inlined only when `svg_problem` finds a plain SVG document (see there).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from modelops_gitops.audit.ledger import LEDGER_PATH, REPORTS_DIR, LedgerEntry
from modelops_gitops.errors import InputError
from modelops_gitops.gates.result import GateResult, JsonCell
from modelops_gitops.kinds.common import NAME_PATTERN, SEMVER_PATTERN
from modelops_gitops.plan.result import ChangeResult, Finding
from modelops_gitops.render import common, markdown_parts, plan_json
from modelops_gitops.render.links import location

REPORT_SCHEMA_VERSION = 1
SUFFIXES = (".md", ".json", ".html")


def report_paths(entry: LedgerEntry) -> tuple[str, str, str]:
    """The .md, .json and .html paths of `entry`'s reports. The parts come from the ledger,
    which a PR could edit: anything but a model name, stage name and semver is refused, so
    a path never leaves `audit/reports/<model>/`."""
    change = entry.change
    for field, value, pattern in (
        ("change.model", change.model, NAME_PATTERN),
        ("change.stage", change.stage, NAME_PATTERN),
        ("change.version", change.version, SEMVER_PATTERN),
    ):
        if not re.match(pattern, value):
            message = f"entry {entry.seq}: {value!r} cannot name a report file"
            raise InputError.at(LEDGER_PATH, message, field=field)
    stem = f"{REPORTS_DIR}/{change.model}/{entry.seq:06d}-{change.stage}-{change.version}"
    md, js, html = (stem + suffix for suffix in SUFFIXES)
    return md, js, html


def render_reports(entry: LedgerEntry, evidence: ChangeResult) -> list[tuple[str, bytes]]:
    """The three reports of `entry`, path -> bytes."""
    if not entry.prev_hash or entry.hash or entry.reports:
        raise ValueError("reports are rendered for an entry placed in the chain, before sealing")
    change = evidence.change
    if (change.model, change.stage) != (entry.change.model, entry.change.stage):
        raise ValueError(f"evidence for {change.key} does not match entry {entry.seq}")
    paths = report_paths(entry)
    view = _view(entry, evidence, paths)
    md = _MARKDOWN.get_template("report.md.j2").render(view)
    html = _HTML.get_template("report.html.j2").render(view)
    return [
        (paths[0], md.encode()),
        (paths[1], report_json(entry, evidence).encode()),
        (paths[2], html.encode()),
    ]


def report_json(entry: LedgerEntry, evidence: ChangeResult) -> str:
    """The entry's content (without `hash` and `reports`) and the full evidence, gate
    metrics, checks and tables included (plots are in the HTML)."""
    content = entry.content()
    del content["reports"]
    document = {
        "report_schema_version": REPORT_SCHEMA_VERSION,
        "entry": content,
        "evidence": plan_json.change(evidence),
    }
    text = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return text + "\n"


# --- what the templates show --------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """Rows of plain text. Cells in a `code` column, or listed in `code_cells` as (row,
    column), are shown as code; `result` is the column holding a result word (pass, fail,
    ...) that gets its icon or colour."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    code: tuple[int, ...] = ()
    result: int | None = None
    code_cells: frozenset[tuple[int, int]] = frozenset()

    def is_code(self, row: int, column: int) -> bool:
        return column in self.code or (row, column) in self.code_cells


def _facts(name: str, facts: Sequence[tuple[str, str, bool]]) -> Table:
    """A two-column table of (label, value, value is code)."""
    rows = tuple((label, value) for label, value, _ in facts)
    code = frozenset((i, 1) for i, (_, _, is_code) in enumerate(facts) if is_code)
    return Table(name, ("Field", "Value"), rows, code_cells=code)


@dataclass(frozen=True)
class Plot:
    name: str
    svg: Markup | None  # None: withheld, `problem` says why
    problem: str = ""


@dataclass(frozen=True)
class GateView:
    rule: str  # policy/rule
    gate: GateResult
    tables: tuple[Table, ...]
    plots: tuple[Plot, ...]


def _view(entry: LedgerEntry, evidence: ChangeResult, paths: Sequence[str]) -> dict[str, Any]:
    names = [path.rsplit("/", 1)[-1] for path in paths]
    return {
        "entry": entry,
        "evidence": evidence,
        "title": common.title(evidence.change),
        "change": _change_table(entry),
        "ledger": _ledger_table(entry),
        "rules": _rules_table(evidence.findings),
        "approvals": _approvals_table(entry),
        "gates": [_gate_view(f, f.gate) for f in evidence.findings if f.gate is not None],
        "files": dict(zip(("md", "json", "html"), names, strict=True)),
        "ledger_path": LEDGER_PATH,
        "results": tuple(sorted(markdown_parts.ICONS)),
    }


def _change_table(entry: LedgerEntry) -> Table:
    change, pr = entry.change, entry.pr
    to = change.to if change.to is not None else f"(removed: {change.version})"
    return _facts(
        "What changed",
        [
            ("Model", change.model, True),
            ("Stage", change.stage, True),
            ("Kind", change.kind, True),
            ("From", change.from_ or "(none)", change.from_ is not None),
            ("To", to, change.to is not None),
            ("Pull request", _pr_label(entry), False),
            ("Author", pr.author or "(unknown)", bool(pr.author)),
            ("Reviewed head", pr.head_sha or "(unknown)", bool(pr.head_sha)),
            ("Merge commit", entry.merge_commit, True),
            ("Merged at", entry.time, False),
        ],
    )


def _pr_label(entry: LedgerEntry) -> str:
    pr = entry.pr
    number = f"#{pr.number}" if pr.number is not None else "(no number)"
    return f"{number} {pr.title}".strip()


def _ledger_table(entry: LedgerEntry) -> Table:
    return _facts(
        "Ledger position",
        [
            ("Entry (seq)", str(entry.seq), False),
            ("Previous entry's hash (prev_hash)", entry.prev_hash, True),
            ("Policy set sha256", entry.policy_set_sha256, True),
            ("Ledger schema version", str(entry.schema_version), False),
        ],
    )


def _rules_table(findings: Sequence[Finding]) -> Table:
    rows = tuple(
        (
            f.result,
            f.policy,
            f.rule,
            f.rule_type,
            f.message,
            _exemption(f),
            location(f.file, f.line),
        )
        for f in findings
    )
    columns = ("Result", "Policy", "Rule", "Type", "Why", "Waiver / override", "Where")
    return Table("Why it was allowed", columns, rows, code=(1, 2, 6), result=0)


def _exemption(finding: Finding) -> str:
    parts = []
    if finding.waiver:
        parts.append(f"waived by {finding.waiver}")
    if finding.override:
        parts.append(f"override: {finding.override}")
    return "; ".join(parts)


def _approvals_table(entry: LedgerEntry) -> Table:
    rows = tuple((a.login, ", ".join(a.teams), a.commit, a.submitted_at) for a in entry.approvals)
    return Table("Who approved", ("Login", "Teams", "Commit approved", "At"), rows, code=(0, 2))


def _gate_view(finding: Finding, gate: GateResult) -> GateView:
    tables = []
    if gate.checks:
        checks = tuple(
            (c.name, _number(c.value), c.op, _number(c.threshold), _PASSED[c.passed], c.message)
            for c in gate.checks
        )
        columns = ("Check", "Value", "Op", "Threshold", "Result", "Note")
        tables.append(Table("Checks", columns, checks, code=(0,), result=4))
    if gate.metrics:
        metrics = tuple((name, _number(value)) for name, value in sorted(gate.metrics.items()))
        tables.append(Table("Metrics", ("Metric", "Value"), metrics, code=(0,)))
    tables += [_table(name, gate.tables[name]) for name in sorted(gate.tables)]
    if gate.inputs:
        inputs = tuple(sorted(gate.inputs.items()))
        tables.append(Table("Verified inputs", ("File", "sha256"), inputs, code=(0, 1)))
    plots = tuple(_plot(name, gate.plots[name]) for name in sorted(gate.plots))
    return GateView(common.rule_id(finding), gate, tuple(tables), plots)


def _table(name: str, rows: list[dict[str, JsonCell]]) -> Table:
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    body = tuple(tuple(_cell(row.get(column)) for column in columns) for row in rows)
    return Table(name, tuple(columns), body)


def _cell(value: JsonCell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _number(value)
    return str(value)


_number = markdown_parts.number  # the plan comment's format: `.4g`, n/a for None
_PASSED = {True: "pass", False: "fail"}


def _plot(name: str, svg: str) -> Plot:
    problem = svg_problem(svg)
    return Plot(name, None, problem) if problem else Plot(name, Markup(_without_prolog(svg)))


# --- plots: inline only plain SVG ---------------------------------------------------------

SVG_NS = "http://www.w3.org/2000/svg"
_PROLOG = re.compile(
    r'\A\s*(?:<\?xml [^<>?]*\?>\s*)?(?:<!DOCTYPE svg PUBLIC "[^"<>\[\]]*"\s+"[^"<>\[\]]*">\s*)?'
)
# The elements matplotlib writes, as an HTML parser will see them (it ignores namespaces).
# Not <title>/<desc>/<foreignObject>: HTML parses their content as HTML, not as SVG.
_ELEMENTS = frozenset(
    {
        *("svg", "g", "path", "defs", "clippath", "rect", "text", "tspan", "use", "style"),
        *("metadata", "line", "polyline", "polygon", "circle", "ellipse", "image", "mask"),
        *("lineargradient", "radialgradient", "stop", "pattern", "symbol", "marker"),
        *("rdf:rdf", "cc:work", "cc:agent", "dc:type", "dc:format", "dc:creator", "dc:title"),
        *("dc:date", "dc:description"),
    }
)
_TAG = re.compile(r"</?([^\s/>]+)")
_URL = re.compile(r"url\(\s*['\"]?(.)", re.IGNORECASE)
_CSS_FETCHES = ("@import", "image-set", "expression(", "\\")
_INTERNAL_HREF = re.compile(r"^(#[-\w.:]*|data:image/(png|jpeg);base64,[A-Za-z0-9+/=\s]*)$")


def svg_problem(svg: str) -> str:
    """Why `svg` cannot be inlined as trusted markup ("" when it can): it must be one
    well-formed SVG document whose tags are all ones matplotlib writes (so no <script>,
    <foreignObject>, <a>, animation or HTML tag an HTML parser would leave SVG for), with
    no event-handler attribute, no reference outside itself (href only to `#id` or an
    embedded PNG/JPEG, CSS `url(#id)` only), and no comment, CDATA, DOCTYPE or processing
    instruction beyond the standard prolog (an XML and an HTML parser read those
    differently)."""
    body = _without_prolog(svg)
    if "<!" in body or "<?" in body:
        return "holds a comment, CDATA section, DOCTYPE or processing instruction"
    for name in _TAG.findall(body):
        if name.lower() not in _ELEMENTS:
            return f"holds a <{name}> element"
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        return f"is not well-formed XML ({exc})"
    if root.tag != f"{{{SVG_NS}}}svg":
        return "is not an SVG document"
    for element in root.iter():
        for key, value in element.attrib.items():
            if problem := _attribute_problem(key.rsplit("}", 1)[-1].lower(), value):
                return problem
        if element.tag.rsplit("}", 1)[-1].lower() == "style":
            if len(element):
                return "has elements inside a <style>"
            if problem := _css_problem(element.text or ""):
                return problem
    return ""


def _attribute_problem(name: str, value: str) -> str:
    if name.startswith("on"):
        return f"has an event handler ({name})"
    if name in ("src", "base", "action", "formaction"):
        return f"has a {name} attribute"
    if name == "href" and not _INTERNAL_HREF.match(value.strip()):
        return "links outside itself (href)"
    return _css_problem(value)


def _css_problem(text: str) -> str:
    lowered = text.lower()
    if any(token in lowered for token in _CSS_FETCHES):
        return "has CSS that can load from outside"
    if any(first != "#" for first in _URL.findall(text)):
        return "refers to a URL outside itself"
    return ""


def _without_prolog(svg: str) -> str:
    """The <svg> element alone: an XML declaration or DOCTYPE means nothing inline in HTML."""
    return _PROLOG.sub("", svg, count=1).strip()


# --- the two template environments --------------------------------------------------------


def _md_safe(value: object) -> object:
    """Every `{{ }}` in the Markdown template is escaped unless it is Markup already."""
    return value if isinstance(value, Markup) else markdown_parts.escape(str(value))


def _md_table(table: Table) -> Markup:
    """A GitHub table: every cell escaped (`|` and newlines included), code columns in code
    spans, results with their icon."""
    escape, code = markdown_parts.escape, markdown_parts.code

    def cell(row: int, column: int, text: str) -> str:
        if not text:
            return ""
        if column == table.result and text in markdown_parts.ICONS:
            return f"{markdown_parts.ICONS[text]} {escape(text)}"
        return code(text) if table.is_code(row, column) else escape(text)

    rows = [[cell(r, c, text) for c, text in enumerate(row)] for r, row in enumerate(table.rows)]
    return Markup(markdown_parts.table([escape(c) for c in table.columns], rows))


def _md_link(url: str, label: str) -> Markup:
    return Markup(markdown_parts.link(label, url))


def _environment(*, html: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("modelops_gitops", "templates/audit"),
        undefined=StrictUndefined,
        autoescape=html,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=None if html else _md_safe,
    )
    if not html:
        env.filters["code"] = lambda text: Markup(markdown_parts.code(str(text)))
        env.filters["link"] = _md_link
        env.filters["icon"] = lambda word: markdown_parts.ICONS.get(str(word), "")
        env.globals["table"] = _md_table
    return env


_MARKDOWN = _environment(html=False)
_HTML = _environment(html=True)
