"""The git side of `apply` -- where it may run, cleaning up after a crash, the one
commit, and pushing it.

Only audit/ and deploy/ are apply's: leftovers there of an interrupted run (files written
before the commit) are discarded; anything else dirty is the user's and stops apply. A
symlink or other non-regular file under those folders, committed or in the work tree, is
refused: apply never writes through one.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from modelops_gitops import git
from modelops_gitops.audit.history_walk import OWNED as OWNED
from modelops_gitops.audit.history_walk import owned as owned
from modelops_gitops.errors import ConflictError, InputError

BOT = git.Identity("modelops-gitops", "modelops-gitops@users.noreply.github.com")
COMMIT_PREFIX = "modelops-gitops apply:"


def check_branch(root: Path, default_branch: str) -> None:
    branch = git.current_branch(root)
    if branch != default_branch:
        where = f"on branch {branch!r}" if branch else "HEAD is detached"
        raise InputError(
            f"apply runs on the default branch {default_branch!r} (modelops.yaml "
            f"spec.default_branch); {where}: git switch {default_branch}"
        )


def check_special(root: Path, tree: git.GitTree) -> None:
    """No symlink, submodule or other non-regular file under audit/ or deploy/."""
    bad = [f"{p} (committed, git mode {m})" for p, m in tree.special_paths().items() if owned(p)]
    for top in OWNED:
        bad += _special_on_disk(root, top)
    if bad:
        raise InputError(
            "apply writes audit/ and deploy/ and never through a link: remove "
            + ", ".join(sorted(bad))
        )


def _special_on_disk(root: Path, top: str) -> list[str]:
    found: list[str] = []
    stack = [top]
    while stack:
        rel = stack.pop()
        try:
            info = os.lstat(root / rel)
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(info.st_mode):
            stack += [f"{rel}/{name}" for name in os.listdir(root / rel)]
        elif not stat.S_ISREG(info.st_mode):
            kind = "symlink" if stat.S_ISLNK(info.st_mode) else "not a regular file"
            found.append(f"{rel} ({kind})")
    return found


def discard_leftovers(root: Path, tree: git.GitTree) -> list[str]:
    """Restore audit/ and deploy/ to HEAD; anything else dirty is bad input. The paths
    discarded."""
    dirty = git.dirty_paths(root)
    foreign = [p for p in dirty if not owned(p)]
    if foreign:
        shown = ", ".join(foreign[:20]) + (
            f" and {len(foreign) - 20} more" if len(foreign) > 20 else ""
        )
        raise InputError(
            f"the work tree has changes apply would not commit: {shown}; commit or stash them"
        )
    if not dirty:
        return []
    git.restore(root, dirty, [p for p in dirty if tree.exists(p)])
    for path in dirty:
        if not tree.exists(path):
            (root / path).unlink(missing_ok=True)
    return dirty


def commit(root: Path, paths: list[str], message: str, sign_key: Path | None = None) -> str:
    """Stage exactly `paths` (written or removed) and commit them as the bot, without hooks,
    signed with the SSH key file `sign_key` when given. The new commit's sha."""
    git.stage(root, paths)
    return git.commit(root, message, BOT, sign_key=sign_key)


# --- the remote -------------------------------------------------------------------------


def check_remote(root: Path, remote: git.Remote) -> None:
    if not git.remote_exists(root, remote.name):
        raise InputError(f"--remote: no remote named {remote.name!r} in {root}")


def local_only(root: Path, remote: git.Remote) -> list[tuple[str, str]]:
    """(sha, subject) of the commits on HEAD that the remote branch does not have."""
    return git.commits_missing_from(root, remote.tracking)


def reset_to_remote(root: Path, remote: git.Remote) -> None:
    """Move the branch to the remote tip. Only apply's own unpushed commits may be dropped
    (they are recomputed); any other local commit stops apply."""
    theirs = [
        (sha, subject)
        for sha, subject in local_only(root, remote)
        if not subject.startswith(COMMIT_PREFIX)
    ]
    if theirs:
        raise ConflictError(
            f"{remote.branch} has local commits that are not on {remote.name} "
            f"({', '.join(sha[:12] for sha, _ in theirs)}); push or drop them before apply --push"
        )
    git.reset_hard(root, remote.tracking)
