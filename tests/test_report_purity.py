"""Reports are a pure function of the entry and its evidence: the same merged PR, applied
in two clones of one repository, one with a cold gate cache and one whose cache a dry run
filled first, commits byte-identical reports (.md, .json, .html) and ledgers.

Before the fix the gate cache stored results with sorted keys, so a table's columns came
back in alphabetical order: the warm clone's reports put `claimed` before `metric`.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from apply_fixtures import promote_credit, run_apply
from plan_fixtures import governed_repo, run_git

from modelops_gitops.audit.ledger import LEDGER_PATH, REPORTS_DIR


def committed(repo: Path, path: str) -> bytes:
    show = ["git", "show", f"HEAD:{path}"]
    return subprocess.run(show, cwd=repo, capture_output=True, check=True).stdout


def report_files(repo: Path) -> list[str]:
    listing = run_git(repo, "ls-tree", "-r", "--name-only", "HEAD", "--", REPORTS_DIR)
    return sorted(listing.splitlines())


def test_cold_and_warm_gate_caches_commit_the_same_report_bytes(tmp_path: Path) -> None:
    source = governed_repo(tmp_path)  # the example's policies: every gate runs
    code, out = run_apply(source, "--adopt")
    assert code == 0, out
    _, _, approvals = promote_credit(source, tmp_path)
    cold, warm = tmp_path / "cold", tmp_path / "warm"
    for clone in (cold, warm):
        shutil.copytree(source, clone, symlinks=True)
    cache = warm / ".git" / "modelops-gitops" / "gates"
    assert not (cold / ".git" / "modelops-gitops" / "gates").exists()

    code, out = run_apply(warm, "--approvals", str(approvals), "--dry-run")
    assert code == 0, out
    warmed = sorted(p.name for p in cache.glob("*.json"))
    assert {name.split("-")[0] for name in warmed} >= {"test", "champion", "fairness"}

    for clone in (cold, warm):
        code, out = run_apply(clone, "--approvals", str(approvals))
        assert code == 0, out
    assert sorted(p.name for p in cache.glob("*.json")) == warmed  # every result was a hit

    reports = report_files(cold)
    new = [path for path in reports if "-production-1.2.0." in path]
    assert sorted(Path(path).suffix for path in new) == [".html", ".json", ".md"]
    assert report_files(warm) == reports
    for path in [*reports, LEDGER_PATH]:
        assert committed(cold, path) == committed(warm, path), path
    html = committed(warm, next(p for p in new if p.endswith(".html"))).decode()
    assert "<svg" in html  # the plots are there, from the cache
