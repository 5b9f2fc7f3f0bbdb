"""The dashboard's as-of pages: for each day a change was applied, what held every stage of
every model, approved by whom, on what evidence; the same answer `audit at DAY` gives."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from audit_fixtures import applied_repo
from conftest import Result

from modelops_gitops.audit.ledger import LedgerEntry

Cli = Callable[..., Result]
HOSTILE = "<script>alert(1)</script>"


class Rows(HTMLParser):
    """Each held row's data attributes and cell text, and every link of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self.links: list[str] = []
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "tr" and "data-stage" in found:
            self.rows.append(found)
            self._text = []
        if tag == "a" and "href" in found:
            self.links.append(found["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr" and self._text is not None:
            self.rows[-1]["text"] = " ".join("".join(self._text).split())
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def parse(page: Path) -> Rows:
    rows = Rows()
    rows.feed(page.read_text("utf-8"))
    return rows


def build(cli: Cli, repo: Path, out: Path) -> None:
    result = cli("report", "--repo", str(repo), "--out", str(out))
    assert result.code == 0, result


def days_of(site: Path) -> list[str]:
    index = (site / "as-of/index.html").read_text("utf-8")
    return re.findall(r'<tr data-day="([0-9-]{10})">', index)


def test_each_day_equals_audit_at(cli: Cli, tmp_path: Path) -> None:
    repo, entries = applied_repo(tmp_path)
    site = tmp_path / "site"
    build(cli, repo, site)
    days = days_of(site)
    assert days == sorted({e.time[:10] for e in entries}, reverse=True)  # the repo is UTC
    assert len(days) == 3
    unchanged = 0
    for day in days:
        result = cli("audit", "at", day, "--repo", str(repo), "--format", "json")
        assert result.code == 0, result
        expected = {
            (model, stage, view["seq"], view["to"])
            for model, stages in json.loads(result.out)["models"].items()
            for stage, view in stages.items()
        }
        rows = parse(site / f"as-of/{day}.html").rows
        shown = {
            (r["data-model"], r["data-stage"], int(r["data-seq"]), r["data-version"]) for r in rows
        }
        assert shown == expected, day
        assert len(rows) == len(expected)
        by_seq = {e.seq: e for e in entries}
        for row in rows:
            entry = by_seq[int(row["data-seq"])]
            if entry.time[:10] < day:
                assert f"unchanged since {entry.time[:10]}" in row["text"], row
                unchanged += 1
            else:
                assert "unchanged" not in row["text"], row
                for approval in entry.approvals:
                    assert approval.login in row["text"], row
                for gate in entry.gates:
                    assert f"{gate.gate}: {gate.status}" in row["text"], row
    adopted = len(entries) - 2  # then one change on each of two later days
    assert unchanged == 2 * (adopted - 1)


def test_links_resolve_and_every_page_links_the_index(cli: Cli, tmp_path: Path) -> None:
    repo, _ = applied_repo(tmp_path)
    site = tmp_path / "site"
    build(cli, repo, site)
    pages = sorted((site / "as-of").glob("*.html"))
    assert len(pages) == 1 + len(days_of(site))
    reports = 0
    for page in pages:
        for href in parse(page).links:
            if urlsplit(href).scheme:
                continue
            target = (page.parent / urlsplit(href).path).resolve()
            assert target.is_file(), (page.name, href)
            reports += "/reports/" in href
    assert reports > 0
    for page in [site / "index.html", *sorted((site / "models").glob("*.html"))]:
        assert 'href="' in page.read_text("utf-8")
        assert any(
            (page.parent / href).resolve() == (site / "as-of/index.html").resolve()
            for href in parse(page).links
        ), page


def test_hostile_text_is_escaped(cli: Cli, tmp_path: Path) -> None:
    def hostile(drafts: list[LedgerEntry]) -> list[LedgerEntry]:
        last = drafts[-1]
        pr = last.pr.model_copy(update={"author": HOSTILE})
        return [*drafts[:-1], last.model_copy(update={"pr": pr})]

    repo, entries = applied_repo(tmp_path, hostile)
    site = tmp_path / "site"
    build(cli, repo, site)
    page = (site / f"as-of/{entries[-1].time[:10]}.html").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    for path in (site / "as-of").glob("*.html"):
        assert "<script" not in path.read_text("utf-8"), path


def test_two_runs_give_the_same_bytes(cli: Cli, tmp_path: Path) -> None:
    repo, _ = applied_repo(tmp_path)
    build(cli, repo, tmp_path / "one")
    build(cli, repo, tmp_path / "two")
    one = {p.name: p.read_bytes() for p in (tmp_path / "one/as-of").iterdir()}
    two = {p.name: p.read_bytes() for p in (tmp_path / "two/as-of").iterdir()}
    assert one == two
    assert len(one) > 1
