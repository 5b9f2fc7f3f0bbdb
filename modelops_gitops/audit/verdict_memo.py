"""A warm `audit verify` of an unchanged work tree: the verdict it kept, reused.

    remembered(root, compute) -> Verdict     compute(reports_clean) runs the checks on a miss

The verdict of `audit verify` on the work tree (deploy/ included) is a function of the
branch commit (its history, the signers declared along it, HEAD's audit/reports/ tree), the
ledger, the files under models/, policies/ and deploy/, modelops.yaml, the artifacts of the
versions holding stages, and whether the clone is shallow. The key takes the commit id and
the shallow flag, and every file by stat signature (size, mtime, ctime, inode, mode: what
git's index trusts; a link by its own and its target's), listed afresh each run, so a file
added, removed or swapped for a link changes it; a file changed within the last two seconds leaves no key (nothing is reused or
kept). It is computed BEFORE the checks run: whatever changes while they run changes the
next run's key. audit/reports/ (300,000 files at 100,000 entries) is left to git: a
verdict is kept only when `git status` found it exactly as HEAD has it (no file changed,
none untracked or ignored), and is reused while git finds every tracked file unchanged
(`git status -uno`, started first, beside the key's listing) and no folder under it has a
new stat signature (a file added, removed or renamed changes its folder's mtime and ctime;
the signatures are taken before git looks).

The artifacts a verdict read are known only after it ran; a verdict is kept as reusable
only when its artifacts were in the key it was computed under (the previous verdict's), so
after the set of artifacts changes, the next run computes once more and keeps.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from modelops_gitops import __version__, git
from modelops_gitops.audit.paths import LEDGER_PATH, REPORTS_DIR
from modelops_gitops.audit.verdict import Verdict
from modelops_gitops.errors import InputError
from modelops_gitops.files import write_atomic
from modelops_gitops.repo.tree import DEPLOY_DIR, MODELOPS_FILE, MODELS_DIR, POLICIES_DIR
from modelops_gitops.repo.validate_cache import RACY_NS
from modelops_gitops.repo.workspace import cache_dir

MEMO_FILE = "audit-verdict.pickle"
_FORMAT = 1
FOLDERS = (MODELS_DIR, POLICIES_DIR, DEPLOY_DIR)
FILES = (MODELOPS_FILE, LEDGER_PATH)


@dataclass(frozen=True)
class Memo:
    key: str | None  # None: not reusable (its artifacts were not in the key)
    verdict: Verdict
    # audit/reports/ and every folder in it by stat signature, taken before git last found
    # no file there it does not track: a file added, removed or renamed changes its folder's
    # mtime and ctime, so while these hold, git need only compare the files it tracks
    folders: tuple[tuple[str, tuple[int, ...]], ...] = ()


def remembered(root: Path, compute: Callable[[Callable[[], bool] | None], Verdict]) -> Verdict:
    folder = cache_dir(root)
    head = git.head_commit(root)
    if folder is None or head is None:
        return compute(None)  # not a repository, or no commit: run_verify says so
    kept = _load(folder)
    inputs = kept.verdict.inputs if kept is not None else ()
    if kept is not None and kept.key is not None and kept.folders:
        tracked = git.is_clean_later(root, REPORTS_DIR, untracked=False)  # beside the key
        try:
            key = verdict_key(root, head, inputs)
            if key == kept.key and _unchanged(root, kept.folders) and tracked():
                return kept.verdict
        finally:
            with contextlib.suppress(InputError):
                tracked()  # git is waited for whatever happened
    else:
        key = verdict_key(root, head, inputs)
    folders = report_folders(root)  # before git looks for files it does not track
    clean = git.is_clean_later(root, REPORTS_DIR)
    try:
        verdict = compute(clean)
        reusable = key is not None and folders is not None and set(verdict.inputs) <= set(inputs)
        reusable = reusable and clean()
        _keep(folder, Memo(key if reusable else None, verdict, folders or ()))
        return verdict
    finally:
        with contextlib.suppress(InputError):
            clean()


def report_folders(root: Path) -> tuple[tuple[str, tuple[int, ...]], ...] | None:
    """audit/reports/ and the folders under it (links listed, not followed), each with its
    stat signature; None when one changed within the last two seconds."""
    horizon = time.time_ns() - RACY_NS
    found: list[tuple[str, tuple[int, ...]]] = []
    stack = [REPORTS_DIR]
    while stack:
        rel = stack.pop()
        try:
            info = os.lstat(os.path.join(root, rel))
        except (FileNotFoundError, NotADirectoryError):
            found.append((rel, ()))
            continue
        if info.st_mtime_ns >= horizon or info.st_ctime_ns >= horizon:
            return None
        found.append((rel, _folder_signature(info)))
        if stat.S_ISDIR(info.st_mode):
            with os.scandir(os.path.join(root, rel)) as entries:
                stack += [f"{rel}/{e.name}" for e in entries if e.is_dir(follow_symlinks=False)]
    return tuple(sorted(found))


def _unchanged(root: Path, folders: Iterable[tuple[str, tuple[int, ...]]]) -> bool:
    top = os.fspath(root)
    for rel, signature in folders:
        try:
            info = os.lstat(os.path.join(top, rel))
        except (FileNotFoundError, NotADirectoryError):
            if signature:
                return False
            continue
        if _folder_signature(info) != signature:
            return False
    return True


def _folder_signature(info: os.stat_result) -> tuple[int, ...]:
    return (info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def verdict_key(root: Path, head: str, inputs: Iterable[str]) -> str | None:
    """The digest of what a work-tree verdict depends on (None: a file changed too
    recently to be keyed by its stat signature)."""
    top = os.fspath(root)
    found: dict[str, os.stat_result | None] = {}
    for folder in FOLDERS:
        _scan(os.path.join(top, folder), folder, found)
    for path in (*FILES, *inputs):
        if path not in found:
            try:
                found[path] = os.lstat(os.path.join(top, path))
            except (FileNotFoundError, NotADirectoryError):
                found[path] = None
    horizon = time.time_ns() - RACY_NS
    lines = [f"{__version__}\0{head}\0{git.is_shallow(root)}"]
    for path in sorted(found):
        info = found[path]
        if info is None:
            lines.append(f"{path}\0-")
            continue
        infos = [info]
        if stat.S_ISLNK(info.st_mode):  # read through the link: its target enters too
            with contextlib.suppress(OSError):  # broken: the link alone
                infos.append(os.stat(os.path.join(top, path)))
        for one in infos:
            mtime, ctime = one.st_mtime_ns, one.st_ctime_ns
            if mtime >= horizon or ctime >= horizon:
                return None
            lines.append(f"{path}\0{one.st_mode} {one.st_size} {mtime} {ctime} {one.st_ino}")
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _scan(folder: str, rel: str, found: dict[str, os.stat_result | None]) -> None:
    """Every file and link under `folder` with its own lstat (links are listed, never
    followed; a folder enters through what it holds)."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        name = f"{rel}/{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            _scan(entry.path, name, found)
        else:
            found[name] = entry.stat(follow_symlinks=False)


def _load(folder: Path) -> Memo | None:
    try:
        with (folder / MEMO_FILE).open("rb") as handle:
            header, body = pickle.load(handle)
    except Exception:  # absent, unreadable, foreign or older: compute again
        return None
    return body if header == (_FORMAT, __version__) and isinstance(body, Memo) else None


def _keep(folder: Path, memo: Memo) -> None:
    data = pickle.dumps(((_FORMAT, __version__), memo), pickle.HIGHEST_PROTOCOL)
    with contextlib.suppress(OSError):  # an unwritable cache costs time, not correctness
        write_atomic(folder / MEMO_FILE, data)
