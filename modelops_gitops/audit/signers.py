"""Who may sign ledger commits: `spec.audit.signers` of modelops.yaml, read from the PARENT
of the commit being checked (a commit cannot add its own key), as an OpenSSH allowed-signers
file that `git verify-commit` and `ssh-keygen -Y verify` read.

    allowed_signers(signers)      -> the file's text (pure)
    SignerReads(root)             signers at a commit; why a commit's signature is refused
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from modelops_gitops import git
from modelops_gitops.errors import InputError
from modelops_gitops.git import MainlineCommit
from modelops_gitops.kinds.settings import AuditSigner, Repository
from modelops_gitops.repo.load import load_document
from modelops_gitops.repo.tree import MODELOPS_FILE


def allowed_signers(signers: Sequence[AuditSigner]) -> str:
    """One line per signer: `<principal> namespaces="git" <key>`."""
    return "".join(f'{s.principal} namespaces="git" {s.key}\n' for s in signers)


def signers_at(root: Path, commit: str) -> tuple[AuditSigner, ...] | str:
    """The signers modelops.yaml declares at `commit`, or why they cannot be read. Only that
    file is read (one `git show`, not a listing of a 300,000-file tree); a symlink there is
    read as its target's name, which is no Repository document, so it is refused."""
    try:
        data = git.show_file(root, commit, MODELOPS_FILE)
    except InputError as exc:
        return f"{MODELOPS_FILE} at {commit[:12]} is not readable ({exc.problems[0]})"
    if not data:
        return ()
    doc, problems = load_document(MODELOPS_FILE, data)
    if problems or not isinstance(doc, Repository):
        why = problems[0] if problems else "not a Repository document"
        return f"{MODELOPS_FILE} at {commit[:12]} is not readable ({why})"
    return tuple(doc.spec.audit.signers)


class SignerReads:
    """`problem(commit)`: "" when no signers are declared at the commit's first parent or
    the commit carries a good signature by one of them; else why not."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._at: dict[str, tuple[AuditSigner, ...] | str] = {}

    def signers(self, commit: str) -> tuple[AuditSigner, ...] | str:
        if commit not in self._at:
            self._at[commit] = signers_at(self.root, commit)
        return self._at[commit]

    def problem(self, commit: MainlineCommit) -> str:
        if not commit.parents:
            return ""
        declared = self.signers(commit.parents[0])
        if isinstance(declared, str):
            return f"cannot tell who may sign it: {declared}"
        if not declared:
            return ""
        with tempfile.TemporaryDirectory(prefix="modelops-signers-") as folder:
            path = Path(folder) / "allowed_signers"
            path.write_text(allowed_signers(declared), encoding="utf-8")
            why = git.verify_commit(self.root, commit.sha, path)
        if not why:
            return ""
        return f"{why}; the signers declared at its parent {commit.parents[0][:12]} must sign it"
