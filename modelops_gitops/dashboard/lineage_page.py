"""`lineage/<model>.html`: the model's lineage graph (audit/lineage.py) drawn inline
(graph_svg.py) and the same edges as a plain table, for readers who cannot see the drawing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from jinja2 import Environment
from markupsafe import Markup

from modelops_gitops.audit.ledger import LedgerEntry
from modelops_gitops.audit.lineage import Lineage, lineage
from modelops_gitops.dashboard.graph_svg import graph_svg
from modelops_gitops.dashboard.sources import Sources


@dataclass(frozen=True)
class EdgeRow:
    source: str
    source_detail: str
    label: str
    target: str
    target_detail: str
    unverified: bool  # either end rests on an entry `audit verify` could not vouch for


def edge_rows(graph: Lineage) -> list[EdgeRow]:
    nodes = {node.id: node for node in graph.nodes}
    rows = []
    for edge in graph.edges:
        source, target = nodes[edge.source], nodes[edge.target]
        rows.append(
            EdgeRow(
                source.label,
                source.detail,
                edge.label,
                target.label,
                target.detail,
                source.unverified or target.unverified,
            )
        )
    return rows


def pages(
    env: Environment,
    common: dict[str, object],
    sources: Sources,
    entries: Mapping[str, list[LedgerEntry]],
    marked: frozenset[int],
) -> dict[str, bytes]:
    """site path -> bytes of every model's lineage page; `entries`: model -> its ledger
    entries (views.grouped), so the site stays linear in models x entries."""
    state = sources.state
    targets = tuple(state.settings.spec.deploy.targets)
    page = env.get_template("lineage.html.j2")
    out = {}
    for name in sorted(state.models):
        mine = entries.get(name, [])
        graph = lineage(state.models[name], mine, targets=targets, unverified=marked)
        out[f"lineage/{name}.html"] = page.render(
            common,
            root="../",
            model=name,
            svg=Markup(graph_svg(graph)),  # graph_svg escapes every text it draws
            rows=edge_rows(graph),
            unverified=any(node.unverified for node in graph.nodes),
        ).encode()
    return out
