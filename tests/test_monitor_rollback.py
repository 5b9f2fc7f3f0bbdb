"""A rollback proposed, never imposed: when credit 1.1.0 breaches a performance rule with
`on_breach: propose_rollback`, `monitor` makes a branch that sets production back to 1.0.0
(its previous holder in the stage history) beside the work tree, pushes it to a real bare
remote and opens a pull request on the GitHub emulator (which resolves the branch in that
remote), evidence in the body, the monitor issue linked. The pull request is then planned
like any other: a `stage.rollback` that waits for the rollback policy's approval."""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from conftest import Result, snapshot
from github_emulator.running import RunningEmulator
from plan_fixtures import CREDIT, example_files, governed_repo, parsed, plan_args, run_git
from test_monitor_performance import EVAL, FOLDER, POLICY, degraded, sha

from modelops_gitops.monitor.records import load_records

pytest_plugins = ["github_emulator.fixtures"]

Cli = Callable[..., Result]
BRANCH = "modelops/rollback/credit/production/1.1.0"
RULE = """
    - id: performance
      type: performance
      metrics: [roc_auc]
      max_absolute_degradation: 0.05
      on_breach: propose_rollback
"""


def eval_frame() -> pd.DataFrame:
    data = example_files()[EVAL]
    assert isinstance(data, bytes)
    return pd.read_parquet(io.BytesIO(data))


def label(repo: Path, frame: pd.DataFrame, name: str) -> None:
    """Pin `frame` as credit's only labelled snapshot (in the work tree, as CI checks out)."""
    path = repo / FOLDER / name
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)
    text = (repo / CREDIT).read_text(encoding="utf-8")
    if "    labelled:\n" in text:
        head, rest = text.split("    labelled:\n", 1)
        text = head + "  versions:\n" + rest.split("  versions:\n", 1)[1]
    block = (
        f"    labelled:\n      - path: {FOLDER}/{name}\n        sha256: {sha(path.read_bytes())}\n"
    )
    (repo / CREDIT).write_text(text.replace("  versions:\n", block + "  versions:\n", 1), "utf-8")


def breaching_repo(tmp_path: Path, *, remote: bool = True) -> Path:
    """The governed example (production 1.0.0, then 1.1.0) with the rule and degraded labels
    committed on main, and a bare `origin`."""
    repo = governed_repo(tmp_path, {POLICY: lambda text: text + RULE.lstrip("\n")})
    label(repo, degraded(eval_frame(), 0.3), "bad.parquet")
    run_git(repo, "add", "--all")
    run_git(repo, "commit", "--quiet", "-m", "labels", when="2024-07-10T06:00:00+00:00")
    if remote:
        bare = tmp_path / "origin.git"
        run_git(tmp_path, "init", "--quiet", "--bare", str(bare))
        run_git(repo, "remote", "add", "origin", str(bare))
        run_git(repo, "push", "--quiet", "origin", "main")
    return repo


def monitor(cli: Cli, repo: Path, *extra: str) -> Result:
    result = cli("monitor", "--repo", str(repo), *extra)
    assert "Traceback" not in result.output, result.output
    return result


def git_show(repo: Path, spec: str) -> str:
    return run_git(repo, "show", spec)


