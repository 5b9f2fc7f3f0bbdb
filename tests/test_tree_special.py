"""Symlinked folders (work tree) and symlinks or submodules (git) where documents live are
refused by name: never followed, never skipped in silence."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import git, make_repo, valid_files

from modelops_gitops.errors import InputError
from modelops_gitops.git.tree import GitTree
from modelops_gitops.repo.state import load_state
from modelops_gitops.repo.tree import WorkTree
from modelops_gitops.repo.validate import validate_tree


def test_a_symlinked_model_folder_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, valid_files())
    outside = tmp_path / "elsewhere"
    shutil.move(repo / "models" / "churn", outside)
    os.symlink(outside, repo / "models" / "churn")
    report = validate_tree(WorkTree(repo))
    assert [(p.file, p.message) for p in report.problems] == [
        (
            "models/churn",
            "a symlinked folder is not read: documents must be regular files in the repository",
        )
    ]


def test_a_symlinked_models_folder_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, valid_files())
    shutil.move(repo / "models", tmp_path / "models-elsewhere")
    os.symlink(tmp_path / "models-elsewhere", repo / "models")
    report = validate_tree(WorkTree(repo))
    assert [p.file for p in report.problems] == ["models"]


def test_a_symlink_committed_under_policies_is_refused_at_a_revision(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, valid_files())
    os.symlink("teams.yaml", repo / "policies" / "alias.yaml")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "symlink")
    with GitTree(repo, "HEAD") as tree, pytest.raises(InputError) as caught:
        load_state(tree)
    assert [(p.file, p.message.split(":")[0]) for p in caught.value.problems] == [
        ("policies/alias.yaml", "a symlink is not read")
    ]
