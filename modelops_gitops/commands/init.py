"""`init DIR`: scaffold a GitOps repository; nothing is written unless all of it validates."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import typer

from modelops_gitops import __version__, git
from modelops_gitops.errors import EXIT_OK, InputError
from modelops_gitops.repo.install_source import parse_source
from modelops_gitops.repo.scaffold import scaffold_files
from modelops_gitops.repo.tree import WorkTree
from modelops_gitops.repo.validate import validate_tree

_GITHUB_OWNER = re.compile(r"^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}$")  # a user or organisation
_YOURS_IF_PRESENT = frozenset({"README.md", ".gitignore"})  # --existing keeps the user's
_GITHUB_REPO = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


def run(
    directory: Path, *, owner: str, name: str, existing: bool = False, install_from: str = "index"
) -> int:
    for flag, value, pattern in (("--owner", owner, _GITHUB_OWNER), ("--name", name, _GITHUB_REPO)):
        if not pattern.match(value):
            raise InputError(f"{flag}: {value!r} is not a valid GitHub name")
    target = directory.resolve()
    wheel = _wheel_bytes(install_from)
    source = parse_source(install_from, __version__, wheel)
    files = scaffold_files(owner=owner, name=_repo_name(name), install=source, wheel=wheel)
    if existing:
        return _into_existing(directory, target, files)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError.at(
            str(directory),
            "exists and is not an empty directory (to add the scaffold to an existing "
            "repository, pass --existing)",
        )
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
    _report(directory, files)
    return EXIT_OK


def _into_existing(directory: Path, target: Path, files: dict[str, bytes]) -> int:
    """Add the scaffold to a repository that already holds other files (a README, code): every
    scaffold file must be new there (nothing is overwritten); all are written, or none."""
    if not target.is_dir():
        raise InputError.at(str(directory), "--existing: not a directory")
    present = {rel for rel in files if (target / rel).exists() or (target / rel).is_symlink()}
    kept = sorted(present & _YOURS_IF_PRESENT)
    files = {rel: data for rel, data in files.items() if rel not in kept}
    clashes = sorted(present - _YOURS_IF_PRESENT)
    if clashes:
        raise InputError.at(
            str(directory),
            f"--existing: these files exist already and init never overwrites: {', '.join(clashes)}",
        )
    staging = Path(tempfile.mkdtemp(prefix=".modelops-init-", dir=target))
    written: list[Path] = []
    try:
        for rel, data in files.items():
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            (staging / rel).write_bytes(data)
        report = validate_tree(WorkTree(staging))
        if not report.ok:
            raise RuntimeError(
                "scaffold does not validate: " + "; ".join(map(str, report.problems))
            )
        for rel in sorted(files):
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / rel, target / rel)
            written.append(target / rel)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    (target / "models").mkdir(exist_ok=True)
    if git.toplevel(target) is None:
        git.init(target, "main")
    _report(directory, files)
    for rel in kept:
        typer.echo(f"kept your {rel} (init's version is not written)")
    return EXIT_OK


def _report(directory: Path, files: dict[str, bytes]) -> None:
    typer.echo(f"init: created {len(files)} files in {directory}")
    for rel in sorted(files):
        typer.echo(f"  {rel}")
    typer.echo(
        "\nnext steps:\n"
        f"  cd {directory}\n"
        "  1. put your people in policies/teams.yaml (GitHub logins), then: modelops-gitops validate\n"
        "  2. pre-commit install          # validate runs before every commit\n"
        "  3. modelops-gitops register MODEL --version 1.0.0 --artifact F --eval-data F "
        "--train-data F --owner TEAM --task TASK --target COLUMN\n"
        "  4. commit on a branch and open a pull request; its plan says what it still needs\n"
        "     (approvals, gates); after the merge, `modelops-gitops apply` records it\n"
        "  5. anchor the ledger with a signing key: "
        '`ssh-keygen -t ed25519 -N "" -C modelops-apply -f modelops-apply`; the private key '
        "as the secret MODELOPS_GITOPS_SIGNING_KEY, the .pub line in modelops.yaml "
        "spec.audit.signers"
    )


def _wheel_bytes(install_from: str) -> bytes | None:
    """The local wheel's bytes when --install-from names one (checked by parse_source)."""
    if not install_from.endswith(".whl") or "://" in install_from:
        return None
    path = Path(install_from)
    return path.read_bytes() if path.is_file() else None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _repo_name(name: str) -> str:
    """metadata.name must be a DNS label; a GitHub repo name may hold '.' or '_'."""
    return re.sub(r"[^a-z0-9-]", "-", name.lower()).strip("-") or "models"
