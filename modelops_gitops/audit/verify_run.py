"""`audit verify` end to end: read the audit files (work tree or a commit), run the checks
of verify.py, and compare the replayed ledger with the desired stages on the branch.

    run_verify(root, rev=None, use_cache=True) -> Verdict
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from modelops_gitops import git
from modelops_gitops.audit.artifact_check import artifact_pins, check_artifacts
from modelops_gitops.audit.desired import desired_stages, model_paths
from modelops_gitops.audit.fingerprint import fingerprint
from modelops_gitops.audit.history_run import history_breaks
from modelops_gitops.audit.ledger import LEDGER_PATH, REPORTS_DIR
from modelops_gitops.audit.provenance import introductions
from modelops_gitops.audit.replay import differences
from modelops_gitops.audit.signers import signers_at
from modelops_gitops.audit.verdict import Break, Verdict, ordered
from modelops_gitops.audit.verify import (
    REGULAR,
    ChainCheck,
    ChainSummary,
    check_chain,
    check_commits,
    check_drift,
    check_reports,
    named_reports,
    summarize,
)
from modelops_gitops.audit.verify_source import RevFiles, VerifyCache, WorkFiles, ledger_sha256
from modelops_gitops.digest import sha256_bytes
from modelops_gitops.errors import InputError
from modelops_gitops.git.tree import GitTree
from modelops_gitops.repo.state import load_state
from modelops_gitops.repo.tree import Tree, WorkTree, model_folder
from modelops_gitops.repo.workspace import cache_dir


def run_verify(
    root: Path,
    rev: str | None = None,
    *,
    use_cache: bool = True,
    reports_clean: Callable[[], bool] | None = None,
) -> Verdict:
    """`reports_clean`: git.is_clean_later of audit/reports, when the caller started it."""
    if git.git_dir(root) is None:
        raise InputError.at(str(root), "not a git repository")
    head = git.resolve(root, rev or "HEAD") if rev else git.head_commit(root)
    if head is None:
        raise InputError.at(str(root), "the repository has no commit yet")
    private = cache_dir(root) if use_cache else None
    cache = VerifyCache(private)
    if rev is None:
        clean = reports_clean or git.is_clean_later(root, REPORTS_DIR)  # overlaps the checks
        try:
            return _verify(root, head, WorkTree(root), WorkFiles(root, cache, clean), cache)
        finally:
            with contextlib.suppress(InputError):
                clean()  # git is waited for even when a check stopped early
    with GitTree(root, head, label=rev) as tree:
        return _verify(root, head, tree, RevFiles(tree, cache), cache)


def _verify(
    root: Path, head: str, tree_of_models: Tree, files: WorkFiles | RevFiles, cache: VerifyCache
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
    digest = (
        ledger_sha256(root, data, cache) if isinstance(files, WorkFiles) else sha256_bytes(data)
    )
    summary = ledger_summary(data, digest, cache)
    breaks += summary.breaks
    heavy = _Heavy(data, digest, cache)
    artifact_breaks, artifacts = _artifacts(tree_of_models, files, summary, digest, cache)
    breaks += artifact_breaks
    if git.is_shallow(root):
        notes.append("shallow clone: merge commits and provenance not checked (fetch history)")
    else:
        breaks += history_breaks(root, head, cache)
        notes.append(_anchor_note(root, head))
        mainline = _mainline(root, head)
        if summary.merge_commits - mainline:
            breaks += check_commits(heavy.check().entries, mainline)
        paths = model_paths(tree_of_models)
        # A work tree is cached by stat signature, a commit's files by blob id; no cache
        # folder (--no-cache) parses everything.
        desired = desired_stages(tree_of_models, root if cache.folder is not None else None, paths)
        owners = {name: p for p in paths if (name := model_folder(p)) is not None}
        diffs = differences(summary.applied, desired)
        intro_of = introductions(git.LocalHistory(root), head, diffs, cache=cache.folder)
        breaks += check_drift(diffs, intro_of, owners)
    # last: in a work tree, git has been checking audit/reports/ beside the checks above
    report_breaks, reports = _reports(files, heavy, cache)
    cache.save()
    return Verdict(
        label=files.label,
        commit=head,
        entries=summary.entries,
        reports=reports,
        breaks=ordered([*breaks, *report_breaks]),
        notes=tuple(notes),
        inputs=tuple(artifacts) if isinstance(files, WorkFiles) else (),
    )


def _reports(
    files: WorkFiles | RevFiles, heavy: _Heavy, cache: VerifyCache
) -> tuple[list[Break], int]:
    """The reports the ledger names against audit/reports/ (breaks, files found); kept per
    (ledger digest, tree id) while the work tree holds exactly HEAD's audit/reports/."""
    tree = files.reports_tree()
    reported = cache.reports_of((heavy.digest, tree)) if tree is not None else None
    if reported is None:
        entries = heavy.check().entries
        found = files.reports()
        wanted = sorted(p for p in named_reports(entries) if found.get(p) == REGULAR)
        reported = (check_reports(entries, found, files.digests(wanted)), len(found))
        if tree is not None:
            cache.keep_reports((heavy.digest, tree), reported)
    return reported


