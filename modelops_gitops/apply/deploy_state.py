"""deploy/ reconciled with the ledger: what the deploy targets would write for the entries
that last set each (model, stage), compared with the files that are there.

    expected(entries, state, targets) -> path -> bytes (must be exactly that) | None (absent)
    drifts(expected, found)           -> every file that differs, is missing or should not be
    deploy_breaks(root, rev)          -> the drifts as `audit verify` breaks (deploy-drift)

Pure apart from deploy_breaks, which reads the ledger, the models and deploy/ (the work tree,
or the tree of `rev`). Links under deploy/ are apply's to refuse (commit.check_special).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from modelops_gitops import git
from modelops_gitops.apply.targets import (
    DEPLOY_DIR,
    DeployTarget,
    TargetSettingsError,
    configured,
)
from modelops_gitops.audit.fingerprint import files_under, fingerprint
from modelops_gitops.audit.ledger import LEDGER_PATH, REPAIRED, LedgerEntry, read_lines
from modelops_gitops.audit.verdict import Break
from modelops_gitops.audit.verify_source import VerifyCache, kept_ledger_sha256, ledger_sha256
from modelops_gitops.digest import sha256_bytes
from modelops_gitops.errors import InputError
from modelops_gitops.repo.state import RepoState, load_state
from modelops_gitops.repo.tree import MODELOPS_FILE, Tree, WorkTree


@dataclass(frozen=True)
class Drift:
    path: str
    expected: bytes | None  # None: the file should not exist
    found: bytes | None  # None: the file is missing
    entry: LedgerEntry | None  # the entry that implies the file (None: no entry does)

    def where(self) -> tuple[str, str] | None:
        """(model, stage) the file belongs to: its entry's, or deploy/<stage>/<model>.json,
        or deploy/kserve/<stage>/<model>.yaml."""
        if self.entry is not None:
            return self.entry.change.model, self.entry.change.stage
        parts = self.path.split("/")
        if len(parts) == 3 and parts[2].endswith(".json") and len(parts[2]) > 5:
            return parts[2].removesuffix(".json"), parts[1]
        if len(parts) == 4 and parts[1] == "kserve" and parts[3].endswith(".yaml"):
            return parts[3].removesuffix(".yaml"), parts[2]  # deploy/kserve/<stage>/<model>.yaml
        return None

    def message(self) -> str:
        why = f"ledger seq {self.entry.seq}" if self.entry else "no ledger entry"
        if self.found is None:
            return f"{self.path} is missing; {why} says it holds {_version(self.expected)}"
        if self.expected is None:
            if self.entry is None:
                return f"{self.path} is not written by any ledger entry"
            return f"{self.path} exists, but {why} removed that stage"
        return (
            f"{self.path} names {_version(self.found)}, but {why} says "
            f"{_version(self.expected)} (sha256 {sha256_bytes(self.found)[:12]}, expected "
            f"{sha256_bytes(self.expected)[:12]})"
        )


def _version(data: bytes | None) -> str:
    try:
        value = json.loads(data or b"")
    except ValueError:
        return "something unreadable"
    version = value.get("version") if isinstance(value, dict) else None
    return f"version {version}" if isinstance(version, str) else "other content"


def found_version(data: bytes | None) -> str | None:
    text = _version(data)
    return text.removeprefix("version ") if text.startswith("version ") else None


class Expected(dict[str, tuple[bytes | None, LedgerEntry]]):
    """path -> (bytes, or None for absent; the entry behind it); `unchecked`: the (model,
    stage) whose files no target could compute (a version no longer registered at HEAD):
    their files are left alone, never reported or removed."""

    unchecked: set[tuple[str, str]]


def expected(
    entries: Sequence[LedgerEntry], state: RepoState, targets: Sequence[DeployTarget]
) -> Expected:
    """What deploy/ must hold, from the last entry of each (model, stage)."""
    latest: dict[tuple[str, str], LedgerEntry] = {}
    for entry in entries:
        if entry.change.kind != REPAIRED:
            latest[(entry.change.model, entry.change.stage)] = entry
    out = Expected()
    out.unchecked = set()
    for entry in sorted(latest.values(), key=lambda e: e.seq):
        for target in targets:
            try:
                files = target.files(entry, state.models.get(entry.change.model))
            except TargetSettingsError:
                raise
            except InputError:
                out.unchecked.add((entry.change.model, entry.change.stage))
                continue
            for file in files:
                out[file.path] = (file.data, entry)
    return out


def drifts(wanted: Expected, found: Mapping[str, bytes]) -> list[Drift]:
    out = []
    for path in sorted(set(wanted) | set(found)):
        data, entry = wanted.get(path, (None, None))
        have = found.get(path)
        drift = Drift(path, data, have, entry)
        if data != have and (entry is not None or drift.where() not in wanted.unchecked):
            out.append(drift)
    return out


def deploy_files_on_disk(root: Path) -> dict[str, bytes]:
    """Every regular file under deploy/ in the work tree (links are not followed)."""
    found: dict[str, bytes] = {}
    stack = [DEPLOY_DIR]
    while stack:
        rel = stack.pop()
        full = root / rel
        if full.is_symlink():
            continue
        if full.is_dir():
            stack += [f"{rel}/{name}" for name in sorted(os.listdir(full))]
        elif full.is_file():
            found[rel] = full.read_bytes()
    return found


def deploy_files_in(tree: git.GitTree) -> dict[str, bytes]:
    paths = [p for p in tree.paths() if p.startswith(f"{DEPLOY_DIR}/")]
    return tree.read_many(paths) if paths else {}


def drifts_in(
    tree: Tree,
    found: Callable[[], Mapping[str, bytes]],
    deploy: Sequence[str],
    ledger: Callable[[], bytes],
    cache: VerifyCache | None = None,
    ledger_digest: str | None = None,
) -> list[Drift]:
    """deploy/ (`found()` reads the files at `deploy`, their paths) against the ledger
    (`ledger()` reads its bytes; `ledger_digest`, when known, is their sha256). With `cache`,
    the result is kept per fingerprint of its inputs (the ledger's digest; the model files,
    modelops.yaml and deploy/ files by stat signature or blob id), so a warm run reads
    neither the ledger, the models nor deploy/. A ledger with no line (a freshly adopted
    repository) implies no deploy file: nothing is listed or read."""
    data = ledger() if ledger_digest is None else None
    if data is not None and not data.strip():
        return []
    key = None
    if cache is not None:
        digest = ledger_digest or sha256_bytes(data or b"")
        models = (
            files_under(tree.root, "models")
            if isinstance(tree, WorkTree)
            else [p for p in tree.paths() if p.startswith("models/")]
        )
        key = fingerprint(tree, [*models, MODELOPS_FILE, *deploy], digest)
        kept = cache.memo("deploy", key)
        if isinstance(kept, list):
            return kept
    if data is None:
        data = ledger()
        if not data.strip():
            return []
        if sha256_bytes(data) != ledger_digest:
            key = None  # changed since its digest was taken: answer, keep nothing
    entries = [line.entry for line in read_lines(data) if line.entry is not None]
    result: list[Drift] = []
    if entries:
        state = load_state(tree)
        result = drifts(expected(entries, state, configured(state)), found())
    if cache is not None and key is not None:
        cache.keep_memo("deploy", key, result)
    return result


def work_tree_drifts(root: Path, cache: VerifyCache | None = None) -> list[Drift]:
    """deploy/ against the work tree's ledger. Warm, with the ledger's digest kept for its
    stat signature and the result kept for the inputs' fingerprint, the ledger is not read."""
    path = root / LEDGER_PATH
    if not path.is_file():
        return []  # no ledger line: no deploy file implied
    tree = WorkTree(root)
    deploy = files_under(tree.root, DEPLOY_DIR)

    def found() -> Mapping[str, bytes]:
        return deploy_files_on_disk(root)

    kept = kept_ledger_sha256(root, cache) if cache is not None else None
    if kept is not None:
        return drifts_in(tree, found, deploy, path.read_bytes, cache, kept)
    data = path.read_bytes()  # and its digest kept for the next run
    return drifts_in(tree, found, deploy, lambda: data, cache, ledger_sha256(root, data, cache))


def deploy_breaks(root: Path, rev: str | None, cache: VerifyCache | None = None) -> list[Break]:
    """deploy/ compared with the ledger: of the work tree, or of commit `rev`."""
    try:
        if rev is None:
            found = work_tree_drifts(root, cache)
        else:
            with git.GitTree(root, git.resolve(root, rev), label=rev) as tree:
                data = tree.read(LEDGER_PATH) if tree.exists(LEDGER_PATH) else b""
                deploy = [p for p in tree.paths() if p.startswith(f"{DEPLOY_DIR}/")]
                found = drifts_in(tree, lambda: deploy_files_in(tree), deploy, lambda: data, cache)
    except InputError as exc:
        return [Break(0, "deploy-drift", f"deploy/ not checked: {exc.problems[0]}", path="deploy")]
    return [Break(0, "deploy-drift", d.message(), path=d.path) for d in found]
