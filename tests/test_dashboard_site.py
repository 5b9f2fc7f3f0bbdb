"""`report --out DIR` on real repositories: the bundled example with its stage history on main
and a ledger built with ledger.chain() (plus report files), through the CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from conftest import Result, run_script, snapshot
from ledger_drafts import draft
from plan_fixtures import (
    CREDIT,
    DIABETES,
    PROD_1_1_AT,
    commit,
    governed_repo,
    replace,
    run_git,
    set_stage,
)

from modelops_gitops.audit.ledger import LEDGER_PATH, ReportRef, chain, serialize
from modelops_gitops.digest import sha256_bytes
from modelops_gitops.monitor.records import MonitorRecord, save_record

CLI = Callable[..., Result]
START = "2024-05-01T12:00:00Z"  # the example's first commit (conftest's fixed date)
PROD_1_1 = "2024-06-03T09:00:00Z"
REPORT_STEM = "audit/reports/credit/000004-production-1.1.0"


def report_files(stem: str, roc_auc: float) -> dict[str, bytes]:
    evidence = {
        "findings": [
            {"gate": None, "policy": "p", "rule": "approvals"},
            {"gate": {"gate": "test", "status": "pass", "metrics": {"roc_auc": roc_auc}}},
        ]
    }
    return {
        f"{stem}.md": b"# credit production 1.1.0\n",
        f"{stem}.json": json.dumps({"entry": {}, "evidence": evidence}).encode(),
        f"{stem}.html": b"<!DOCTYPE html><title>credit</title><p>report</p>\n",
    }


def write_audit(repo: Path, *, message: str = "modelops-gitops apply: history") -> None:
    """A ledger that matches main's history up to 2024-06-03 (credit production 1.1.0), with
    reports for the last entry; credit staging 1.2.0 (2024-07-01, a direct commit) is not in
    it. Each entry names the real commit that made its change, at that commit's time, so
    `audit verify` (which `report` runs first) finds the trail intact."""
    files = report_files(REPORT_STEM, 0.7697)
    refs = tuple(ReportRef(path=p, sha256=sha256_bytes(d)) for p, d in sorted(files.items()))
    first, second = run_git(repo, "rev-list", "--reverse", "--first-parent", "HEAD").split()[:2]
    drafts = [
        draft("breast-cancer", "staging", "1.1.0", time=START, number=1, merge_commit=first),
        draft("breast-cancer", "production", "1.0.0", time=START, number=1, merge_commit=first),
        draft("credit", "staging", "1.1.0", time=START, number=1, merge_commit=first),
        draft(
            "credit",
            "production",
            "1.1.0",
            "1.0.0",
            time=PROD_1_1,
            gates=(("test", "pass"), ("fairness", "fail")),
            reports=refs,
            number=12,
            merge_commit=second,
        ),
        draft("diabetes", "production", "1.0.0", time=START, number=1, merge_commit=first),
    ]
    for rel, data in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_bytes(data)
    (repo / LEDGER_PATH).write_bytes(serialize(chain([], drafts)))
    run_git(repo, "add", "audit")
    run_git(repo, "commit", "--quiet", "-m", message, when="2024-07-02T00:00:00+00:00")


@pytest.fixture
def audited(tmp_path: Path) -> Path:
    repo = governed_repo(tmp_path)
    write_audit(repo)
    return repo


class Page(HTMLParser):
    """Tags, links and text of one page; fails on an unclosed or stray element."""

    VOID = frozenset({"meta", "link", "img", "br", "hr", "input"})

    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.links: list[str] = []
        self.sources: list[str] = []
        self.text: list[str] = []
        self.rows: list[str] = []
        self.feed(path.read_text(encoding="utf-8"))
        self.close()
        assert self.stack == [], f"{path}: unclosed {self.stack}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag not in self.VOID:
            self.stack.append(tag)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        if tag in ("img", "script", "link", "iframe") and (values.get("src") or values.get("href")):
            self.sources.append(values.get("src") or values.get("href") or "")
        if tag == "tr" and values.get("data-model"):
            self.rows.append(values["data-model"] or "")

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1:] == [tag], f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def words(self) -> str:
        return " ".join(" ".join(self.text).split())


def build(cli: CLI, repo: Path, out: Path) -> Result:
    result = cli("report", "--repo", str(repo), "--out", str(out))
    assert "Traceback" not in result.output, result.output
    return result


def test_inventory_lists_every_model_with_owner_risk_and_sync(
    cli: CLI, audited: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    result = build(cli, audited, out)
    assert result.code == 0, result
    assert f"wrote {len(list(p for p in out.rglob('*') if p.is_file()))} files" in result.out
    assert "3 models, 5 ledger entries, 3 audit reports" in result.out
    index = Page(out / "index.html")
    assert index.rows == ["breast-cancer", "credit", "diabetes"]
    html = (out / "index.html").read_text(encoding="utf-8")
    credit = html[html.index('data-model="credit"') : html.index('data-model="diabetes"')]
    assert "credit-risk" in credit
    assert "risk-high" in credit
    # staging: 1.2.0 desired, 1.1.0 applied, set by a direct commit -> drift; production in sync
    staging, production = re.findall(r'<td class="stage">(.*?)</td>', credit, re.S)[1:3]
    assert "1.2.0" in staging
    assert "applied: 1.1.0" in staging
    assert "unapproved drift" in staging
    assert "1.1.0" in production
    assert "in sync" in production
    assert "unapproved drift" not in production
    assert "in sync 4" in index.words
    assert "unapproved drift 1" in index.words
    assert "health" in index.words.lower()
    assert "unknown" in index.words  # no monitor records in this clone


def test_model_page_timeline_reports_and_figures(cli: CLI, audited: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert build(cli, audited, out).code == 0
    page = Page(out / "models" / "credit.html")
    words = page.words
    for name in ("html", "md", "json"):
        href = f"../reports/credit/000004-production-1.1.0.{name}"
        assert href in page.links
        target = (out / "models" / href).resolve()
        assert target.read_bytes() == (audited / f"{REPORT_STEM}.{name}").read_bytes()
    assert "#12" in words
    assert "https://github.com/acme/models/pull/12" in page.links
    assert "henrik-mrm (model-risk) 2024-01-01T00:00:00Z" in words
    assert "fairness: fail" in words
    assert "1.0.0 → 1.1.0" in words
    html = (out / "models/credit.html").read_text("utf-8")
    assert '<span class="badge unapproved-drift">changed' not in html
    assert '<span class="badge unapproved-drift">missing' not in html
    # credit: one promotion to production (2024-06-03), 1.1.0 registered 2024-05-01 12:00
    # -> lead time 32 days 21 h = 32.9 days; ledger span 2024-05-01 12:00 .. 2024-06-03 09:00
    assert "32.9 days" in words
    assert "0 rollback(s) / 2 stage change(s)" in words
    assert "1 failed / 2 gate(s) run" in words
    assert "50.0%" in words
    # trends: one chart per claimed metric, the test gate's roc_auc from the JSON report
    plots = [s for s in page.sources if s.endswith(".svg")]
    assert len(plots) == 6
    svgs = {p: (out / "models" / p).resolve().read_text(encoding="utf-8") for p in plots}
    roc_svg = [text for text in svgs.values() if "roc_auc" in text]
    assert len(roc_svg) == 1
    assert "test gate" in roc_svg[0]
    assert "2024-05-01T12:00:00Z" in words  # registration times in the versions table
    assert "Gate measurements Gate Metric 1.1.0 test roc_auc 0.7697" in words


def test_index_figures_cover_every_model(cli: CLI, audited: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert build(cli, audited, out).code == 0
    words = Page(out / "index.html").words
    # promotions into production: breast-cancer 1.0.0, credit 1.1.0, diabetes 1.0.0 over a
    # span of 32.875 days -> 3 / (32.875 / 30) = 2.74 per 30 days; lead times 0 h, 0 h, 789 h
    assert "2.74 / 30 d" in words
    assert "0.0 h" in words
    assert "0 rollback(s) / 5 stage change(s)" in words


def test_a_reviewed_merge_not_yet_applied_is_out_of_sync(
    cli: CLI, audited: Path, tmp_path: Path
) -> None:
    run_git(audited, "checkout", "--quiet", "-b", "pr", "main")
    commit(audited, {CREDIT: set_stage("production", "1.2.0")}, "promote", when=PROD_1_1_AT)
    run_git(audited, "checkout", "--quiet", "main")
    run_git(audited, "merge", "--quiet", "--no-ff", "-m", "Merge PR #13", "pr")
    out = tmp_path / "site"
    assert build(cli, audited, out).code == 0
    page = Page(out / "models" / "credit.html")
    row = re.search(
        r"<th scope=\"row\">production</th>(.*?)</tr>",
        (out / "models/credit.html").read_text("utf-8"),
        re.S,
    )
    assert row is not None
    assert "out of sync" in row.group(1)
    assert "1.2.0" in row.group(1)
    assert "not yet applied (merged in" in page.words


def test_changed_and_missing_reports_are_marked_not_linked(
    cli: CLI, audited: Path, tmp_path: Path
) -> None:
    (audited / f"{REPORT_STEM}.md").write_bytes(b"# edited\n")
    (audited / f"{REPORT_STEM}.json").unlink()
    (audited / "audit/reports/credit/stray.html").write_bytes(b"<p>stray</p>")
    out = tmp_path / "site"
    result = build(cli, audited, out)
    assert result.code == 1  # a changed report breaks the trail: verify first, then show
    assert "report-missing" in result.output
    page = Page(out / "models" / "credit.html")
    assert "Audit trail verification FAILED" in page.words
    assert 'data-unverified="4"' in (out / "models/credit.html").read_text("utf-8")
    html = (out / "models/credit.html").read_text("utf-8")
    assert "../reports/credit/000004-production-1.1.0.json" not in page.links
    assert "../reports/credit/000004-production-1.1.0.md" in page.links
    assert re.search(
        r'data-report="md">md</a>\s*<span class="badge unapproved-drift">changed', html
    )
    assert re.search(
        r'<span class="none">json</span>\s*<span class="badge unapproved-drift">missing', html
    )
    assert "../reports/credit/stray.html" in page.links
    assert "Reports no ledger entry names" in page.words


def test_user_text_is_escaped(cli: CLI, audited: Path, tmp_path: Path) -> None:
    commit(
        audited,
        {
            CREDIT: replace(
                "    Approves or declines", "    <script>alert(1)</script> Approves or declines"
            )
        },
        "description",
        when="2024-07-03T00:00:00+00:00",
    )
    out = tmp_path / "site"
    assert build(cli, audited, out).code == 0
    html = (out / "models/credit.html").read_text("utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_no_external_requests_and_no_script(cli: CLI, audited: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert build(cli, audited, out).code == 0
    for page_path in out.rglob("*.html"):
        if "reports" in page_path.relative_to(out).parts:
            continue
        page = Page(page_path)
        assert all("://" not in source and not source.startswith("//") for source in page.sources)
        assert "<script" not in page_path.read_text("utf-8")
    css = (out / "assets/style.css").read_text("utf-8")
    assert "@import" not in css
    assert "url(" not in css
    for svg in out.rglob("*.svg"):
        text = svg.read_text("utf-8")
        assert "<script" not in text
        assert 'xlink:href="http' not in text


def test_same_repository_same_bytes_across_runs_and_processes(
    cli: CLI, audited: Path, tmp_path: Path
) -> None:
    first, second, third = tmp_path / "one", tmp_path / "two", tmp_path / "three"
    assert build(cli, audited, first).code == 0
    assert build(cli, audited, second).code == 0
    assert snapshot(first) == snapshot(second)
    result = run_script("report", "--repo", str(audited), "--out", str(third))
    assert result.code == 0, result
    assert snapshot(first) == snapshot(third)


def test_a_previous_site_is_replaced(cli: CLI, audited: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert build(cli, audited, out).code == 0
    (out / "old-page.html").write_text("old", encoding="utf-8")
    assert build(cli, audited, out).code == 0
    assert not (out / "old-page.html").exists()
    assert (out / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site")) == []
    empty = tmp_path / "empty"
    empty.mkdir()
    assert build(cli, audited, empty).code == 0
    assert (empty / "index.html").is_file()
    nested = tmp_path / "a" / "b" / "site"
    assert build(cli, audited, nested).code == 0
    assert (nested / "index.html").is_file()


@pytest.mark.parametrize("kind", ["symlink", "file", "foreign", "dangling"])
def test_a_bad_out_is_refused_and_nothing_is_written(
    cli: CLI, audited: Path, tmp_path: Path, kind: str
) -> None:
    out = tmp_path / "out"
    real = tmp_path / "real"
    real.mkdir()
    if kind == "symlink":
        out.symlink_to(real, target_is_directory=True)
    elif kind == "dangling":
        out.symlink_to(tmp_path / "nowhere")
    elif kind == "file":
        out.write_text("keep me", encoding="utf-8")
    else:
        out.mkdir()
        (out / "notes.txt").write_text("keep me", encoding="utf-8")
    before = snapshot(tmp_path)
    result = build(cli, audited, out)
    assert result.code == 2, result
    assert str(out) in result.err
    assert "--out" in result.err
    assert snapshot(tmp_path) == before


def test_out_is_never_the_repository(cli: CLI, audited: Path) -> None:
    before = snapshot(audited)
    result = build(cli, audited, audited)
    assert result.code == 2
    assert "not empty and was not written by `report`" in result.err
    assert snapshot(audited) == before


def test_a_corrupt_ledger_line_is_bad_input_naming_the_line(
    cli: CLI, audited: Path, tmp_path: Path
) -> None:
    ledger = audited / LEDGER_PATH
    ledger.write_bytes(ledger.read_bytes() + b'{"seq": "three"}\n')
    result = build(cli, audited, tmp_path / "site")
    assert result.code == 2
    assert f"{LEDGER_PATH}:6" in result.err
    assert not (tmp_path / "site").exists()


def test_a_symlink_under_audit_reports_is_refused(cli: CLI, audited: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not publish", encoding="utf-8")
    os.symlink(secret, audited / "audit/reports/credit/leak.html")
    result = build(cli, audited, tmp_path / "site")
    assert result.code == 2
    assert "audit/reports/credit/leak.html" in result.err
    assert not (tmp_path / "site").exists()


def test_a_symlinked_ledger_is_refused(cli: CLI, audited: Path, tmp_path: Path) -> None:
    outside = tmp_path / "ledger.jsonl"
    outside.write_bytes((audited / LEDGER_PATH).read_bytes())
    (audited / LEDGER_PATH).unlink()
    os.symlink(outside, audited / LEDGER_PATH)
    result = build(cli, audited, tmp_path / "site")
    assert result.code == 2
    assert LEDGER_PATH in result.err


def test_an_invalid_model_file_names_file_line_and_field(
    cli: CLI, audited: Path, tmp_path: Path
) -> None:
    path = audited / CREDIT
    path.write_text(
        path.read_text("utf-8").replace("risk_tier: high", "risk_tier: extreme"), "utf-8"
    )
    result = build(cli, audited, tmp_path / "site")
    assert result.code == 2
    assert re.search(r"models/credit/model.yaml:\d+:\d+: spec.risk_tier", result.err), result.err
    assert not (tmp_path / "site").exists()


def test_outside_git_is_bad_input(cli: CLI, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "models").mkdir()
    (plain / "modelops.yaml").write_bytes(
        (Path(__file__).parent.parent / "modelops.yaml").read_bytes()
    )
    result = build(cli, plain, tmp_path / "site")
    assert result.code == 2
    assert "not a git repository" in result.err
    assert not (tmp_path / "site").exists()


def test_without_a_ledger_every_stage_is_unapplied(cli: CLI, tmp_path: Path) -> None:
    repo = governed_repo(tmp_path)
    out = tmp_path / "site"
    result = build(cli, repo, out)
    assert result.code == 0, result
    assert "0 ledger entries, 0 audit reports" in result.out
    words = Page(out / "models/credit.html").words
    assert "No applied change of this model in the ledger yet." in words
    assert "(not applied)" in words


def test_git_runs_as_often_for_many_models_as_for_few(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No git process per model: the monitor histories asked git for the git dir once per
    model (20 s of a 10,000-model report), and with no facts kept yet (a fresh clone) each
    out-of-sync model's file versions were read by a `git cat-file` of their own."""
    real_popen = subprocess.Popen  # subprocess.run starts its process through it too
    calls: list[str] = []

    def popen(argv: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(" ".join(map(str, argv)))
        return real_popen(argv, *args, **kwargs)

    counts = []
    for extra in (0, 4):
        (tmp_path / f"repo-{extra}").mkdir()
        repo = governed_repo(tmp_path / f"repo-{extra}")
        credit = (repo / CREDIT).read_text(encoding="utf-8")
        copies = {
            f"models/credit-{n}/model.yaml": credit.replace("name: credit\n", f"name: credit-{n}\n")
            for n in range(extra)
        }
        if copies:
            commit(repo, copies, "more models", when=PROD_1_1)
        calls.clear()
        monkeypatch.setattr(subprocess, "Popen", popen)
        result = build(cli, repo, tmp_path / f"site-{extra}")
        monkeypatch.undo()
        assert result.code == 0, result
        assert f"{3 + extra} models" in result.out
        counts.append(sum(call.startswith("git ") for call in calls))
    assert counts[0] == counts[1], counts


def test_health_shows_the_latest_monitor_check_and_waivers(
    cli: CLI, audited: Path, tmp_path: Path
) -> None:
    record = MonitorRecord(
        model="credit",
        stage="production",
        version="1.1.0",
        checked_at="2024-07-15T06:17:00Z",
        drifted=True,
        drift_share=0.29,
        drifted_features=["income", "region"],
    )
    save_record(audited, record)
    calm = record.model_copy(
        update={"model": "diabetes", "version": "1.0.0", "drifted": False, "drift_share": 0.0}
    )
    save_record(audited, calm.model_copy(update={"drifted_features": []}))
    waiver = "policies/waiver-breast-cancer-documentation.yaml"
    expiry = {waiver: replace("expires: 2027-03-31", "expires: 2024-07-10")}
    commit(audited, expiry, "waiver ends soon", when="2024-07-03T00:00:00+00:00")
    out = tmp_path / "site"
    assert build(cli, audited, out).code == 0
    html = (out / "index.html").read_text("utf-8")
    credit = html[html.index('data-model="credit"') : html.index('data-model="diabetes"')]
    diabetes = html[html.index('data-model="diabetes"') :]
    assert 'class="health-state drifting"' in credit
    assert (
        "data drift in production 1.1.0: 29% of features drifted (income, region)"
        " (2024-07-15T06:17:00Z)"
    ) in credit
    assert 'class="health-state healthy"' in diabetes
    assert "no data drift in production 1.0.0" in diabetes
    breast_cancer = html[: html.index('data-model="credit"')]
    assert 'class="health-state unknown"' in breast_cancer
    # the example's documentation waiver for breast-cancer, dated against HEAD (2024-07-03)
    assert "expiring soon: waiver" in breast_cancer
    assert "ends in 7 days (2024-07-10)" in breast_cancer


def test_a_model_left_only_in_the_ledger_is_named(cli: CLI, audited: Path, tmp_path: Path) -> None:
    commit(audited, {DIABETES: None}, "drop diabetes", when="2024-07-03T00:00:00+00:00")
    out = tmp_path / "site"
    assert build(cli, audited, out).code == 0
    index = Page(out / "index.html")
    assert index.rows == ["breast-cancer", "credit"]
    assert (
        "In the ledger but no longer in the repository: diabetes"
        " (production 1.0.0: unapproved drift)"
    ) in index.words
    assert not (out / "models/diabetes.html").exists()


def test_trends_carry_production_performance_from_the_monitor_history(
    cli: CLI, audited: Path, tmp_path: Path
) -> None:
    base = MonitorRecord(
        model="credit",
        stage="production",
        version="1.0.0",
        checked_at="2024-06-01T06:00:00Z",
        labelled_snapshot="data/credit/labelled/2024-06-01.parquet",
        performance={"roc_auc": 0.74},
    )
    save_record(audited, base)
    save_record(audited, base.model_copy(update={"performance": {"roc_auc": 0.70}}))  # later
    save_record(
        audited,
        base.model_copy(
            update={
                "version": "1.1.0",
                "performance": {"roc_auc": 0.6512},
                "service": {"latency_p95_ms": 81.5},
            }
        ),
    )
    out = tmp_path / "site"
    assert build(cli, audited, out).code == 0
    page = Page(out / "models/credit.html")
    assert "Gate measurements Gate Metric 1.0.0 1.1.0 monitor latency_p95_ms — 81.5" in page.words
    assert "monitor roc_auc 0.7 0.6512" in page.words
    roc = [
        (out / "models" / s).resolve().read_text(encoding="utf-8")
        for s in page.sources
        if s.endswith(".svg")
    ]
    [chart] = [text for text in roc if "roc_auc" in text]
    assert "production (monitor)" in chart
