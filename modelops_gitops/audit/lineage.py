"""Lineage of one model, as a layered graph (pure): datasets -> versions -> stage holdings ->
ledger entries.

    lineage(model, entries, targets=(), unverified=frozenset()) -> Lineage

Columns, left to right:
  0 datasets   each file a version names (`train`, `eval`) or monitoring reads (`monitoring`,
               `labelled`), one node per sha256 digest (the same file used by many versions is
               one node; its roles and paths are listed)
  1 versions   every version of the model file, plus any version the ledger names that the
               file no longer lists
  2 holdings   a stage holding a version: from the ledger entry that put it there to the entry
               that replaced or removed it (open: it still holds), deployed by `targets`
  3 entries    the ledger entries (seq, hash, the PR and the merge commit)

Edges: dataset -(role)-> version -(held)-> holding -(applied by | ended by)-> entry; a
monitoring snapshot -(monitors)-> each open holding. `unverified`: the seqs `audit verify`
could not vouch for; their entries, and the holdings they started, are marked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from modelops_gitops.audit.ledger import REPAIRED, LedgerEntry
from modelops_gitops.kinds import Model

DATASETS, VERSIONS, HOLDINGS, ENTRIES = 0, 1, 2, 3
COLUMN_NAMES = ("datasets", "versions", "stages", "ledger entries")


@dataclass(frozen=True)
class Node:
    id: str
    column: int
    label: str  # the first line shown
    detail: str  # the second line shown
    unverified: bool = False


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str


@dataclass(frozen=True)
class Holding:
    stage: str
    version: str
    since_seq: int
    since: str
    until_seq: int | None  # None: still holds
    until: str | None


@dataclass(frozen=True)
class Lineage:
    model: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)


def holdings(entries: Sequence[LedgerEntry]) -> list[Holding]:
    """Every stage holding of the entries (one model's), in the order they began."""
    out: list[Holding] = []
    open_at: dict[str, int] = {}  # stage -> index in out
    for entry in entries:
        change = entry.change
        if change.kind == REPAIRED:
            continue  # the applied state did not change
        if change.stage in open_at:
            at = open_at.pop(change.stage)
            out[at] = _ended(out[at], entry)
        if change.to is not None:
            open_at[change.stage] = len(out)
            out.append(Holding(change.stage, change.to, entry.seq, entry.time, None, None))
    return out


def _ended(holding: Holding, entry: LedgerEntry) -> Holding:
    return Holding(
        holding.stage, holding.version, holding.since_seq, holding.since, entry.seq, entry.time
    )


def _datasets(model: Model) -> tuple[list[Node], list[Edge], list[str]]:
    """Dataset nodes, their edges to versions, and the monitoring nodes' ids."""
    paths: dict[str, list[str]] = {}  # digest -> "role path" lines, in first-seen order
    edges: list[Edge] = []
    monitoring: list[str] = []

    def seen(digest: str, role: str, path: str) -> str:
        lines = paths.setdefault(digest, [])
        if f"{role} {path}" not in lines:
            lines.append(f"{role} {path}")
        return f"dataset:{digest}"

    for version in model.spec.versions:
        for role, pinned in (("train", version.datasets.train), ("eval", version.datasets.eval)):
            node = seen(pinned.sha256, role, pinned.path)
            edges.append(Edge(node, f"version:{version.version}", role))
    watched = model.spec.monitoring
    if watched.current is not None:
        monitoring.append(seen(watched.current.sha256, "monitoring", watched.current.path))
    for snapshot in watched.labelled:
        monitoring.append(seen(snapshot.sha256, "labelled", snapshot.path))
    nodes = [
        Node(f"dataset:{digest}", DATASETS, "; ".join(lines), f"sha256 {digest}")
        for digest, lines in paths.items()
    ]
    return nodes, edges, list(dict.fromkeys(monitoring))


def lineage(
    model: Model,
    entries: Sequence[LedgerEntry],
    *,
    targets: Sequence[str] = (),
    unverified: frozenset[int] = frozenset(),
) -> Lineage:
    """The graph of `model` from its file at HEAD and `entries` (the ledger's, any model's:
    only this model's are read)."""
    name = model.metadata.name
    mine = [e for e in entries if e.change.model == name]
    nodes, edges, monitoring = _datasets(model)
    listed = [v.version for v in model.spec.versions]
    gone = [e.change.version for e in mine if e.change.version not in listed]
    for version in [*listed, *dict.fromkeys(gone)]:
        spec = model.spec.version(version)
        detail = "not in the model file" if spec is None else spec.artifact.sha256[:12]
        nodes.append(Node(f"version:{version}", VERSIONS, f"version {version}", detail))
    deployed = f"deployed by {', '.join(targets)}" if targets else "no deploy target"
    for held in holdings(mine):
        node = f"holding:{held.stage}:{held.since_seq}"
        until = "now" if held.until_seq is None else f"entry {held.until_seq} ({held.until})"
        nodes.append(
            Node(
                node,
                HOLDINGS,
                f"{held.stage} {held.version}",
                f"entry {held.since_seq} ({held.since}) to {until}; {deployed}",
                held.since_seq in unverified,
            )
        )
        edges.append(Edge(f"version:{held.version}", node, "held"))
        edges.append(Edge(node, f"entry:{held.since_seq}", "applied by"))
        if held.until_seq is not None:
            edges.append(Edge(node, f"entry:{held.until_seq}", "ended by"))
        else:
            edges.extend(Edge(m, node, "monitors") for m in monitoring)
    for entry in mine:
        pr = f"PR #{entry.pr.number}" if entry.pr.number is not None else "no PR"
        nodes.append(
            Node(
                f"entry:{entry.seq}",
                ENTRIES,
                f"entry {entry.seq} · {pr}",
                f"{entry.change.kind} {entry.time} hash {entry.hash[:12]} "
                f"merge {entry.merge_commit[:12]}",
                entry.seq in unverified,
            )
        )
    return Lineage(name, tuple(nodes), tuple(edges))
