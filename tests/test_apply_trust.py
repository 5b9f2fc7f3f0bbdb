"""`apply` never builds on a broken trail, and two applies in one clone cannot both commit.
Each attack here made apply exit 0 before."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from apply_fixtures import (
    chain_ok,
    fresh_apply_repo,
    ledger_at,
    promote_credit,
    run_apply,
)
from plan_fixtures import CREDIT, commit, run_git, set_stage

from modelops_gitops.apply import guard
from modelops_gitops.audit.ledger import LEDGER_PATH, chain, serialize

LATER = "2024-07-11T09:00:00Z"


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("template")


@pytest.fixture
def repo(template_dir: Path, tmp_path: Path) -> Path:
    return fresh_apply_repo(template_dir, tmp_path)


def head(repo: Path) -> str:
    return run_git(repo, "rev-parse", "HEAD")


def promoted(repo: Path, tmp_path: Path) -> None:
    """credit production 1.1.0 -> 1.2.0 merged and applied."""
    _, _, approvals = promote_credit(repo, tmp_path)
    code, out = run_apply(repo, "--approvals", str(approvals))
    assert code == 0, out


def test_cutting_an_applied_promotion_stops_apply(repo: Path, tmp_path: Path) -> None:
    """Drop the promotion's entry and reports, put the model file and deploy/ back as they
    were, commit: apply said "nothing to apply" and production was back on 1.1.0."""
    before_apply = head(repo)
    promoted(repo, tmp_path)
    entry = ledger_at(repo)[-1]
    run_git(repo, "checkout", before_apply, "--", LEDGER_PATH, "deploy")
    for report in entry.reports:
        run_git(repo, "rm", "--quiet", report.path)
    cut = commit(repo, {CREDIT: set_stage("production", "1.1.0")}, "revert", when=LATER)
    code, out = run_apply(repo)
    assert code == 1, out
    assert "the audit trail is broken" in out
    assert f"commit {cut[:12]}" in out
    assert "docs/auditors.md" in out
    assert head(repo) == cut


def test_apply_refuses_to_append_to_a_broken_chain(repo: Path, tmp_path: Path) -> None:
    """An edited entry at HEAD: apply appended the next promotion after it, exit 0."""
    lines = (repo / LEDGER_PATH).read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace(b'"to":"1.1.0"', b'"to":"1.0.0"')
    (repo / LEDGER_PATH).write_bytes(b"".join(lines))
    broken = commit(repo, {}, "modelops-gitops apply: edit", when=LATER)
    _, _, approvals = promote_credit(repo, tmp_path)
    tip = head(repo)
    code, out = run_apply(repo, "--approvals", str(approvals))
    assert code == 1, out
    assert f"first: {LEDGER_PATH}:2 (seq 2): edited" in out
    assert head(repo) == tip != broken
    assert len(ledger_at(repo)) == len(lines)


def test_a_laundered_direct_push_stops_apply(repo: Path) -> None:
    """One commit changes spec.stages, edits the deploy manifest and appends a copied,
    re-hashed entry: apply said "nothing to apply" (the direct push was laundered)."""
    entries = ledger_at(repo)
    source = next(
        e for e in entries if (e.change.model, e.change.stage) == ("credit", "production")
    )
    claimed = source.change.model_copy(
        update={"kind": "stage.promoted", "from_": "1.1.0", "to": "1.2.0", "version": "1.2.0"}
    )
    copied = source.model_copy(update={"change": claimed, "reports": (), "hash": ""})
    (repo / LEDGER_PATH).write_bytes(serialize([*entries, *chain(entries, [copied])]))
    manifest = repo / "deploy/production/credit.json"
    manifest.write_text(manifest.read_text().replace('"1.1.0"', '"1.2.0"'))
    laundered = commit(repo, {CREDIT: set_stage("production", "1.2.0")}, "ship it", when=LATER)
    code, out = run_apply(repo)
    assert code == 1, out
    assert "the audit trail is broken" in out
    assert f"appended by {laundered[:12]}" in out
    assert "nothing to apply" not in out
    assert head(repo) == laundered


def test_a_held_lock_stops_a_second_apply(repo: Path, tmp_path: Path) -> None:
    _, _, approvals = promote_credit(repo, tmp_path)
    tip = head(repo)
    with guard.locked(repo):
        code, out = run_apply(repo, "--approvals", str(approvals))
    assert code == 4, out
    assert "another apply is running in this clone" in out
    assert head(repo) == tip
    code, out = run_apply(repo, "--approvals", str(approvals))
    assert code == 0, out


def test_two_applies_at_once_commit_one_entry(repo: Path, tmp_path: Path) -> None:
    """Two processes race: before the lock both committed, the second rewriting the entry
    the first had committed."""
    _, _, approvals = promote_credit(repo, tmp_path)
    before = len(ledger_at(repo))
    script = (
        "import sys\nfrom modelops_gitops.cli import main\n"
        "main(['apply', '--repo', sys.argv[1], '--approvals', sys.argv[2]])\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(repo), str(approvals)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120)[0].decode() for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes in ([0, 0], [0, 4]), outs
    entries = ledger_at(repo)
    assert len(entries) == before + 1
    assert chain_ok(entries)
    applies = run_git(repo, "log", "--format=%s", "--grep=modelops-gitops apply:", "-F")
    assert applies.count("credit production 1.1.0 -> 1.2.0") == 1
