"""Edge: where the repository is, and where the tool may keep private state (its cache)."""

from __future__ import annotations

from pathlib import Path

from modelops_gitops import git
from modelops_gitops.errors import InputError
from modelops_gitops.repo.tree import MODELOPS_FILE


def resolve_repo(repo: Path | None, *, governed: bool = True) -> Path:
    """`--repo DIR` when given, else the git top-level of the current directory (or the
    current directory outside git). `governed`: the work tree must be a modelops-gitops
    repository (hold modelops.yaml), else bad input -- a command run in the wrong folder says
    so instead of reporting "0/0 in sync". Commands that read git revisions or plain files
    (plan, audit verify, gate drift on two files) pass False."""
    if repo is not None:
        if not repo.is_dir():
            raise InputError.at(str(repo), "--repo: not a directory")
        root = repo.resolve()
    else:
        cwd = Path.cwd()
        root = git.toplevel(cwd) or cwd
    if governed and not (root / MODELOPS_FILE).is_file():
        raise InputError.at(
            str(root),
            f"not a modelops-gitops repository: no {MODELOPS_FILE} here; run this inside one "
            "(or pass --repo DIR), or create one with `modelops-gitops init DIR`",
        )
    return root


def cache_dir(root: Path) -> Path | None:
    """<git-dir>/modelops-gitops: private to this clone, never committed, never in the tree."""
    found = git.git_dir(root)
    return found / "modelops-gitops" if found is not None else None
