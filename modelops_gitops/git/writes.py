"""What goes into the repository and out to its remote: commits and annotated tags made as a
named identity, fetching a branch, pushing atomically."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from modelops_gitops.errors import InputError
from modelops_gitops.git.process import attempt, run
from modelops_gitops.git.refs import resolve, validate_ref
from modelops_gitops.git.signing import ssh_config


@dataclass(frozen=True)
class Identity:
    """Who a commit or tag is made by (author, committer and tagger)."""

    name: str
    email: str

    def env(self, date: str | None = None) -> dict[str, str]:
        env = {
            "GIT_AUTHOR_NAME": self.name,
            "GIT_AUTHOR_EMAIL": self.email,
            "GIT_COMMITTER_NAME": self.name,
            "GIT_COMMITTER_EMAIL": self.email,
        }
        return env | ({"GIT_COMMITTER_DATE": date} if date else {})


def commit(root: Path, message: str, identity: Identity, *, sign_key: Path | None = None) -> str:
    """Commit what is staged as `identity`, without hooks (signed with the SSH private key
    file `sign_key` when given); the new commit's sha."""
    signing = (*ssh_config(sign_key), "commit", "--gpg-sign") if sign_key else ("commit",)
    args = (*signing, "--quiet", "--no-verify", "--file=-")
    run(root, *args, input_bytes=message.encode(), env=identity.env())
    return resolve(root, "HEAD")


def tag(root: Path, name: str, target: str, message: str, identity: Identity, date: str) -> None:
    """An annotated tag `name` on `target`, made by `identity` at `date`."""
    args = ("tag", "--annotate", "--file=-", "--end-of-options", validate_ref(name), target)
    run(root, *args, input_bytes=message.encode(), env=identity.env(date))


@dataclass(frozen=True)
class Remote:
    name: str
    branch: str

    @property
    def tracking(self) -> str:
        return f"refs/remotes/{self.name}/{self.branch}"


class PushRejected(Exception):
    """The remote branch moved: fetch, recompute, retry."""


def remote_exists(root: Path, name: str) -> bool:
    return attempt(root, "remote", "get-url", "--end-of-options", name).returncode == 0


def fetch(root: Path, remote: Remote) -> str | None:
    """Update the remote-tracking branch; its sha (None: the branch is not on the remote)."""
    spec = f"+refs/heads/{remote.branch}:{remote.tracking}"
    proc = attempt(root, "fetch", "--quiet", "--no-tags", "--end-of-options", remote.name, spec)
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace")
        if "couldn't find remote ref" in message:
            return None
        raise InputError(f"git fetch {remote.name}: {message.strip().splitlines()[-1:]}")
    return resolve(root, remote.tracking)


_REJECTED = (
    "[rejected]",
    "fetch first",
    "non-fast-forward",
    "stale info",
    "cannot lock ref",
    "atomic push failed",
)


def push(root: Path, remote: Remote, refs: list[str]) -> None:
    """Push HEAD to the remote branch, and `refs` (tags) with it, atomically. PushRejected
    when the branch moved."""
    specs = [f"HEAD:refs/heads/{remote.branch}", *refs]
    args = ("push", "--quiet", "--atomic", "--porcelain", "--end-of-options", remote.name)
    proc = attempt(root, *args, *specs)
    if proc.returncode == 0:
        return
    text = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    if any(word in text for word in _REJECTED):
        raise PushRejected(text.strip())
    raise InputError(f"git push {remote.name}: {text.strip().splitlines()[-1:] or 'failed'}")
