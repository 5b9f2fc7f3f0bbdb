"""The GitHub Actions workflows `init` writes (and this project runs on its bundled example,
as identical copies in .github/workflows/): right triggers, least privilege, pinned actions
and tools, serialized apply, no pull-request-controlled text in any shell line, and every
`modelops-gitops` invocation in them parsed by the real CLI."""

from __future__ import annotations

import re
import shlex
from importlib import resources
from typing import Any

import pytest
import typer
from conftest import PROJECT_ROOT
from ruamel.yaml import YAML

import modelops_gitops
from modelops_gitops.cli import ClickException, app

WORKFLOWS = resources.files("modelops_gitops") / "templates" / "workflows"
PROJECT_WORKFLOWS = PROJECT_ROOT / ".github" / "workflows"
NAMES = ("plan.yml", "approvals.yml", "apply.yml", "monitor.yml")
# GitHub's default token scopes a job may be granted, and the levels allowed for each
ALLOWED = {
    "contents": {"read", "write"},
    "pull-requests": {"read", "write"},
    "statuses": {"write"},
    "checks": {"write"},
    "issues": {"write"},
}
PLAN_PERMISSIONS = {
    "contents": "read",
    "pull-requests": "write",
    "statuses": "write",
    "checks": "write",
}
EXPECTED_JOB_PERMISSIONS = {
    "plan.yml": PLAN_PERMISSIONS,
    "approvals.yml": PLAN_PERMISSIONS,
    "apply.yml": {"contents": "write", "pull-requests": "read"},
    "monitor.yml": {"contents": "read", "issues": "write"},
}
PR_CONTROLLED = re.compile(
    r"github\.event\.pull_request\.(title|body|head\.ref|head\.label)"
    r"|github\.head_ref|github\.event\.(review|comment|issue)\.body"
)
PINNED_USES = re.compile(r"^\s*(?:- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+\s*$")


def text(name: str) -> str:
    return (WORKFLOWS / name).read_text(encoding="utf-8")


def load(name: str) -> dict[str, Any]:
    data = YAML(typ="safe", pure=True).load(text(name))  # YAML 1.2: `on` stays a string
    assert isinstance(data, dict)
    return data


def steps(name: str) -> list[dict[str, Any]]:
    return [step for job in load(name)["jobs"].values() for step in job["steps"]]


def runs(name: str) -> list[str]:
    return [str(step["run"]) for step in steps(name) if "run" in step]


def test_the_four_workflows_are_shipped() -> None:
    assert sorted(p.name for p in WORKFLOWS.iterdir() if p.name.endswith(".yml")) == sorted(NAMES)


def test_triggers() -> None:
    assert set(load("plan.yml")["on"]) == {"pull_request"}
    assert set(load("approvals.yml")["on"]) == {"pull_request_review"}
    assert load("apply.yml")["on"] == {"push": {"branches": ["main"]}}
    monitor = load("monitor.yml")["on"]
    assert monitor["schedule"][0]["cron"]
    assert set(monitor) <= {"schedule", "workflow_dispatch"}
    for name in NAMES:
        assert "pull_request_target" not in text(name).replace("never `pull_request_target`", "")
        assert "pull_request_target" not in load(name)["on"]


@pytest.mark.parametrize("name", NAMES)
def test_least_privilege_permissions(name: str) -> None:
    workflow = load(name)
    top = workflow["permissions"]
    assert top == {} or set(top.values()) <= {"read", "none"}
    for job in workflow["jobs"].values():
        granted = job["permissions"]  # every job says what it needs
        assert isinstance(granted, dict)
        for scope, level in granted.items():
            assert level in ALLOWED[scope], f"{name}: {scope}: {level}"
    [job] = workflow["jobs"].values()
    assert job["permissions"] == EXPECTED_JOB_PERMISSIONS[name]


@pytest.mark.parametrize("name", NAMES)
def test_no_pr_controlled_text_in_shell_lines(name: str) -> None:
    for run in runs(name):
        assert "${{" not in run, f"{name}: pass values through env:, not into run: {run!r}"
        assert not PR_CONTROLLED.search(run)
    for step in steps(name):
        for value in (step.get("env") or {}).values():
            assert not PR_CONTROLLED.search(str(value)), f"{name}: {value}"


@pytest.mark.parametrize("name", NAMES)
def test_actions_pinned_to_commit_shas_with_a_version_comment(name: str) -> None:
    lines = [line for line in text(name).splitlines() if re.match(r"\s*(- )?uses:", line)]
    uses = [str(step["uses"]) for step in steps(name) if "uses" in step]
    assert len(lines) == len(uses) > 0
    for line in lines:
        assert PINNED_USES.match(line), f"{name}: {line.strip()}"


LOCKED = (  # the tool alone, as .github/modelops-gitops.lock pins it (init --install-from)
    "modelops-venv/bin/python -I -m pip install --disable-pip-version-check --no-input "
    "--no-deps -r modelops-gitops.lock"
)
INSTALL = (  # then its dependencies, as wheels
    "modelops-venv/bin/python -I -m pip install --disable-pip-version-check --no-input "
    f'--only-binary=:all: "modelops-gitops[gates,github]=={modelops_gitops.__version__}"'
)  # the core alone has no gates and no GitHub client: the workflows need both extras


