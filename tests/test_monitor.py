"""`monitor` on the bundled example in a real repository: the credit model's production
version against its monitoring snapshot. Issues through github3.py against the emulator:
opened on drift, updated (never duplicated), closed when the drift is gone; without GitHub
the table alone; the latest result kept per model for `status`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Result, make_repo
from github_emulator.running import RunningEmulator
from plan_fixtures import CREDIT, example_files

from modelops_gitops.github import DRIFT_LABEL, MONITOR_LABEL, monitor_marker
from modelops_gitops.monitor.records import MonitorRecord, load_records, save_record

pytest_plugins = ["github_emulator.fixtures"]

Cli = Callable[..., Result]
POLICY = "policies/production-high-risk.yaml"
CURRENT = "data/credit/current.parquet"
TRAIN = "data/credit/train.parquet"


def example_repo(tmp_path: Path, *, share_threshold: str = "0.5") -> Path:
    """The example; a lower drift share threshold makes its 2-of-7 drift a dataset drift."""
    files = example_files()
    policy = files[POLICY]
    assert isinstance(policy, bytes)
    text = policy.decode()
    assert text.count("share_threshold: 0.5") == 1
    files[POLICY] = text.replace("share_threshold: 0.5", f"share_threshold: {share_threshold}")
    return make_repo(tmp_path, files)


def new_snapshot_without_drift(repo: Path) -> None:
    """The monitoring snapshot replaced by data from the training population, re-pinned."""
    data = (repo / TRAIN).read_bytes()
    (repo / CURRENT).write_bytes(data)
    model = (repo / CREDIT).read_text(encoding="utf-8")
    old = model.split(f"path: {CURRENT}\n")[1].split("\n")[0].strip()
    new = f"sha256: {hashlib.sha256(data).hexdigest()}"
    (repo / CREDIT).write_text(model.replace(old, new), encoding="utf-8")


def monitor(cli: Cli, repo: Path, *extra: str) -> Result:
    result = cli("monitor", "--repo", str(repo), *extra)
    assert "Traceback" not in result.output, result.output
    return result


def credit_issues(emulator: RunningEmulator) -> list[tuple[int, str, str, list[str]]]:
    repo = emulator.state.repos[emulator.repository]
    marker = monitor_marker("credit")
    return [
        (i.number, i.state, i.title, list(i.labels))
        for i in repo.issues.values()
        if i.body and i.body.startswith(marker)
    ]


def test_drift_opens_one_issue_updates_it_then_closes_it_when_gone(
    tmp_path: Path, cli: Cli, github_env: RunningEmulator, github_token: str
) -> None:
    repo = example_repo(tmp_path, share_threshold="0.2")
    url = "https://ci.example/runs/7"

    first = monitor(cli, repo, "--report-url", url)
    second = monitor(cli, repo, "--report-url", url)

    assert (first.code, second.code) == (1, 1), first.output
    [(number, state, title, labels)] = credit_issues(github_env)
    assert (state, title) == ("open", "Drift: credit 1.1.0 in production")
    assert labels == [MONITOR_LABEL, DRIFT_LABEL]
    assert len(github_env.app.requests_to("/issues", "POST")) == 1
    assert "credit: issue opened: " in first.err
    assert f"credit: issue updated: {github_env.url}/acme/models/issues/" in second.err
    body = github_env.state.repos[github_env.repository].issues[number].body or ""
    assert "**2 of 7 features drifted (share 0.286, threshold 0.2): dataset drift**" in body
    assert (
        "| `income` | numerical | wasserstein | 0.7449 | &gt;= 0.1 | **drift** | 0.4495 |" in body
    )
    assert f"[Full report (the workflow run)]({url})" in body
    record = load_records(repo)["credit"]
    assert (record.drifted, record.version, record.drifted_features) == (
        True,
        "1.1.0",
        ["income", "region"],
    )
    assert record.issue_url is not None
    assert record.issue_url.endswith(f"/issues/{number}")

    new_snapshot_without_drift(repo)
    third = monitor(cli, repo)

    assert third.code == 0, third.output
    assert credit_issues(github_env) == [(number, "closed", title, labels)]
    assert "credit: issue closed: " in third.err
    assert "monitor: no drift" in third.out
    assert load_records(repo)["credit"].drifted is False
    for result in (first, second, third):
        assert github_token not in result.output


def test_without_github_the_table_is_printed(tmp_path: Path, cli: Cli) -> None:
    repo = example_repo(tmp_path)

    result = monitor(cli, repo, "--no-github")

    assert result.code == 0  # 2 of 7 drifted: under the policy's share of 0.5
    assert result.out.startswith("credit 1.1.0 (production)\nfeature ")
    assert "region                 categorical  jensenshannon  0.2848" in result.out
    assert "breast-cancer: skipped: nothing to monitor in spec.monitoring" in result.out
    assert result.out.endswith("monitor: no drift\n")
    assert "--no-github: issues not touched" in result.err
    assert load_records(repo)["credit"].drifted_features == ["income", "region"]


def test_json_output_and_drift_exit_code_without_a_repository(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = example_repo(tmp_path, share_threshold="0.2")
    settings = (repo / "modelops.yaml").read_text(encoding="utf-8")
    (repo / "modelops.yaml").write_text(
        settings.replace(
            "    type: github\n    owner: acme\n    repo: models\n", "    type: none\n"
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("GITHUB_TOKEN", "unused")

    result = monitor(cli, repo, "--format", "json")

    assert result.code == 1
    data = json.loads(result.out)
    [credit] = data["models"]
    assert (credit["model"], credit["drifted"], credit["issue_url"]) == ("credit", True, None)
    assert credit["report"]["n_drifted"] == 2
    assert data["drifted"] == ["credit"]
    assert {s["model"] for s in data["skipped"]} == {"breast-cancer", "diabetes"}
    assert "no GitHub repository configured: issues not touched" in result.err


def test_no_token_with_a_repository_is_exit_2_and_writes_nothing(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = example_repo(tmp_path)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)

    result = monitor(cli, repo)

    assert result.code == 2
    assert "GITHUB_TOKEN is not set" in result.err
    assert "--no-github" in result.err
    assert load_records(repo) == {}


def test_a_snapshot_that_does_not_match_its_pin_is_exit_2_and_writes_nothing(
    tmp_path: Path, cli: Cli, github_env: RunningEmulator
) -> None:
    repo = example_repo(tmp_path, share_threshold="0.2")
    (repo / CURRENT).write_bytes((repo / TRAIN).read_bytes())  # not re-pinned

    result = monitor(cli, repo)

    assert result.code == 2
    assert CURRENT in result.err
    assert "sha256" in result.err
    assert load_records(repo) == {}
    assert credit_issues(github_env) == []


def test_an_unknown_stage_is_exit_2(tmp_path: Path, cli: Cli) -> None:
    result = monitor(cli, example_repo(tmp_path), "--stage", "prod", "--no-github")

    assert result.code == 2
    assert "--stage: no stage 'prod' in the lifecycle" in result.err


@pytest.mark.parametrize(
    ("stage", "why"),
    [
        ("development", "no model holds it"),
    ],
)
def test_nothing_to_check_is_exit_2_not_no_drift(
    tmp_path: Path, cli: Cli, stage: str, why: str
) -> None:
    """A monitor run that checked nothing never reports "no drift" (exit 0)."""
    repo = example_repo(tmp_path)
    result = monitor(cli, repo, "--stage", stage, "--no-github")
    assert result.code == 2, result.output
    assert f"monitor: nothing to check in stage {stage!r} ({why}" in result.err
    assert "no drift" not in result.output


def test_records_round_trip_and_foreign_files_are_ignored(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"README.md": "x"})
    record = MonitorRecord(
        model="churn",
        stage="production",
        version="1.0.0",
        checked_at="2024-07-15T06:17:00Z",
        drifted=True,
        drift_share=0.5,
        drifted_features=["tenure"],
        issue_url="https://github.com/acme/models/issues/3",
    )
    path = save_record(repo, record)
    assert path == repo / ".git" / "modelops-gitops" / "monitor" / "churn.json"
    (path.parent / "broken.json").write_text("{", encoding="utf-8")
    (path.parent / "other.json").write_text(path.read_text(encoding="utf-8"), encoding="utf-8")

    assert load_records(repo) == {"churn": record}
    outside = tmp_path / "not-git"
    outside.mkdir()
    assert save_record(outside, record) is None
