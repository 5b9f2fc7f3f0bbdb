"""`apply --push` publishes the checkpoint of each apply commit it pushed as a GitHub commit
status (an outside copy of the ledger's head), over real HTTP against the GitHub emulator
(every exchange checked against GitHub's OpenAPI description at teardown). A failure to
publish is said and never undoes the push."""

from __future__ import annotations

from pathlib import Path

import pytest
from apply_fixtures import (
    approvals,
    fresh_apply_repo,
    merge_pr,
    run_apply,
)
from github_emulator.running import RunningEmulator
from plan_fixtures import CREDIT, run_git, set_stage

from modelops_gitops.apply.checkpoint_status import CONTEXT
from modelops_gitops.cli import main

pytest_plugins = ["github_emulator.fixtures"]


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("template")


@pytest.fixture
def repo(template_dir: Path, tmp_path: Path) -> Path:
    return fresh_apply_repo(template_dir, tmp_path)


def promoted(repo: Path, tmp_path: Path) -> Path:
    head, _ = merge_pr(repo, {CREDIT: set_stage("production", "1.2.0")}, branch="promote")
    return approvals(tmp_path, "promote", head, number=12, title="Promote credit")


def checkpoint_line(repo: Path, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        main(["audit", "checkpoint", "--repo", str(repo)])
    assert done.value.code == 0
    return capsys.readouterr().out.strip()


def test_the_pushed_apply_commit_carries_its_checkpoint_as_a_status(
    repo: Path,
    tmp_path: Path,
    github_env: RunningEmulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = run_apply(repo, "--approvals", str(promoted(repo, tmp_path)), "--push")

    assert code == 0, out
    head = run_git(repo, "rev-parse", "HEAD")
    assert run_git(repo, "rev-parse", "origin/main") == head
    [status] = github_env.state.repos[github_env.repository].statuses
    assert (status.sha, status.context, status.state) == (head, CONTEXT, "success")
    line = checkpoint_line(repo, capsys)  # modelops-gitops-checkpoint v1 SEQ HASH COMMIT TIME
    magic, v1, seq, digest, commit, time = line.split(" ")
    assert commit == head
    assert status.description == f"{magic} {v1} {seq} {digest} {time}"  # the full hash
    assert len(status.description) <= 140
    server = "https://github.com"
    ledger = f"{server}/{github_env.repository}/blob/{head}/audit/ledger.jsonl#L{seq}"
    assert status.target_url == ledger
    assert f"checkpoint published: {CONTEXT} on {head[:12]}: seq {seq} {digest[:16]}" in out


def test_a_failed_publish_is_said_and_the_push_stands(
    repo: Path, tmp_path: Path, github_env: RunningEmulator
) -> None:
    github_env.faults.server_error("/statuses/", status=502, times=100)

    code, out = run_apply(repo, "--approvals", str(promoted(repo, tmp_path)), "--push")

    assert code == 0, out
    head = run_git(repo, "rev-parse", "HEAD")
    assert run_git(repo, "ls-remote", "origin", "refs/heads/main").split()[0] == head
    assert f"checkpoint NOT published for {head[:12]}" in out
    assert "the push stands" in out
    assert not github_env.state.repos[github_env.repository].statuses


def test_without_github_nothing_is_published(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    code, out = run_apply(repo, "--approvals", str(promoted(repo, tmp_path)), "--push")
    assert code == 0, out
    assert "pushed" in out
    assert "checkpoint" not in out


def test_no_push_no_status(repo: Path, tmp_path: Path, github_env: RunningEmulator) -> None:
    code, out = run_apply(repo, "--approvals", str(promoted(repo, tmp_path)))
    assert code == 0, out
    assert not github_env.state.repos[github_env.repository].statuses
    assert not github_env.app.requests_to("/statuses/")