def test_without_github_a_local_branch_and_the_pull_request_text(tmp_path: Path, cli: Cli) -> None:
    repo = breaching_repo(tmp_path, remote=False)
    before = snapshot(repo)
    head = run_git(repo, "rev-parse", "HEAD")

    first = monitor(cli, repo, "--no-github", "--format", "json")
    second = monitor(cli, repo, "--no-github")

    assert first.code == 1, first.output
    [credit] = [m for m in json.loads(first.out)["models"] if m["model"] == "credit"]
    rollback = credit["rollback"]
    assert (rollback["branch"], rollback["from"], rollback["to"]) == (BRANCH, "1.1.0", "1.0.0")
    assert rollback["url"] is None
    assert rollback["body"].startswith("## Roll back `credit` in production: `1.1.0` → `1.0.0`")
    assert "### Evidence" in rollback["body"]
    assert "| production-high-risk/performance | `roc_auc` |" in rollback["body"]
    # the branch: HEAD plus one commit that changes only production in the model file
    sha = run_git(repo, "rev-parse", BRANCH)
    assert sha == rollback["commit"]
    assert run_git(repo, "rev-parse", f"{BRANCH}^") == head
    assert run_git(repo, "diff", "--name-only", head, BRANCH) == CREDIT
    diff = run_git(repo, "diff", "--unified=0", head, BRANCH, "--", CREDIT)
    assert "-    production: 1.1.0\n+    production: 1.0.0" in diff
    # proposed beside the work tree: files, index and HEAD untouched
    assert snapshot(repo) == before
    assert run_git(repo, "status", "--porcelain") == ""
    assert run_git(repo, "rev-parse", "HEAD") == head
    # the same breach on the same main: the same commit, no second branch
    assert run_git(repo, "rev-parse", BRANCH) == sha
    assert "rollback proposed: Roll back credit in production: 1.1.0 → 1.0.0" in second.out
    assert "  pull request text:\n  | ## Roll back `credit`" in second.out
    assert run_git(repo, "for-each-ref", "--format=%(refname)", "refs/heads/modelops") == (
        f"refs/heads/{BRANCH}"
    )
    assert load_records(repo)["credit"].rollback_branch == BRANCH


def pulls(emulator: RunningEmulator) -> list[tuple[int, str, str, str]]:
    repo = emulator.state.repos[emulator.repository]
    return [(p.number, p.issue.state, p.head_ref, p.head_sha) for p in repo.pulls.values()]


def linked(tmp_path: Path, emulator: RunningEmulator) -> Path:
    repo = breaching_repo(tmp_path)
    emulator.state.repos[emulator.repository].git_dir = tmp_path / "origin.git"
    return repo