@pytest.mark.parametrize("name", NAMES)
def test_tool_pinned_to_the_package_version_and_installed_outside_the_checkout(name: str) -> None:
    [install] = [s for s in steps(name) if "pip install" in str(s.get("run", ""))]
    assert install["run"].splitlines() == [
        'git -C "$GITHUB_WORKSPACE" show "$LOCK_REV:.github/modelops-gitops.lock" '
        "> modelops-gitops.lock",
        "python -I -m venv modelops-venv",
        LOCKED,
        INSTALL,
    ]
    assert install["working-directory"] == "${{ runner.temp }}"
    # the lock as of the base commit for a pull request's plan; the branch itself after a merge
    base = "${{ github.event.pull_request.base.sha }}"
    assert install["env"] == {"LOCK_REV": base if name in ("plan.yml", "approvals.yml") else "HEAD"}
    for step in steps(name):
        if str(step.get("uses", "")).startswith("actions/setup-python@"):
            assert re.fullmatch(r"3\.\d+", step["with"]["python-version"])


@pytest.mark.parametrize("name", ["plan.yml", "approvals.yml"])
def test_plan_runs_with_the_pr_number_from_env(name: str) -> None:
    [step] = [s for s in steps(name) if "modelops_gitops plan" in str(s.get("run", ""))]
    assert step["env"]["PR_NUMBER"] == "${{ github.event.pull_request.number }}"
    assert step["env"]["GITHUB_TOKEN"] == "${{ secrets.GITHUB_TOKEN }}"
    assert '--pr "$PR_NUMBER" --comment --check-run' in step["run"]
    assert step["env"]["MODELOPS"] == "${{ runner.temp }}/modelops-venv/bin/python"
    checkout = steps(name)[0]
    assert checkout["with"]["persist-credentials"] is False  # nothing is pushed


def test_plan_and_approvals_share_one_concurrency_group() -> None:
    assert load("plan.yml")["concurrency"]["group"] == load("approvals.yml")["concurrency"]["group"]


def test_apply_is_serialized_and_never_cancelled() -> None:
    workflow = load("apply.yml")
    assert workflow["concurrency"] == {"group": "modelops-apply", "cancel-in-progress": False}
    assert '"$MODELOPS" -I -m modelops_gitops apply --push' in runs("apply.yml")[-1]


def test_monitor_runs_monitor() -> None:
    assert runs("monitor.yml")[-1] == '"$MODELOPS" -I -m modelops_gitops monitor'
    assert load("monitor.yml")["concurrency"]["cancel-in-progress"] is False


def test_the_project_runs_the_workflows_init_writes() -> None:
    # plus the project's own release workflow (tests/test_release_workflow.py), never scaffolded
    assert sorted(p.name for p in PROJECT_WORKFLOWS.glob("*.yml")) == sorted(
        [*NAMES, "release.yml"]
    )
    for name in NAMES:
        assert (PROJECT_WORKFLOWS / name).read_text(encoding="utf-8") == text(name), name


INVOCATION = re.compile(r'^\s*"\$MODELOPS" -I -m modelops_gitops\s+(?P<args>[^|&;]*)')
SAMPLE_VALUES = {"PR_NUMBER": "7", "BASE_SHA": "a" * 40, "HEAD_SHA": "b" * 40}


def invocations(name: str) -> list[list[str]]:
    """The arguments of every `modelops-gitops ...` line, `$VAR`s given sample values."""
    found = []
    for run in runs(name):
        for line in run.splitlines():
            if match := INVOCATION.match(line):
                args = shlex.split(match["args"])
                found.append(
                    [SAMPLE_VALUES.get(a[1:], a) if a.startswith("$") else a for a in args]
                )
    return found


@pytest.mark.parametrize("name", NAMES)
def test_every_invocation_parses_against_the_real_cli(name: str) -> None:
    command = typer.main.get_command(app)
    calls = invocations(name)
    assert calls, f"{name} runs no modelops-gitops command"
    for args in calls:
        assert not any(a.startswith("$") for a in args), f"{name}: no sample value for {args}"
        with command.make_context("modelops-gitops", list(args)) as root:
            sub_name, sub, rest = command.resolve_command(root, list(args))
            assert sub is not None
            assert sub_name is not None
            with sub.make_context(sub_name, rest, parent=root):  # raises on any bad flag
                pass


def test_the_invocation_check_catches_a_flag_that_does_not_exist() -> None:
    command = typer.main.get_command(app)
    with command.make_context("modelops-gitops", ["plan", "--pr", "7"]) as root:
        _, sub, rest = command.resolve_command(root, ["plan", "--pr", "7", "--comments"])
        assert sub is not None
        with pytest.raises(ClickException, match="No such option: --comments"):
            sub.make_context("plan", rest, parent=root)
