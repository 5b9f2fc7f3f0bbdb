"""Rehearsing at a given time: `plan --at T` and `apply --dry-run --at T` judge soak and freeze
as if it were T, say so first, and can never record anything: `--at` without `--dry-run` is
exit 2, and no environment variable, config field or workflow line moves a real apply's time.

The scenario: credit 1.2.0 entered staging on 2024-07-01 09:00Z (the ledger adopts it); the
promotion to production merged an hour later, so a real apply refuses it (the soak needs 24h
at the merge); rehearsed at a time after the soak it would apply; in the year-end freeze
(Dec 23 - Jan 2, Europe/Berlin) it would not."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT, Result, isolation_env, run_script
from plan_fixtures import (
    AUTHOR,
    CREDIT,
    STAGING_1_2_AT,
    governed_repo,
    open_pr,
    plan_args,
    run_git,
    set_stage,
)

Cli = Callable[..., Result]
SOON = "2024-07-01T10:00:00+00:00"  # an hour into the soak: the PR and its merge
AFTER_SOAK = "2024-07-02T10:00:00Z"
IN_FREEZE = "2026-12-24T10:00:00Z"


@contextmanager
def isolated_git(home: Path) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as env:
        for name, value in isolation_env(home).items():
            env.setenv(name, value)
        yield


@pytest.fixture(scope="module")
def merged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(repo on main with the production promotion merged an hour into the soak, approvals)"""
    with isolated_git(tmp_path_factory.mktemp("home")):
        tmp = tmp_path_factory.mktemp("rehearsal")
        repo = governed_repo(tmp)
        assert run_script("apply", "--adopt", "--repo", str(repo)).code == 0
        open_pr(repo, {CREDIT: set_stage("production", "1.2.0")}, when=SOON)
        approvals = tmp / "approvals.json"
        made = run_script(
            "approvals", "--repo", str(repo), "--author", AUTHOR, "--approve", "priya-validation",
            "--approve", "jonas-credit", "--out", str(approvals),
        )  # fmt: skip
        assert made.code == 0, made.output
        run_git(repo, "checkout", "--quiet", "main")
        run_git(repo, "merge", "--quiet", "--no-ff", "-m", "Merge #2", "pr", when=SOON)
        yield repo, approvals


def state_of(repo: Path) -> tuple[str, str, str]:
    """HEAD, the work tree's status and the ledger: what a real apply would change."""
    ledger = (repo / "audit" / "ledger.jsonl").read_text("utf-8")
    return run_git(repo, "rev-parse", "HEAD"), run_git(repo, "status", "--porcelain"), ledger


def apply(cli: Cli, repo: Path, approvals: Path, *args: str) -> Result:
    return cli("apply", "--repo", str(repo), "--approvals", str(approvals), *args)


# --- plan --at -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def soon_pr(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with isolated_git(tmp_path_factory.mktemp("home")):
        repo = governed_repo(tmp_path_factory.mktemp("plan"))
        open_pr(repo, {CREDIT: set_stage("production", "1.2.0")}, when=SOON)
        yield repo


def soak(result: Result) -> dict[str, object]:
    plan = json.loads(result.out)
    [change] = plan["changes"]
    return next(f for f in change["findings"] if f["rule"] == "staging-soak")


def plan_at(cli: Cli, repo: Path, at: str, *extra: str) -> Result:
    args = [a for a in plan_args(repo, "--no-gates", *extra) if a != "--now"]
    args.remove(next(a for a in args if a.startswith("2024-07-15")))
    return cli(*args, "--at", at)


def test_plan_at_a_time_after_the_soak_passes_it_and_says_it_is_a_rehearsal(
    soon_pr: Path, cli: Cli
) -> None:
    early = plan_at(cli, soon_pr, "2024-07-01T10:30:00Z")
    late = plan_at(cli, soon_pr, AFTER_SOAK)
    assert soak(early)["result"] == "fail"
    assert "1.5h" in str(soak(early)["message"])
    assert soak(late)["result"] == "pass"
    assert late.err.startswith(f"REHEARSAL at {AFTER_SOAK}: judged as if it were that time")
    text = cli("plan", "--repo", str(soon_pr), "--base", "main", "--no-gates", "--at", AFTER_SOAK)
    assert text.out.startswith(f"REHEARSAL at {AFTER_SOAK}")
    assert "production-high-risk/staging-soak" in text.out


def test_plan_at_a_time_in_the_freeze_is_blocked_by_it(soon_pr: Path, cli: Cli) -> None:
    result = cli(
        "plan", "--repo", str(soon_pr), "--base", "main", "--no-gates",
        "--format", "markdown", "--at", IN_FREEZE,
    )  # fmt: skip
    assert result.code == 1
    assert result.out.startswith(f"REHEARSAL at {IN_FREEZE}")
    assert "Year-end freeze 2026/2027" in result.out


