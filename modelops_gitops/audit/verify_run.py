"""`audit verify` end to end: read the audit files (work tree or a commit), run the checks
of verify.py, and compare the replayed ledger with the desired stages on the branch.

    run_verify(root, rev=None, use_cache=True) -> Verdict
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from modelops_gitops import git
from modelops_gitops.audit.desired import desired_stages, model_paths
from modelops_gitops.audit.ledger import LEDGER_PATH
from modelops_gitops.audit.provenance import introduced_by
from modelops_gitops.audit.replay import differences
from modelops_gitops.audit.verify import (
    Break,
    ChainCheck,
    check_chain,
    check_commits,
    check_drift,
    check_reports,
    named_reports,
    ordered,
)
from modelops_gitops.audit.verify_source import RevFiles, VerifyCache, WorkFiles
from modelops_gitops.digest import sha256_bytes
from modelops_gitops.errors import InputError
from modelops_gitops.git_tree import GitTree
from modelops_gitops.tree import Tree, WorkTree, model_folder
from modelops_gitops.workspace import cache_dir


@dataclass(frozen=True)
class Verdict:
    label: str  # what was verified: "the work tree" or a commit
    commit: str  # the branch commit the history checks read
    entries: int
    reports: int
    breaks: list[Break]
    notes: tuple[str, ...] = ()

    @property
    def intact(self) -> bool:
        return not self.breaks


def run_verify(root: Path, rev: str | None = None, *, use_cache: bool = True) -> Verdict:
    if git.git_dir(root) is None:
        raise InputError.at(str(root), "not a git repository")
    head = git.resolve(root, rev or "HEAD") if rev else git.head_commit(root)
    if head is None:
        raise InputError.at(str(root), "the repository has no commit yet")
    private = cache_dir(root) if use_cache else None
    cache = VerifyCache(private / "audit-verify.pickle" if private is not None else None)
    if rev is None:
        return _verify(root, head, WorkTree(root), WorkFiles(root, cache), cache)
    with GitTree(root, head, label=rev) as tree:
        return _verify(root, head, tree, RevFiles(tree, cache), cache)


def _verify(
    root: Path, head: str, tree: Tree, files: WorkFiles | RevFiles, cache: VerifyCache
) -> Verdict:
    breaks: list[Break] = []
    notes: list[str] = []
    data = files.ledger()
    if isinstance(data, str):
        message = f"{LEDGER_PATH} is a {data}, not a regular file"
        breaks.append(Break(0, "unreadable", message, path=LEDGER_PATH))
        data = b""
    elif data is None:
        breaks += _deleted_ledger(root, head)
        data = b""
    check = chain_check(data, cache)
    breaks += check.breaks
    found = files.reports()
    wanted = sorted(p for p in named_reports(check.entries) if found.get(p) == "file")
    breaks += check_reports(check.entries, found, files.digests(wanted))
    if _shallow(root):
        notes.append("shallow clone: merge commits and provenance not checked (fetch history)")
    else:
        breaks += check_commits(check.entries, _mainline(root, head))
        paths = model_paths(tree)
        desired = desired_stages(tree, root if isinstance(tree, WorkTree) else None, paths)
        owners = {name: p for p in paths if (name := model_folder(p)) is not None}
        breaks += check_drift(
            differences(check.applied, desired),
            lambda d: introduced_by(root, head, d.model, d.stage, d.desired),
            owners,
        )
    cache.save()
    return Verdict(
        label=files.label,
        commit=head,
        entries=len(check.entries),
        reports=len(found),
        breaks=ordered(breaks),
        notes=tuple(notes),
    )


def chain_check(data: bytes, cache: VerifyCache) -> ChainCheck:
    """The chain check of `data`, from the cache when these exact bytes were checked before."""
    digest = sha256_bytes(data)
    check = cache.chain_of(digest)
    if check is None:
        check = check_chain(data)
        cache.keep_chain(digest, check)
    return check


def _deleted_ledger(root: Path, head: str) -> list[Break]:
    history = git.file_log(root, LEDGER_PATH, head)
    if not history:
        return []  # never had one: nothing applied yet
    message = f"{LEDGER_PATH} is absent, but the branch had one (last change {history[0][0][:12]})"
    return [Break(0, "ledger-deleted", message, path=LEDGER_PATH)]


def _shallow(root: Path) -> bool:
    return git.run(root, "rev-parse", "--is-shallow-repository").strip() == b"true"


def _mainline(root: Path, head: str) -> set[str]:
    out = git.run(root, "rev-list", "--first-parent", "--end-of-options", head)
    return set(out.decode("ascii").split())
