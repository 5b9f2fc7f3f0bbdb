"""The dashboard verifies before it shows. The issue's attack: change an approver of an
applied entry to someone outside every team, re-render its reports, re-hash the chain,
commit. Before, `report --out` exited 0 with a green index and the model page listed the
forged approver as fact; now it exits 1, every page carries a banner naming the break, and
the forged entry and every later one are marked unverified wherever they appear."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from audit_fixtures import (
    applied_repo,
    ledger_drafts,
    report_files,
    write_ledger,
)
from conftest import Result, snapshot
from plan_fixtures import commit

from modelops_gitops.audit.ledger import LedgerApproval, LedgerEntry, ReportRef, chain
from modelops_gitops.digest import sha256_bytes

LATER = "2024-07-05T09:00:00Z"
FORGED = "mallory-outsider"
BANNER = "Audit trail verification FAILED"


def forge_approver(repo: Path) -> None:
    """Entry 6 (credit production 1.1.0) approved by FORGED instead of its second approver;
    its HTML report re-rendered to say so; every later entry re-hashed; one commit."""
    drafts = ledger_drafts(repo)
    forged = LedgerApproval(login=FORGED, teams=(), commit="0" * 40, submitted_at=LATER)
    drafts[5] = drafts[5].model_copy(update={"approvals": (drafts[5].approvals[0], forged)})
    entries: list[LedgerEntry] = []
    for draft in drafts:
        placed = chain(entries, [draft])[0].model_copy(update={"hash": ""})
        files = report_files(placed.seq, placed.change, placed.prev_hash)
        if placed.seq == 6:
            html = next(p for p in files if p.endswith(".html"))
            files[html] = f"<!doctype html><title>ok</title><p>Approved by {FORGED}</p>\n".encode()
        for path, data in files.items():
            (repo / path).write_bytes(data)
        refs = tuple(ReportRef(path=p, sha256=sha256_bytes(d)) for p, d in files.items())
        entries.append(placed.model_copy(update={"reports": refs}).sealed())
    write_ledger(repo, entries)
    commit(repo, {}, "modelops-gitops apply: fix", when=LATER)


def report(cli: object, repo: Path, out: Path) -> Result:
    result: Result = cli("report", "--repo", str(repo), "--out", str(out))  # type: ignore[operator]
    assert "Traceback" not in result.output, result.output
    return result


@pytest.fixture
def applied(tmp_path: Path) -> Path:
    repo, _ = applied_repo(tmp_path)
    return repo


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_an_intact_trail_shows_no_banner(cli: object, applied: Path, tmp_path: Path) -> None:
    result = report(cli, applied, tmp_path / "site")
    assert result.code == 0, result
    for page in pages(tmp_path / "site"):
        text = page.read_text("utf-8")
        assert BANNER not in text, page
        assert "unverified" not in text, page
    index = (tmp_path / "site/index.html").read_text("utf-8")
    assert "audit verify: trail intact (7 entries)" in index
    assert "not anchored" in index  # verify's note: no signers declared


def test_a_forged_approver_is_shown_unverified_behind_a_banner(
    cli: object, applied: Path, tmp_path: Path
) -> None:
    forge_approver(applied)
    site = tmp_path / "site"
    result = report(cli, applied, site)

    assert result.code == 1, result
    assert "the audit trail is BROKEN" in result.err
    assert "ledger-rewritten" in result.err
    assert (site / "index.html").is_file()  # still written, for the auditor
    found = pages(site)
    as_of = [page for page in found if "as-of" in page.parts]
    # index, three model and three lineage pages, seven HTML reports, and the as-of pages
    assert len(found) - len(as_of) == 1 + 3 + 3 + 7
    assert len(as_of) > 1
    for page in found:
        text = page.read_text("utf-8")
        assert BANNER in text, page
        assert "rewrites the ledger from line 6" in text, page
        assert "Ledger entries from 6 on are <strong>unverified</strong>" in text, page

    credit = (site / "models/credit.html").read_text("utf-8")
    assert re.findall(r'data-unverified="(\d+)"', credit) == ["7", "6"]  # newest first
    shown = [m.start() for m in re.finditer(FORGED, credit)]
    assert shown  # the forged approver is shown ...
    for at in shown:  # ... but only ever marked unverified
        before = credit[max(0, at - 80) : at]
        assert before.endswith('<span class="badge unverified">unverified</span> '), before
    for seq in (3, 4):  # credit's entries before the break are shown plainly
        assert re.search(rf'<tr>\s*<td class="num">{seq}</td>', credit), seq
    day = (site / "as-of/2024-06-03.html").read_text("utf-8")  # the as-of pages mark it too
    assert re.findall(r'data-unverified="(\d+)"', day) == ["6"]
    for at in [m.start() for m in re.finditer(FORGED, day)] or [-1]:
        assert day[max(0, at - 80) : at].endswith(
            '<span class="badge unverified">unverified</span> '
        )
    later = (site / "as-of/2024-07-01.html").read_text("utf-8")
    assert sorted(re.findall(r'data-unverified="(\d+)"', later)) == ["6", "7"]
    index = (site / "index.html").read_text("utf-8")
    assert "applied 1.1.0: unverified" in index  # credit production rests on entry 6
    assert FORGED not in index

    forged_page = (site / "reports/credit/000006-production-1.1.0.html").read_text("utf-8")
    assert '<iframe class="report"' in forged_page
    assert 'sandbox=""' in forged_page
    assert "<p>Approved by" not in forged_page  # its markup is inert text in srcdoc
    assert "Audit report of ledger entry 6" in forged_page
    assert '<span class="badge unverified">unverified</span></h1>' in forged_page
    md = site / "reports/credit/000006-production-1.1.0.md"
    committed = applied / "audit/reports/credit/000006-production-1.1.0.md"
    assert md.read_bytes() == committed.read_bytes()  # only HTML pages are framed


def test_the_unverified_site_is_the_same_bytes_across_runs(
    cli: object, applied: Path, tmp_path: Path
) -> None:
    forge_approver(applied)
    first, second = tmp_path / "one", tmp_path / "two"
    assert report(cli, applied, first).code == 1
    assert report(cli, applied, second).code == 1
    assert snapshot(first) == snapshot(second)