def _artifacts(
    tree: Tree, files: WorkFiles | RevFiles, summary: ChainSummary, ledger: str, cache: VerifyCache
) -> tuple[list[Break], list[str]]:
    """The sha256 of the artifact of every version holding a stage (digests cached; the pins
    kept per fingerprint of the ledger and the model files, so a warm run parses none); with
    the paths of the artifacts."""
    if not summary.applied:
        return [], []
    key = fingerprint(tree, model_paths(tree, sorted(summary.applied)), ledger)
    pins = cache.memo("artifact-pins", key)
    if pins is None:
        try:
            state = load_state(tree, models=sorted(summary.applied))
        except InputError:
            return [], []  # unreadable model files: the drift checks and validate say why
        pins = artifact_pins(state, summary.applied)
        cache.keep_memo("artifact-pins", key, pins)
    paths = sorted({p.path for p in pins})
    checked = fingerprint(tree, paths, key) if key is not None else None
    kept = cache.memo("artifact-breaks", checked)
    if isinstance(kept, list):
        return kept, paths  # the same pins, the same files (stat signatures or blob ids)
    kinds = files.kinds(paths)
    digests = files.digests(sorted(p for p, kind in kinds.items() if kind == REGULAR))
    breaks = check_artifacts(pins, kinds, digests)
    cache.keep_memo("artifact-breaks", checked, breaks)
    return breaks, paths


def ledger_summary(data: bytes, digest: str, cache: VerifyCache) -> ChainSummary:
    """The chain check of the ledger `data` (sha256 `digest`), summarized; from the cache
    when these exact bytes were checked before."""
    found = cache.summary(digest)
    return found if found is not None else summarize(_Heavy(data, digest, cache).check())


class _Heavy:
    """The full chain check, computed or read from the cache only when a check needs it."""

    def __init__(self, data: bytes, digest: str, cache: VerifyCache) -> None:
        self.data, self.digest, self.cache = data, digest, cache
        self._check: ChainCheck | None = None

    def check(self) -> ChainCheck:
        if self._check is None:
            self._check = self.cache.chain(self.digest)
        if self._check is None:
            self._check = check_chain(self.data)
            self.cache.keep_chain(self.digest, self._check)
        return self._check


def _deleted_ledger(root: Path, head: str) -> list[Break]:
    history = git.file_log(root, LEDGER_PATH, head)
    if not history:
        return []  # never had one: nothing applied yet
    message = f"{LEDGER_PATH} is absent, but the branch had one (last change {history[0][0][:12]})"
    return [Break(0, "ledger-deleted", message, path=LEDGER_PATH)]


def _mainline(root: Path, head: str) -> set[str]:
    return set(git.first_parent(root, head))


def _anchor_note(root: Path, head: str) -> str:
    declared = signers_at(root, head)
    if isinstance(declared, str) or not declared:
        return (
            "not anchored: modelops.yaml declares no spec.audit.signers, so the ledger is "
            "tamper-evident only (anyone with write access could rewrite it consistently); "
            "declare signers and keep checkpoints (docs/security.md)"
        )
    return (
        f"anchored: every commit that changes audit/ or deploy/ is checked for a good SSH "
        f"signature by the signers declared at its parent ({len(declared)} declared at HEAD)"
    )
