"""`demo`: the README's main job. The whole loop runs for real in a scratch repository and
leaves a verified ledger, audit reports, a pushed remote and a dashboard behind."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT

from modelops_gitops.digest import sha256_bytes

STEPS = (
    "== 0. A GitOps repository",
    "== 1. PR #1: register credit 1.2.0",
    "== 2. PR #2: promote credit 1.2.0 to production",
    "== 3. PR #3: an incident; roll production back",
    "== 4. Monitoring: labelled production data shows 1.2.0 degraded",
    "== 5. What compliance sees",
)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    root = tmp_path_factory.mktemp("demo") / "kept"
    proc = subprocess.run(
        [sys.executable, "-m", "modelops_gitops", "demo", "--keep", str(root)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    return root, proc


def test_the_demo_narrates_every_step_and_succeeds(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    root, proc = demo
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    positions = [proc.stdout.index(step) for step in STEPS]
    assert positions == sorted(positions)
    # The promotion plan first shows what is missing, then passes once approved.
    assert "approvals not read" in proc.stdout
    assert "champion gate: 1.2.0 beats 1.1.0" in proc.stdout
    assert proc.stdout.count("audit verify: intact") == 3
    assert f"dashboard          {root / 'site' / 'index.html'}" in proc.stdout
    # The deploy targets: KServe files in every apply commit, MLflow (the test extra has it)
    # told after each push, and status --live comparing all three with the ledger.
    assert "credit         production   manifest in sync · kserve in sync · mlflow in sync" in (
        proc.stdout
    )
    assert "delivered   mlflow: credit production rollback 1.2.0 -> 1.1.0 (PR #3)" in proc.stdout
    assert f"KServe services    {root / 'repo' / 'deploy' / 'kserve'}" in proc.stdout
    assert "INFO mlflow" not in proc.stdout
    service = (root / "repo" / "deploy" / "kserve" / "production" / "credit.yaml").read_text()
    assert "modelops-gitops/version: 1.1.0" in service


def test_the_demo_leaves_a_verified_ledger_pushed_to_its_remote(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    root, _ = demo
    repo = root / "repo"
    lines = (repo / "audit" / "ledger.jsonl").read_bytes().splitlines()
    entries = [json.loads(line) for line in lines]
    kinds = [(e["change"]["kind"], e["change"]["model"], e["change"]["stage"]) for e in entries]
    assert kinds[-4:] == [
        ("stage.promoted", "credit", "staging"),
        ("stage.promoted", "credit", "production"),
        ("stage.rollback", "credit", "production"),
        ("stage.rollback", "credit", "staging"),  # proposed by monitor
    ]
    assert all(kind == "stage.adopted" for kind, _, _ in kinds[:-4])
    proposed = entries[-1]["change"]
    assert (proposed["from"], proposed["to"]) == ("1.2.0", "1.1.0")
    assert entries[-1]["pr"]["number"] == 4
    assert [a["login"] for a in entries[-1]["approvals"]] == ["kai-oncall"]
    promotion = entries[-3]
    assert promotion["pr"]["number"] == 2
    assert sorted(a["login"] for a in promotion["approvals"]) == [
        "jonas-credit",
        "priya-validation",
    ]
    for report in promotion["reports"]:
        assert (repo / report["path"]).is_file()
    assert git(repo, "rev-parse", "main") == git(root / "remote.git", "rev-parse", "main")
    assert git(repo, "status", "--porcelain") == ""
    verify = subprocess.run(
        [sys.executable, "-m", "modelops_gitops", "audit", "verify"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    manifest = json.loads((repo / "deploy" / "production" / "credit.json").read_text("utf-8"))
    assert manifest["version"] == "1.1.0"  # rolled back


def test_monitor_proposes_the_rollback_the_demo_then_applies(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    root, proc = demo
    step = proc.stdout[proc.stdout.index("== 4. Monitoring") : proc.stdout.index("== 5.")]
    assert re.search(
        r"staging-performance/performance: breach \(warn\): roc_auc [0-9.]+ in production", step
    )
    assert "rollback proposed: Roll back credit in staging: 1.2.0 → 1.1.0" in step
    assert "branch modelops/rollback/credit/staging/1.2.0" in step
    assert "| ## Roll back `credit` in staging: `1.2.0` → `1.1.0`" in step  # the PR text
    assert "stage.rollback credit staging: 1.2.0 → 1.1.0" in step  # plan: a true rollback
    assert "applied     credit staging rollback 1.2.0 -> 1.1.0 (PR #4)" in step
    repo = root / "repo"
    snapshot = repo / "data/credit/labelled/2026-11-09.parquet"
    model = (repo / "models/credit/model.yaml").read_text("utf-8")
    assert sha256_bytes(snapshot.read_bytes()) in model  # pinned by its sha256
    policy = (repo / "policies/staging-performance.yaml").read_text("utf-8")
    assert "type: performance" in policy
    assert "on_breach: propose_rollback" in policy


def test_the_dashboard_shows_the_degradation_and_the_rollback(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    root, proc = demo
    credit = (root / "site/models/credit.html").read_text("utf-8")
    assert "roc_auc by version: claimed, production (monitor), test gate" in credit
    found = re.search(r"roc_auc +([0-9.]+) +([0-9.]+)", proc.stdout)
    assert found, proc.stdout
    assert float(found[2]) < float(found[1]) - 0.05  # the degradation monitor printed ...
    assert f">{found[2]}<" in credit  # ... is on the model page
    chart = (root / "site/plots/credit").glob("*.svg")
    roc = next(p for p in chart if "roc_auc" in p.read_text("utf-8"))
    assert "production (monitor)" in roc.read_text("utf-8")
    assert re.search(r'kind-rolled-back">rolled back</span> <strong>staging</strong>', credit)


def test_the_lineage_page_shows_the_rollback_and_the_labelled_snapshot(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    root, _ = demo
    assert 'href="../lineage/credit.html"' in (root / "site/models/credit.html").read_text("utf-8")
    page = (root / "site/lineage/credit.html").read_text("utf-8")
    edges = [
        tuple(" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in row)
        for row in re.findall(
            r"<tr[^>]*>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", page, re.S
        )
    ]
    applied = {
        e[2].split(" 20")[0] for e in edges if e[1] == "applied by" and "staging 1.1.0" in e[0]
    }
    assert "entry 9 · PR #4 stage.rollback" in applied, edges  # the monitor-proposed rollback
    snapshot = root / "repo/data/credit/labelled/2026-11-09.parquet"
    digest = sha256_bytes(snapshot.read_bytes())
    assert digest in page  # the labelled snapshot, by digest, in the graph
    assert any(e[1] == "monitors" and "labelled" in e[0] and "staging 1.1.0" in e[2] for e in edges)


def test_the_demo_renders_the_dashboard_with_every_model(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    root, _ = demo
    index = (root / "site" / "index.html").read_text("utf-8")
    for model in ("credit", "breast-cancer", "diabetes"):
        assert model in index


def test_keep_refuses_a_directory_the_demo_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "something").write_text("mine", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "modelops_gitops", "demo", "--keep", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "--keep: exists, is not empty and was not made by `demo`" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["something"]


def test_keep_rebuilds_a_directory_an_earlier_demo_made(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    from modelops_gitops.commands.demo import MARKER, _fresh

    root, _ = demo
    assert (root / MARKER).is_file()
    copy = root.parent / "again"
    copy.mkdir()
    (copy / MARKER).write_text("x", encoding="utf-8")
    (copy / "old-output").write_text("x", encoding="utf-8")
    assert _fresh(copy) == copy.resolve()
    assert sorted(p.name for p in copy.iterdir()) == [MARKER]