def test_a_breach_opens_one_rollback_pull_request_that_plan_judges_as_a_rollback(
    tmp_path: Path, cli: Cli, github_env: RunningEmulator
) -> None:
    repo = linked(tmp_path, github_env)

    first = monitor(cli, repo)
    second = monitor(cli, repo)

    assert (first.code, second.code) == (1, 1), first.output
    [(number, state, head_ref, head_sha)] = pulls(github_env)
    assert (state, head_ref) == ("open", BRANCH)
    assert len(github_env.app.requests_to("/pulls", "POST")) == 1
    assert f"credit: rollback pull request opened: {github_env.url}" in first.err
    assert "credit: rollback pull request updated: " in second.err
    bare = tmp_path / "origin.git"
    remote_sha = subprocess.run(
        ["git", "--git-dir", str(bare), "rev-parse", f"refs/heads/{BRANCH}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert remote_sha == head_sha == run_git(repo, "rev-parse", BRANCH)
    state_repo = github_env.state.repos[github_env.repository]
    pull = state_repo.pulls[number]
    assert pull.issue.title == "Roll back credit in production: 1.1.0 → 1.0.0"
    assert pull.issue.labels == ["modelops-rollback"]
    assert [f.filename for f in pull.files] == [CREDIT]
    record = load_records(repo)["credit"]
    assert record.issue_url is not None
    assert f"Monitor issue: [{record.issue_url}]({record.issue_url})" in (pull.issue.body or "")
    assert record.rollback_url == f"{github_env.url}/acme/models/pull/{number}"

    # the proposal is an ordinary pull request: plan sees a rollback awaiting approval
    run_git(repo, "fetch", "--quiet", "origin", f"{BRANCH}:refs/remotes/origin/proposal")
    plan = cli(*plan_args(repo, "--no-gates", head="origin/proposal"))
    data = parsed(plan)
    assert plan.code == 3, plan.output  # approvals pending
    [change] = data["changes"]
    assert (change["kind"], change["from"], change["to"]) == ("stage.rollback", "1.1.0", "1.0.0")
    pending = [(f["policy"], f["rule"]) for f in change["findings"] if f["result"] == "pending"]
    assert pending == [("rollback", "approvals")]  # judged by the rollback policy


def test_a_pull_request_closed_by_a_person_is_not_proposed_again(
    tmp_path: Path, cli: Cli, github_env: RunningEmulator
) -> None:
    repo = linked(tmp_path, github_env)
    monitor(cli, repo)
    [(number, _, _, _)] = pulls(github_env)
    github_env.state.repos[github_env.repository].pulls[number].issue.state = "closed"

    again = monitor(cli, repo)

    assert again.code == 1
    assert f"credit: rollback pull request left closed: {github_env.url}" in again.err
    assert len(github_env.app.requests_to("/pulls", "POST")) == 1


def test_the_proposal_is_withdrawn_when_the_breach_clears(
    tmp_path: Path, cli: Cli, github_env: RunningEmulator
) -> None:
    repo = linked(tmp_path, github_env)
    monitor(cli, repo)
    label(repo, eval_frame(), "good.parquet")

    cleared = monitor(cli, repo)

    assert cleared.code == 0, cleared.output
    [(number, state, _, _)] = pulls(github_env)
    assert state == "closed"
    assert "credit: rollback pull request closed: " in cleared.err
    body = github_env.state.repos[github_env.repository].pulls[number].issue.body or ""
    assert "## Withdrawn: `credit` `1.1.0` in production no longer breaches" in body
    assert load_records(repo)["credit"].rollback_branch is None


def test_a_push_to_the_proposal_branch_is_overwritten_by_the_next_run(
    tmp_path: Path, cli: Cli, github_env: RunningEmulator
) -> None:
    """Someone with write access pushes another change onto the tool's branch, hoping the
    approvers of a rollback wave it through: the next run puts the proposal back."""
    repo = linked(tmp_path, github_env)
    monitor(cli, repo)
    ours = run_git(repo, "rev-parse", BRANCH)
    run_git(repo, "checkout", "--quiet", "-b", "sneaky", BRANCH)
    (repo / POLICY).write_text("tampered\n", encoding="utf-8")
    run_git(repo, "commit", "--quiet", "-am", "sneak")
    run_git(repo, "push", "--quiet", "--force", "origin", f"HEAD:refs/heads/{BRANCH}")
    run_git(repo, "checkout", "--quiet", "main")

    monitor(cli, repo)

    bare = tmp_path / "origin.git"
    now = subprocess.run(
        ["git", "--git-dir", str(bare), "rev-parse", f"refs/heads/{BRANCH}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert now == ours


def test_no_remote_is_exit_2_before_github_is_touched(
    tmp_path: Path, cli: Cli, github_env: RunningEmulator
) -> None:
    repo = breaching_repo(tmp_path, remote=False)

    result = monitor(cli, repo)

    assert result.code == 2
    assert "--remote: no remote named 'origin'" in result.err
    assert github_env.app.requests_to("/issues") == []
    assert load_records(repo) == {}


def test_no_earlier_holder_is_a_note_not_a_branch(tmp_path: Path, cli: Cli) -> None:
    from conftest import make_repo

    files = example_files()
    policy = files[POLICY]
    assert isinstance(policy, bytes)
    files[POLICY] = policy + RULE.lstrip("\n").encode()
    repo = make_repo(tmp_path, files)  # production 1.1.0 from the first commit on
    label(repo, degraded(eval_frame(), 0.3), "bad.parquet")

    result = monitor(cli, repo, "--no-github")

    assert result.code == 1
    assert "credit: no earlier version held production: no rollback to propose" in result.err
    assert run_git(repo, "for-each-ref", "refs/heads/modelops") == ""
