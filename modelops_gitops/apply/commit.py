"""Edge: the git side of `apply` -- where it may run, cleaning up after a crash, the one
commit, and pushing it.

Only audit/ and deploy/ are apply's: leftovers there of an interrupted run (files written
before the commit) are discarded; anything else dirty is the user's and stops apply. A
symlink or other non-regular file under those folders, committed or in the work tree, is
refused: apply never writes through one.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from modelops_gitops import git
from modelops_gitops.apply.targets import DEPLOY_DIR
from modelops_gitops.errors import ConflictError, InputError
from modelops_gitops.git.tree import GitTree

AUDIT_DIR = "audit"
OWNED = (AUDIT_DIR, DEPLOY_DIR)
BOT_NAME = "modelops-gitops"
BOT_EMAIL = "modelops-gitops@users.noreply.github.com"
COMMIT_PREFIX = "modelops-gitops apply:"


def owned(path: str) -> bool:
    return path.split("/", 1)[0] in OWNED


def current_branch(root: Path) -> str:
    proc = git.attempt(root, "symbolic-ref", "--quiet", "--short", "HEAD", env=bot_env())
    return proc.stdout.decode().strip() if proc.returncode == 0 else ""


def check_branch(root: Path, default_branch: str) -> None:
    branch = current_branch(root)
    if branch != default_branch:
        where = f"on branch {branch!r}" if branch else "HEAD is detached"
        raise InputError(
            f"apply runs on the default branch {default_branch!r} (modelops.yaml "
            f"spec.default_branch); {where}: git switch {default_branch}"
        )


def check_special(root: Path, tree: GitTree) -> None:
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


def dirty_paths(root: Path) -> list[str]:
    """Every path `git status` reports (staged, modified, deleted, untracked)."""
    out = git.run(root, "status", "--porcelain=v1", "-z", "--untracked-files=all")
    paths: list[str] = []
    records = out.split(b"\0")
    i = 0
    while i < len(records):
        record = records[i]
        i += 1
        if len(record) < 4:
            continue
        paths.append(git.decode_path(record[3:]))
        if record[:1] in (b"R", b"C"):  # a rename's source follows as the next record
            paths.append(git.decode_path(records[i]))
            i += 1
    return sorted(set(paths))


def discard_leftovers(root: Path, tree: GitTree) -> list[str]:
    """Restore audit/ and deploy/ to HEAD; anything else dirty is bad input. The paths
    discarded."""
    dirty = dirty_paths(root)
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
    git.run(root, "reset", "--quiet", "HEAD", "--", *dirty)
    committed = [p for p in dirty if tree.exists(p)]
    if committed:
        git.run(root, "checkout", "HEAD", "--", *committed)
    for path in dirty:
        if not tree.exists(path):
            (root / path).unlink(missing_ok=True)
    return dirty


def bot_env() -> dict[str, str]:
    """The bot's identity, laid over git's cleaned environment by `git.attempt`."""
    return {
        "GIT_AUTHOR_NAME": BOT_NAME,
        "GIT_AUTHOR_EMAIL": BOT_EMAIL,
        "GIT_COMMITTER_NAME": BOT_NAME,
        "GIT_COMMITTER_EMAIL": BOT_EMAIL,
    }


def run_as_bot(
    root: Path, *args: str, input_bytes: bytes | None = None, date: str | None = None
) -> bytes:
    """git as the modelops-gitops bot (author, committer and tagger; at `date` when given),
    failing as InputError."""
    env = bot_env() | ({"GIT_COMMITTER_DATE": date} if date else {})
    return git.run(root, *args, input_bytes=input_bytes, env=env)


def commit(root: Path, paths: list[str], message: str) -> str:
    """`git add` exactly `paths` (written or removed) and commit them as the bot, without
    hooks. The new commit's sha."""
    git.run(root, "add", "--all", "--force", "--", *paths)
    run_as_bot(root, "commit", "--quiet", "--no-verify", "--file=-", input_bytes=message.encode())
    return git.resolve(root, "HEAD")


# --- the remote -------------------------------------------------------------------------


@dataclass(frozen=True)
class Remote:
    name: str
    branch: str

    @property
    def tracking(self) -> str:
        return f"refs/remotes/{self.name}/{self.branch}"


class PushRejected(Exception):
    """The remote branch moved: fetch, recompute, retry."""


def check_remote(root: Path, remote: Remote) -> None:
    proc = git.attempt(root, "remote", "get-url", "--end-of-options", remote.name)
    if proc.returncode != 0:
        raise InputError(f"--remote: no remote named {remote.name!r} in {root}")


def fetch(root: Path, remote: Remote) -> str | None:
    """Update the remote-tracking branch; its sha (None: the branch is not on the remote)."""
    spec = f"+refs/heads/{remote.branch}:{remote.tracking}"
    proc = git.attempt(
        root, "fetch", "--quiet", "--no-tags", "--end-of-options", remote.name, spec, env=bot_env()
    )
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace")
        if "couldn't find remote ref" in message:
            return None
        raise InputError(f"git fetch {remote.name}: {message.strip().splitlines()[-1:]}")
    return git.resolve(root, remote.tracking)


def local_only(root: Path, remote: Remote) -> list[tuple[str, str]]:
    """(sha, subject) of the commits on HEAD that the remote branch does not have."""
    args = ["log", "--format=%H %s", "HEAD", f"^{remote.tracking}", "--"]
    out = git.run(root, *args)
    return [tuple(line.split(" ", 1)) for line in out.decode().splitlines()]  # type: ignore[misc]


def reset_to_remote(root: Path, remote: Remote) -> None:
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
    git.run(root, "reset", "--quiet", "--hard", remote.tracking)


def push(root: Path, remote: Remote, refs: list[str]) -> None:
    """Push HEAD to the remote branch, and `refs` (tags) with it, atomically. PushRejected
    when the branch moved."""
    specs = [f"HEAD:refs/heads/{remote.branch}", *refs]
    proc = git.attempt(
        root,
        "push",
        "--quiet",
        "--atomic",
        "--porcelain",
        "--end-of-options",
        remote.name,
        *specs,
        env=bot_env(),
    )
    if proc.returncode == 0:
        return
    text = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    if any(
        word in text
        for word in (
            "[rejected]",
            "fetch first",
            "non-fast-forward",
            "stale info",
            "cannot lock ref",
            "atomic push failed",
        )
    ):
        raise PushRejected(text.strip())
    raise InputError(f"git push {remote.name}: {text.strip().splitlines()[-1:] or 'failed'}")