def test_plan_at_before_the_head_commit_says_the_head_is_from_the_future(
    soon_pr: Path, cli: Cli
) -> None:
    result = plan_at(cli, soon_pr, STAGING_1_2_AT)
    assert result.code == 1
    assert "head commit" in result.out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--at", "soon"], "--at: not an ISO 8601 time"),
        (["--at", "+25x"], "--at: not an ISO 8601 time or +Nh/+Nd"),
        (["--at", AFTER_SOAK, "--now", AFTER_SOAK], "--at and --now are exclusive"),
    ],
)
def test_plan_at_bad_input(soon_pr: Path, cli: Cli, args: list[str], says: str) -> None:
    result = cli("plan", "--repo", str(soon_pr), "--base", "main", "--no-gates", *args)
    assert result.code == 2
    assert says in result.err


# --- apply --dry-run --at ----------------------------------------------------------------------


def test_a_real_apply_refuses_the_merge_inside_the_soak(
    merged: tuple[Path, Path], cli: Cli
) -> None:
    repo, approvals = merged
    result = apply(cli, repo, approvals, "--dry-run")
    assert result.code == 1, result.output
    assert "staging-soak: fail" in result.out
    assert "REHEARSAL" not in result.out


def test_apply_rehearsed_after_the_soak_would_apply_and_writes_nothing(
    merged: tuple[Path, Path], cli: Cli
) -> None:
    repo, approvals = merged
    before = state_of(repo)
    result = apply(cli, repo, approvals, "--dry-run", "--at", AFTER_SOAK)
    assert result.code == 0, result.output
    first, second = result.out.splitlines()[:2]
    assert first.startswith(f"REHEARSAL at {AFTER_SOAK}: every merge judged as if")
    assert second.startswith("apply: would apply 1, refused 0")
    assert "credit production 1.1.0 -> 1.2.0" in result.out
    as_json = json.loads(
        apply(cli, repo, approvals, "--dry-run", "--at", AFTER_SOAK, "--format", "json").out
    )
    assert as_json["rehearsal_at"] == AFTER_SOAK
    assert as_json["commit"] is None
    assert state_of(repo) == before


def test_apply_rehearsed_in_the_freeze_is_refused_by_it(
    merged: tuple[Path, Path], cli: Cli
) -> None:
    repo, approvals = merged
    result = apply(cli, repo, approvals, "--dry-run", "--at", IN_FREEZE)
    assert result.code == 1
    assert result.out.startswith(f"REHEARSAL at {IN_FREEZE}")
    assert "year-end-freeze/freeze: fail" in result.out


# --- never a real apply at a false time --------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [(), ("--push",), ("--tag",), ("--format", "json")],
)
def test_at_without_dry_run_is_exit_2_and_writes_nothing(
    merged: tuple[Path, Path], cli: Cli, extra: tuple[str, ...]
) -> None:
    repo, approvals = merged
    before = state_of(repo)
    result = apply(cli, repo, approvals, "--at", AFTER_SOAK, *extra)
    assert result.code == 2, result.output
    assert "apply --at rehearses: it needs --dry-run" in result.err
    assert state_of(repo) == before


@pytest.mark.parametrize(
    "env",
    [
        {"MODELOPS_GITOPS_AT": AFTER_SOAK},
        {"MODELOPS_GITOPS_NOW": AFTER_SOAK},
        {"SOURCE_DATE_EPOCH": "1719914400"},  # 2024-07-02T10:00Z
        {"TZ": "Pacific/Kiritimati"},
    ],
)
def test_no_environment_variable_moves_the_time_of_a_real_apply(
    merged: tuple[Path, Path], cli: Cli, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, approvals = merged
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    before = state_of(repo)
    result = apply(cli, repo, approvals)
    assert result.code == 1, result.output
    assert "staging-soak: fail" in result.out
    assert state_of(repo)[0] == before[0]  # no apply commit


def test_no_config_field_sets_the_time(cli: Cli, valid_repo: Path) -> None:
    """A time in modelops.yaml is an unknown field (exit 2), not a setting apply honours."""
    repo = valid_repo
    settings = repo / "modelops.yaml"
    text = settings.read_text("utf-8")
    settings.write_text(text.replace("spec:\n", f"spec:\n  at: {AFTER_SOAK}\n", 1), "utf-8")
    run_git(repo, "commit", "--quiet", "-am", "a time in the settings")
    result = cli("apply", "--repo", str(repo), "--dry-run")
    assert result.code == 2, result.output
    assert "spec.at" in result.output


def test_no_scaffolded_workflow_passes_a_time() -> None:
    """The workflows `init` writes judge at the real time: none passes --at or --now."""
    folder = PROJECT_ROOT / "modelops_gitops" / "templates"
    workflows = [p for p in folder.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file()]
    assert workflows
    for path in workflows:
        text = path.read_text("utf-8")
        assert "--at" not in text.split(), path
        assert "--now" not in text, path
