"""Safe pieces of GitHub-flavoured markdown: escaped text, code, links, tables, gate details.

Everything a user can write (messages, model names, branch names, table cells) goes through
`escape` before it reaches the comment: markdown punctuation is backslash-escaped, then HTML
is escaped, `|` becomes `&#124;` (so a cell cannot end early) and newlines become `<br>`
(so a row cannot either). A `<script>` in a description shows as text; nothing is injected.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from modelops_gitops.gates.result import GateResult, JsonCell
from modelops_gitops.render.links import Links, location

ICONS = {"pass": "✅", "fail": "❌", "warn": "⚠️", "pending": "⏳", "waived": "🔕", "error": "❌"}
MAX_TABLE_ROWS = 50
_MARKDOWN = re.compile(r"([\\`*_\[\]~$])")
_NEWLINES = re.compile(r"\r\n|\r|\n")
_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/+@ -]*$")
_URL_UNSAFE = {"(": "%28", ")": "%29", " ": "%20", "<": "%3C", ">": "%3E", '"': "%22"}


def escape(text: str) -> str:
    """`text` as inert markdown that is safe inside a table cell. `@` becomes an entity, so
    a policy message or model description naming `@org/team` notifies nobody."""
    text = _MARKDOWN.sub(r"\\\1", text)
    text = html.escape(text, quote=False).replace("|", "&#124;").replace("@", "&#64;")
    return _NEWLINES.sub("<br>", text)


def escape_html(text: str) -> str:
    """`text` for an HTML block (a <summary> line), where markdown is not parsed."""
    return _NEWLINES.sub("<br>", html.escape(text, quote=False).replace("@", "&#64;"))


def code(text: str) -> str:
    """`text` in a code span: backticks for plain names, else an escaped <code> element."""
    if _PLAIN.match(text):
        return f"`{text}`"
    return f"<code>{escape(text)}</code>"


def link(label: str, url: str | None) -> str:
    """An escaped `label`, linked to `url` when there is one."""
    if url is None:
        return escape(label)
    for char, quoted in _URL_UNSAFE.items():
        url = url.replace(char, quoted)
    return f"[{escape(label)}]({url})"


def where(links: Links, path: str, line: int) -> str:
    """`path:line` linked to the file line when the host is known; "" when there is no file."""
    label = location(path, line)
    return link(label, links.url(path, line)) if label else ""


def table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    """A table from already-escaped cells; `align` holds one of l/r/c per column."""
    marks = {"l": "---", "r": "--:", "c": ":-:"}
    rule = [marks[align[i]] if i < len(align) else "---" for i in range(len(header))]
    lines = [_row(header), _row(rule)] + [_row(row) for row in rows]
    return "\n".join(lines)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell or " " for cell in cells) + " |"


def number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def cell(value: JsonCell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return number(value)
    return escape(str(value))


def gate_details(gate: GateResult) -> str:
    """A collapsible block with the gate's checks, metrics and tables (plots named only)."""
    icon = ICONS["pass" if gate.status == "pass" else "fail"]
    name, status, text = (escape_html(t) for t in (gate.gate, gate.status, gate.summary))
    summary = f"{icon} Gate <code>{name}</code>: {status} — {text}"
    parts = [f"<details>\n<summary>{summary}</summary>"]
    if gate.checks:
        rows = [
            [
                escape(c.name),
                number(c.value),
                escape(c.op),
                number(c.threshold),
                ICONS["pass" if c.passed else "fail"],
                escape(c.message),
            ]
            for c in gate.checks
        ]
        header = ["Check", "Value", "Op", "Threshold", "Result", "Note"]
        parts.append("**Checks**\n\n" + table(header, rows, "lrcrcl"))
    if gate.metrics:
        rows = [[escape(k), number(v)] for k, v in sorted(gate.metrics.items())]
        parts.append("**Metrics**\n\n" + table(["Metric", "Value"], rows, "lr"))
    for name in sorted(gate.tables):
        parts.append(_gate_table(name, gate.tables[name]))
    if gate.inputs:
        rows = [[code(path), code(digest[:12])] for path, digest in sorted(gate.inputs.items())]
        parts.append("**Verified inputs**\n\n" + table(["File", "sha256"], rows))
    if gate.plots:
        names = ", ".join(code(name) for name in sorted(gate.plots))
        parts.append(
            f"Plots ({names}) cannot be shown in a GitHub comment: they are in the audit "
            "report written when the change is applied (`audit/reports/`)."
        )
    return "\n\n".join(parts) + "\n\n</details>"


def _gate_table(name: str, rows: list[dict[str, JsonCell]]) -> str:
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    shown = rows[:MAX_TABLE_ROWS]
    body = [[cell(row.get(column)) for column in columns] for row in shown]
    text = f"**{escape(name)}**\n\n" + table([escape(c) for c in columns], body)
    if len(rows) > len(shown):
        text += f"\n\n{len(rows) - len(shown)} more rows are in `--format json`."
    return text
