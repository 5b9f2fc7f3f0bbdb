"""A layered graph as an inline SVG (pure, deterministic): one column per layer, left to right,
nodes stacked in the order given, edges as curves from a node's right side to the next's left.

    graph_svg(lineage) -> str

No script, no external reference, every text escaped (a dataset path or a PR title is the
repository's text, not markup); the same graph gives the same bytes.
"""

from __future__ import annotations

from html import escape

from modelops_gitops.audit.lineage import COLUMN_NAMES, Lineage, Node

NODE_W, NODE_H = 220, 44
COLUMN_GAP, ROW_GAP, TOP, LEFT = 70, 14, 34, 10
FLAGGED = ".node.unverified rect{fill:#fde8e8;stroke:#b00;stroke-dasharray:4 2;}"
MAX_CHARS = 33  # text longer than this is cut (the table beside the drawing has it whole)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


def positions(lineage: Lineage) -> dict[str, tuple[int, int]]:
    """node id -> the (x, y) of its top-left corner."""
    rows = [0] * len(COLUMN_NAMES)
    out: dict[str, tuple[int, int]] = {}
    for node in lineage.nodes:
        x = LEFT + node.column * (NODE_W + COLUMN_GAP)
        out[node.id] = (x, TOP + rows[node.column] * (NODE_H + ROW_GAP))
        rows[node.column] += 1
    return out


def _node(node: Node, x: int, y: int) -> str:
    css = "node unverified" if node.unverified else "node"
    mark = " (unverified)" if node.unverified else ""
    return (
        f'<g class="{css}"><title>{escape(node.label + mark)}: {escape(node.detail)}</title>'
        f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="6"/>'
        f'<text x="{x + 8}" y="{y + 18}">{escape(_clip(node.label + mark))}</text>'
        f'<text x="{x + 8}" y="{y + 35}" class="detail">{escape(_clip(node.detail))}</text></g>'
    )


def graph_svg(lineage: Lineage) -> str:
    at = positions(lineage)
    columns = len(COLUMN_NAMES)
    height = max([y + NODE_H for _, y in at.values()], default=TOP) + ROW_GAP
    width = LEFT * 2 + columns * NODE_W + (columns - 1) * COLUMN_GAP
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lineage" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Lineage of {escape(lineage.model)}">',
        "<style>.node rect{fill:#fff;stroke:#223;}text{font:12px sans-serif;fill:#111;}"
        "text.detail{font-size:10px;fill:#555;}path{fill:none;stroke:#889;}"
        + (FLAGGED if any(node.unverified for node in lineage.nodes) else "")
        + "</style>",
    ]
    for n, name in enumerate(COLUMN_NAMES):
        x = LEFT + n * (NODE_W + COLUMN_GAP)
        parts.append(f'<text x="{x}" y="{TOP - 12}" class="column">{escape(name)}</text>')
    for edge in lineage.edges:
        if edge.source not in at or edge.target not in at:
            continue
        (x1, y1), (x2, y2) = at[edge.source], at[edge.target]
        x1, y1, y2 = x1 + NODE_W, y1 + NODE_H // 2, y2 + NODE_H // 2
        middle = (x1 + x2) // 2
        parts.append(
            f'<path d="M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}">'
            f"<title>{escape(edge.label)}</title></path>"
        )
    parts.extend(_node(node, *at[node.id]) for node in lineage.nodes)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
