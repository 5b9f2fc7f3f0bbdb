"""Lineage: the graph of a model from its datasets (by digest) to its versions, the stage
holdings the ledger records and the entries behind them; drawn on `lineage/<model>.html`."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from audit_fixtures import applied_repo
from conftest import Result
from test_dashboard_trust import forge_approver

from modelops_gitops.audit.ledger import LEDGER_PATH, parse_ledger
from modelops_gitops.audit.lineage import Edge, Lineage, Node, holdings, lineage
from modelops_gitops.dashboard.graph_svg import graph_svg
from modelops_gitops.repo.state import load_repository

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def applied(tmp_path: Path) -> Path:
    repo, _ = applied_repo(tmp_path)
    return repo


def report(cli: object, repo: Path, out: Path) -> Result:
    result: Result = cli("report", "--repo", str(repo), "--out", str(out))  # type: ignore[operator]
    assert "Traceback" not in result.output, result.output
    return result


def test_the_graph_follows_datasets_versions_holdings_and_entries(applied: Path) -> None:
    state = load_repository(applied)
    entries = parse_ledger((applied / LEDGER_PATH).read_bytes())
    model = state.models["credit"]
    graph = lineage(model, entries, targets=("manifest",))
    ids = {node.id for node in graph.nodes}
    edges = {(e.source, e.label, e.target) for e in graph.edges}

    for version in model.spec.versions:  # every version from its two datasets, by digest
        for role in ("train", "eval"):
            pinned = getattr(version.datasets, role)
            dataset = f"dataset:{pinned.sha256}"
            assert (dataset, role, f"version:{version.version}") in edges
            assert pinned.path in graph.node(dataset).label
    credit = [e for e in entries if e.change.model == "credit"]
    assert {n.id for n in graph.nodes if n.id.startswith("entry:")} == {
        f"entry:{e.seq}" for e in credit
    }
    # production: the adopted holder until entry 6 (PR #11) replaced it, then 1.1.0 to now
    adopted = next(e for e in credit if e.change.stage == "production")
    promoted = next(e for e in credit if e.pr.number == 11)
    first, second = f"holding:production:{adopted.seq}", f"holding:production:{promoted.seq}"
    assert (f"version:{adopted.change.to}", "held", first) in edges
    assert (first, "applied by", f"entry:{adopted.seq}") in edges
    assert (first, "ended by", f"entry:{promoted.seq}") in edges
    assert ("version:1.1.0", "held", second) in edges
    assert not any(s == second and label == "ended by" for s, label, _ in edges)
    assert "to now" in graph.node(second).detail
    assert "deployed by manifest" in graph.node(second).detail
    assert "PR #11" in graph.node(f"entry:{promoted.seq}").label
    assert promoted.hash[:12] in graph.node(f"entry:{promoted.seq}").detail
    # the monitoring snapshot watches what holds a stage now, not what held one before
    current = model.spec.monitoring.current
    assert current is not None
    assert (f"dataset:{current.sha256}", "monitors", second) in edges
    assert not any(t == first and label == "monitors" for _, label, t in edges)
    assert ids >= {source for source, _, _ in edges} | {target for _, _, target in edges}


def test_holdings_close_on_removal_and_skip_repairs(applied: Path) -> None:
    entries = parse_ledger((applied / LEDGER_PATH).read_bytes())
    credit = [e for e in entries if e.change.model == "credit"]
    last = credit[-1]
    removed = last.model_copy(
        update={
            "seq": last.seq + 1,
            "time": "2024-08-01T00:00:00Z",
            "change": last.change.model_copy(
                update={"kind": "stage.removed", "from_": last.change.to, "to": None}
            ),
        }
    )
    repaired = removed.model_copy(
        update={
            "seq": last.seq + 2,
            "change": last.change.model_copy(update={"kind": "deploy.repaired"}),
        }
    )
    found = holdings([*credit, removed, repaired])
    staging = [h for h in found if h.stage == "staging"]
    assert staging[-1].until_seq == removed.seq
    assert all(h.since_seq != repaired.seq for h in found)


def test_hostile_text_is_escaped_and_the_drawing_is_stable() -> None:
    hostile = '<script>alert("x")</script> & ]]>'
    graph = Lineage(
        "m<odel",
        (
            Node("dataset:a", 0, f"train {hostile}", "sha256 a"),
            Node("version:1", 1, "version 1", hostile),
        ),
        (Edge("dataset:a", "version:1", hostile),),
    )
    svg = graph_svg(graph)
    assert "<script" not in svg
    root = ET.fromstring(svg)  # well-formed XML: nothing escaped the text
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert any(text.startswith("train <script>") for text in texts)
    titles = [t.text or "" for t in root.iter(f"{SVG}title")]
    assert hostile in titles  # the edge's relation, whole in its tooltip
    assert graph_svg(graph) == svg


def test_the_page_is_written_linked_and_byte_identical(
    cli: object, applied: Path, tmp_path: Path
) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert report(cli, applied, one).code == 0
    assert report(cli, applied, two).code == 0
    for name in ("breast-cancer", "credit", "diabetes"):
        page = one / f"lineage/{name}.html"
        assert page.read_bytes() == (two / f"lineage/{name}.html").read_bytes()
        assert f'href="../lineage/{name}.html"' in (one / f"models/{name}.html").read_text()
        assert f'href="lineage/{name}.html"' in (one / "index.html").read_text()
    html = (one / "lineage/credit.html").read_text("utf-8")
    assert "<svg" in html
    assert "<script" not in html
    for shown in ("PR #11", "held", "applied by", "ended by", "monitors"):
        assert shown in html, shown
    assert "unverified" not in html


def test_entries_verify_cannot_vouch_for_are_marked(
    cli: object, applied: Path, tmp_path: Path
) -> None:
    forge_approver(applied)  # entry 6 on are unverified
    site = tmp_path / "site"
    assert report(cli, applied, site).code == 1
    html = (site / "lineage/credit.html").read_text("utf-8")
    assert "entry 6 · PR #11 (unverified)" in html
    entries = parse_ledger((applied / LEDGER_PATH).read_bytes())
    before = next(e.seq for e in entries if e.change.model == "credit" and e.seq < 6)
    assert f"entry {before} · no PR</text>" in html  # before the break: shown plainly
    assert '<tr class="unverified">' in html
