"""pre-commit: the hook this project offers (.pre-commit-hooks.yaml) and its own config.

Like check-jsonschema's tests/acceptance/test_hook_file_matches.py, the `files` regex is tested
against paths that must and must not match. Then real pre-commit runs, offline: a hook with
`language: python` would make pre-commit build a virtualenv and pip-install this project (the
network), so the runs use the same hook as `repo: local` + `language: system`, the way this
project's own .pre-commit-config.yaml does, with the virtualenv's bin on PATH.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CHURN_MODEL, PROJECT_ROOT, git, make_repo, valid_files
from pre_commit.clientlib import load_config, load_manifest

from modelops_gitops.repo.tree import is_document_path

MANIFEST = PROJECT_ROOT / ".pre-commit-hooks.yaml"
CONFIG = PROJECT_ROOT / ".pre-commit-config.yaml"
HOOK_ID = "modelops-gitops-validate"
BIN = Path(sys.executable).parent

MATCH = [
    "modelops.yaml",
    "models/churn/model.yaml",
    "models/churn/model.yml",
    "models/credit-risk-2/model.yaml",
    "policies/teams.yaml",
    "policies/lifecycle.yaml",
    "policies/waiver-churn.yml",
]
NO_MATCH = [
    "modelops.yml",
    "modelops.yaml.bak",
    "xmodelops.yaml",
    "sub/modelops.yaml",
    "models/model.yaml",
    "models/churn/params.yaml",
    "models/churn/v1/model.yaml",
    "models/churn/model.yaml.orig",
    "policies/tests/production.yaml",
    "policies/README.md",
    "policies/teams.json",
    "schemas/model.json",
    ".pre-commit-config.yaml",
    ".github/workflows/plan.yml",
    "audit/ledger.jsonl",
    "data/churn/train.parquet",
]


def manifest_hooks() -> list[dict[str, Any]]:
    hooks = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    return hooks


def the_hook() -> dict[str, Any]:
    (hook,) = [h for h in manifest_hooks() if h["id"] == HOOK_ID]
    return hook


def test_manifest_is_valid_for_pre_commit() -> None:
    hooks = load_manifest(str(MANIFEST))  # pre-commit's own schema check
    assert [h["id"] for h in hooks] == [HOOK_ID]


def test_hook_ids_are_unique() -> None:
    ids = [h["id"] for h in manifest_hooks()]
    assert len(ids) == len(set(ids))


def test_the_hook_definition() -> None:
    hook = the_hook()
    assert hook["entry"] == "modelops-gitops validate"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    assert hook["require_serial"] is True  # one process sees every file: cross-checks, cache
    assert hook["name"]
    assert hook["description"]


@pytest.mark.parametrize("path", MATCH)
def test_files_regex_matches_documents(path: str) -> None:
    assert re.search(the_hook()["files"], path)
    assert is_document_path(path)  # and validate reads it


@pytest.mark.parametrize("path", NO_MATCH)
def test_files_regex_skips_everything_else(path: str) -> None:
    assert not re.search(the_hook()["files"], path)
    assert not is_document_path(path)


def local_hooks() -> dict[str, dict[str, Any]]:
    config = load_config(str(CONFIG))  # pre-commit's own schema check
    hooks: dict[str, dict[str, Any]] = {}
    for repo in config["repos"]:
        assert repo["repo"] == "local", "hooks must run offline"
        hooks.update((hook["id"], hook) for hook in repo["hooks"])
    return hooks


def test_project_config_runs_the_hook_and_ruff_locally() -> None:
    hooks = local_hooks()
    assert set(hooks) == {HOOK_ID, "ruff", "ruff-format"}
    raw = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    assert {h["language"] for r in raw["repos"] for h in r["hooks"]} == {"system"}
    mine, offered = hooks[HOOK_ID], the_hook()
    for key in ("entry", "files", "pass_filenames", "require_serial"):
        assert mine[key] == offered[key], key
    assert hooks["ruff"]["entry"].startswith("ruff check")
    assert hooks["ruff-format"]["entry"].startswith("ruff format --check")


# -- real pre-commit runs --------------------------------------------------------------------------


def hook_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
    }


def run(repo: Path, tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(argv),
        cwd=repo,
        env=hook_env(tmp_path),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def pre_commit(repo: Path, *args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return run(repo, tmp_path, str(BIN / "pre-commit"), *args)


def hook_as_local_config() -> str:
    hook = {**the_hook(), "language": "system"}
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]}, sort_keys=False)


BROKEN = CHURN_MODEL.replace("owner: ml-team", "owner: data-science")


def test_pre_commit_runs_the_offered_hook_on_the_files_it_is_given(tmp_path: Path) -> None:
    files = {**valid_files(), ".pre-commit-config.yaml": hook_as_local_config()}
    files["models/fraud/model.yaml"] = BROKEN.replace("name: churn", "name: fraud")
    repo = make_repo(tmp_path, files)

    ok = pre_commit(
        repo, "run", "--files", "models/churn/model.yaml", "README.md", tmp_path=tmp_path
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "modelops-gitops validate" in ok.stdout
    assert "Passed" in ok.stdout

    failed = pre_commit(repo, "run", "--all-files", tmp_path=tmp_path)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Failed" in failed.stdout
    assert (
        "models/fraud/model.yaml:9:3: spec.owner: unknown team 'data-science', "
        "not in policies/teams.yaml (known: governance, ml-team, model-risk, platform)"
        in failed.stdout
    )
    assert "Traceback" not in failed.stdout + failed.stderr


def test_git_commit_is_blocked_by_the_projects_own_config(tmp_path: Path) -> None:
    files = {**valid_files(), ".pre-commit-config.yaml": CONFIG.read_text(encoding="utf-8")}
    repo = make_repo(tmp_path, files)
    installed = pre_commit(repo, "install", tmp_path=tmp_path)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    (repo / "models/churn/model.yaml").write_text(BROKEN)
    git(repo, "add", "models/churn/model.yaml")
    blocked = run(repo, tmp_path, "git", "commit", "-m", "new owner")
    output = blocked.stdout + blocked.stderr  # git gives hooks its stderr for their stdout
    assert blocked.returncode != 0
    assert "models/churn/model.yaml:9:3: spec.owner: unknown team 'data-science'" in output
    assert "Traceback" not in output
    assert git(repo, "log", "--format=%s").splitlines() == ["scenario"]
