"""`apply` killed with SIGKILL after each of its steps, and two applies racing to one remote:
the next run converges to exactly one entry per change with a valid chain, on the remote.

The product has no test hooks: a small driver imports audit/apply.py, wraps one step function
so the process kills itself right after it, and runs the real CLI.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from apply_fixtures import apply_repo, chain_ok, changes, ledger_at, promote_credit, run_apply
from plan_fixtures import run_git

from modelops_gitops.audit.ledger import LEDGER_PATH

DRIVER = """\
import os, signal, sys
from modelops_gitops.apply import pipeline as apply
step = sys.argv[1]
original = getattr(apply, step)
def killed_after(*args, **kwargs):
    result = original(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
    return result
setattr(apply, step, killed_after)
from modelops_gitops.cli import main
main(sys.argv[2:])
"""
PROMOTED = ("stage.promoted", "credit", "production", "1.2.0")


@pytest.fixture
def merged(tmp_path: Path) -> tuple[Path, Path]:
    """An adopted repo whose main (pushed) has a merged, approved credit promotion."""
    repo = apply_repo(tmp_path)
    _, _, file = promote_credit(repo, tmp_path)
    run_git(repo, "push", "--quiet", "origin", "main")
    return repo, file


def remote_ledger(tmp_path: Path) -> list[tuple[str, str, str, str | None]]:
    bare = tmp_path / "origin.git"
    entries = ledger_at(bare, "main")
    assert chain_ok(entries)
    return changes(entries)


@pytest.mark.parametrize("step", ["write_reports", "write_ledger", "write_deploy", "commit"])
def test_a_kill_after_any_step_converges_on_the_next_run(
    merged: tuple[Path, Path], tmp_path: Path, step: str
) -> None:
    repo, file = merged
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    argv = [sys.executable, str(driver), step, "apply", "--repo", str(repo)]
    proc = subprocess.run(
        [*argv, "--approvals", str(file), "--push"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    dirty = run_git(repo, "status", "--porcelain")
    if step == "commit":
        assert dirty == ""
        assert run_git(repo, "log", "-1", "--format=%s").startswith("modelops-gitops apply:")
        assert PROMOTED not in remote_ledger(tmp_path)  # committed, never pushed
    else:
        assert dirty  # files written, nothing committed
        assert "modelops-gitops apply:" not in run_git(repo, "log", "-1", "--format=%s")
        if step != "write_reports":
            assert LEDGER_PATH in dirty

    code, out = run_apply(repo, "--approvals", str(file), "--push")
    assert code == 0, out
    if step != "commit":
        assert "discarded" in out
    entries = ledger_at(repo)
    assert chain_ok(entries)
    assert changes(entries).count(PROMOTED) == 1
    assert remote_ledger(tmp_path) == changes(entries)
    assert run_git(repo, "status", "--porcelain") == ""
    assert run_apply(repo, "--approvals", str(file), "--push")[0] == 0
    assert ledger_at(repo) == entries


def test_two_applies_racing_to_one_remote_apply_each_change_once(
    merged: tuple[Path, Path], tmp_path: Path
) -> None:
    _, file = merged
    clones = []
    for name in ("ci-1", "ci-2"):
        clone = tmp_path / name
        run_git(tmp_path, "clone", "--quiet", str(tmp_path / "origin.git"), str(clone))
        clones.append(clone)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "modelops_gitops",
                "apply",
                "--repo",
                str(clone),
                "--approvals",
                str(file),
                "--push",
                "--format",
                "json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for clone in clones
    ]
    results = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], results
    outcomes = [json.loads(out) for out, _ in results]
    assert sorted(o["pushed"] for o in outcomes) in ([False, True], [True, True]), outcomes
    remote = remote_ledger(tmp_path)
    assert remote.count(PROMOTED) == 1
    assert len(remote) == 6
    for clone in clones:  # each clone ends on the remote's tip
        run_git(clone, "fetch", "--quiet", "origin")
        assert run_git(clone, "rev-parse", "HEAD") == run_git(clone, "rev-parse", "origin/main")
        verify = subprocess.run(
            [sys.executable, "-m", "modelops_gitops", "audit", "verify", "--repo", str(clone)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert verify.returncode == 0, verify.stdout + verify.stderr
