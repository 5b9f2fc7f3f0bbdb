"""Edge: where the repository is, and where the tool may keep private state (its cache)."""

from __future__ import annotations

from pathlib import Path

from modelops_gitops import git
from modelops_gitops.errors import InputError


def resolve_repo(repo: Path | None) -> Path:
    """`--repo DIR` when given, else the git top-level of the current directory (or the
    current directory outside git)."""
    if repo is not None:
        if not repo.is_dir():
            raise InputError.at(str(repo), "--repo: not a directory")
        return repo.resolve()
    cwd = Path.cwd()
    return git.toplevel(cwd) or cwd


def cache_dir(root: Path) -> Path | None:
    """<git-dir>/modelops-gitops: private to this clone, never committed, never in the tree."""
    found = git.git_dir(root)
    return found / "modelops-gitops" if found is not None else None
