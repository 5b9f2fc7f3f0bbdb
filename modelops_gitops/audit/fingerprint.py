"""What the model-reading checks of `audit verify` and `status` (artifact pins, deploy/
against the ledger) depend on, as one digest: a warm run whose inputs did not change reuses
their result instead of loading every model file (10,000 YAML documents).

    fingerprint(tree, paths, *salt) -> str | None

For a work tree, each file enters by its stat signature (size, mtime, ctime, inode, mode:
what git's index trusts), a symlink by its own and its target's (the loader reads through a
link that stays inside the repository: editing the target changes what is read); a file or
target changed within the last two seconds makes the answer None (racy: the result is
computed and not kept). For a commit's tree, by blob id. A missing file
enters as missing. `salt` adds whatever else the result depends on (the ledger's digest).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import time
from collections.abc import Iterable

from modelops_gitops import __version__
from modelops_gitops.git.tree import GitTree
from modelops_gitops.repo.tree import Tree, WorkTree
from modelops_gitops.repo.validate_cache import RACY_NS


def fingerprint(tree: Tree, paths: Iterable[str], *salt: str) -> str | None:
    digest = hashlib.sha256("\0".join((__version__, *salt)).encode())
    if isinstance(tree, WorkTree):
        horizon = time.time_ns() - RACY_NS
        root = os.fspath(tree.root)  # string joins: 10,000s of paths, pathlib costs 3x the stat
        for path in sorted(paths):
            try:
                info = os.lstat(os.path.join(root, path))
            except FileNotFoundError:
                digest.update(f"{path}\0-\n".encode())
                continue
            infos = [info]
            if stat.S_ISLNK(info.st_mode):  # read through the link: its target enters too
                with contextlib.suppress(OSError):  # broken: the link alone
                    infos.append(os.stat(os.path.join(root, path)))
            if any(i.st_mtime_ns >= horizon or i.st_ctime_ns >= horizon for i in infos):
                return None
            for i in infos:
                signature = (i.st_size, i.st_mtime_ns, i.st_ctime_ns, i.st_ino)
                digest.update(f"{path}\0{i.st_mode}\0{signature}\n".encode())
        return digest.hexdigest()
    if isinstance(tree, GitTree):
        for path in sorted(paths):
            blob = tree.blob_id(path) if tree.exists(path) else "-"
            digest.update(f"{path}\0{blob}\n".encode())
        return digest.hexdigest()
    return None  # another Tree: nothing to key on


def files_under(root: str | os.PathLike[str], folder: str) -> list[str]:
    """Every path under `folder` of a work tree (links listed, not followed). One `scandir`
    per folder: the entry types come with the listing, so no `lstat` per folder."""
    found: list[str] = []
    base = os.fspath(root)
    stack = [folder]
    while stack:
        rel = stack.pop()
        try:
            entries = os.scandir(os.path.join(base, rel))
        except OSError:  # missing, not a folder, unreadable: nothing listed (as os.walk)
            continue
        with entries:
            for entry in entries:
                name = f"{rel}/{entry.name}"
                if entry.is_dir(follow_symlinks=False):
                    stack.append(name)
                else:  # files, links (to files or folders, or broken), anything else
                    found.append(name)
    return found
