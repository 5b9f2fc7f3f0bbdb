"""`init DIR`: scaffold a GitOps repository; nothing is written unless all of it validates."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import typer

from modelops_gitops import git
from modelops_gitops.errors import EXIT_OK, InputError
from modelops_gitops.repo.scaffold import scaffold_files
from modelops_gitops.repo.tree import WorkTree
from modelops_gitops.repo.validate import validate_tree

_GITHUB_OWNER = re.compile(r"^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}$")  # a user or organisation
_GITHUB_REPO = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


def run(directory: Path, *, owner: str, name: str) -> int:
    for flag, value, pattern in (("--owner", owner, _GITHUB_OWNER), ("--name", name, _GITHUB_REPO)):
        if not pattern.match(value):
            raise InputError(f"{flag}: {value!r} is not a valid GitHub name")
    target = directory.resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError.at(str(directory), "exists and is not an empty directory")
    files = scaffold_files(owner=owner, name=_repo_name(name))
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".modelops-init-", dir=target.parent))
    try:
        staging.chmod(0o777 & ~_umask())  # mkdtemp makes it 0700; a new folder follows umask
        for rel, data in files.items():
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            (staging / rel).write_bytes(data)
        (staging / "models").mkdir(exist_ok=True)
        report = validate_tree(WorkTree(staging))
        if not report.ok:  # a bug in our templates, never the user's fault
            raise RuntimeError(
                "scaffold does not validate: " + "; ".join(map(str, report.problems))
            )
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if git.toplevel(target) is None:
        git.init(target, "main")
    typer.echo(f"init: created {len(files)} files in {directory}")
    for rel in sorted(files):
        typer.echo(f"  {rel}")
    typer.echo(
        "next: edit policies/teams.yaml, then `modelops-gitops validate`; anchor the ledger "
        'with a signing key: `ssh-keygen -t ed25519 -N "" -C modelops-apply -f modelops-apply`, '
        "the private key as the secret MODELOPS_GITOPS_SIGNING_KEY, the .pub line in "
        "modelops.yaml spec.audit.signers"
    )
    return EXIT_OK


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _repo_name(name: str) -> str:
    """metadata.name must be a DNS label; a GitHub repo name may hold '.' or '_'."""
    return re.sub(r"[^a-z0-9-]", "-", name.lower()).strip("-") or "models"
