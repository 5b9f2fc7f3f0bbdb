"""Proposal branches: a commit that changes one file, made beside the work tree (a private
index, no checkout), a local branch pointing at it, and that branch pushed to a remote.

`monitor` proposes a rollback this way in whatever checkout it runs in (CI's, a user's)
without touching the files or the index there.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from modelops_gitops.errors import InputError
from modelops_gitops.git.process import attempt, run
from modelops_gitops.git.refs import validate_ref
from modelops_gitops.git.tree import validate_path
from modelops_gitops.git.writes import Identity


def commit_file(
    root: Path,
    parent: str,
    path: str,
    data: bytes,
    message: str,
    identity: Identity,
    *,
    date: str | None = None,
) -> str:
    """A commit whose tree is `parent`'s with `path` (a regular file) holding `data`; made
    through a temporary index, so the work tree and the real index stay as they are."""
    validate_path(path)
    with tempfile.TemporaryDirectory(prefix="modelops-index-") as tmp:
        index = {"GIT_INDEX_FILE": str(Path(tmp, "index").resolve())}
        run(root, "read-tree", "--end-of-options", parent, env=index)
        blob = run(root, "hash-object", "-w", "--stdin", input_bytes=data).decode().strip()
        run(root, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=index)
        tree = run(root, "write-tree", env=index).decode().strip()
    env = identity.env(date) | ({"GIT_AUTHOR_DATE": date} if date else {})
    args = ("commit-tree", "-p", parent, "-F", "-", "--end-of-options", tree)
    return run(root, *args, input_bytes=message.encode(), env=env).decode().strip()


def branch_commit(root: Path, branch: str) -> str | None:
    """The commit `refs/heads/<branch>` points at, or None."""
    ref = f"refs/heads/{validate_ref(branch)}"
    proc = attempt(
        root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"
    )
    return proc.stdout.decode().strip() if proc.returncode == 0 else None


def set_branch(root: Path, branch: str, sha: str) -> None:
    run(root, "update-ref", "--end-of-options", f"refs/heads/{validate_ref(branch)}", sha)


def push_branch(root: Path, remote: str, branch: str, sha: str) -> None:
    """Point the remote's `branch` at `sha`, replacing what it held: the branch belongs to
    the tool (its own proposal), never a person's."""
    spec = f"+{sha}:refs/heads/{validate_ref(branch)}"
    proc = attempt(root, "push", "--quiet", "--porcelain", "--end-of-options", remote, spec)
    if proc.returncode != 0:
        text = (proc.stdout + proc.stderr).decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"git push {remote} {branch}: {text[-1] if text else 'failed'}")
