"""Edge: the files of a repository as it stands somewhere (the work tree, or a git revision).

A `Tree` lists repository-relative POSIX paths and reads their bytes. The work tree refuses
symlinks that leave the repository and anything that is not a regular file; git revisions are
read by `git.py` without checking anything out.
"""

from __future__ import annotations

import os
import stat
import struct
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

from modelops_gitops.errors import InputError
from modelops_gitops.problems import Problem

MODELOPS_FILE = "modelops.yaml"
MODELS_DIR = "models"
POLICIES_DIR = "policies"
AUDIT_DIR = "audit"
DEPLOY_DIR = "deploy"
YAML_SUFFIXES = (".yaml", ".yml")
# A folder changed this recently may change again within the same timestamp tick without its
# signature changing: listed every time (as validate_cache.RACY_NS for files).
RACY_NS = 2_000_000_000
# Signatures packed into one bytes object each (not a tuple of big ints): the remembered
# listing and the cache's index hold 10,000 of them, and load a third faster.
FOLDER_SIGNATURE = struct.Struct("<qqQ")  # mtime_ns, ctime_ns, inode
FILE_SIGNATURE = struct.Struct("<qqqQ")  # size, mtime_ns, ctime_ns, inode
Listing = dict[str, tuple[bytes | None, tuple[tuple[str, str], ...]]]


class Tree(Protocol):
    """Read-only view of a repository's files."""

    label: str

    def paths(self) -> list[str]:
        """Every regular file's repository-relative path, sorted."""
        ...

    def read(self, path: str) -> bytes: ...

    def exists(self, path: str) -> bool: ...


def is_document_path(path: str) -> bool:
    """Files the loader reads as documents: modelops.yaml, models/*/model.yaml, policies/*.yaml."""
    if path == MODELOPS_FILE:
        return True
    parts = path.split("/")
    if len(parts) == 3:
        return parts[0] == MODELS_DIR and parts[2] in ("model.yaml", "model.yml")
    return len(parts) == 2 and parts[0] == POLICIES_DIR and parts[1].endswith(YAML_SUFFIXES)


SYMLINKED_FOLDER = "symlinked folder"


def special_problems(tree: Tree, paths: list[str] | None = None) -> list[Problem]:
    """Symlinks to folders (work tree), symlinks and submodules (git) where documents live:
    refused, never followed or skipped in silence. `paths`: `tree.paths()` when the caller
    has it already (listing a 10,000-model work tree twice costs 0.07 s)."""
    misnamed = [
        Problem(
            path,
            0,
            0,
            "",
            "the model file is named model.yaml (one canonical name): rename it with "
            f"`git mv {path} {path.removesuffix('.yml')}.yaml`",
        )
        for path in (tree.paths() if paths is None else paths)
        if path.endswith("/model.yml")  # the rarest test first: every path is tried
        and path.startswith(f"{MODELS_DIR}/")
        and path.count("/") == 2
    ]
    special = getattr(tree, "special_paths", None)
    if special is None:
        return misnamed
    return misnamed + [
        Problem(
            path,
            0,
            0,
            "",
            f"a {_what(mode)} is not read: documents must be regular files in the repository",
        )
        for path, mode in sorted(special().items())
        if path == MODELOPS_FILE or path.split("/")[0] in (MODELS_DIR, POLICIES_DIR)
    ]


def _what(mode: str) -> str:
    return {"120000": "symlink", "160000": "submodule"}.get(mode, mode)


def model_folder(path: str) -> str | None:
    """models/<name>/model.yaml -> <name>."""
    parts = path.split("/")
    return parts[1] if len(parts) == 3 and parts[0] == MODELS_DIR else None


def model_file(name: str) -> str:
    return f"{MODELS_DIR}/{name}/model.yaml"


def document_paths(paths: Iterable[str]) -> list[str]:
    return sorted(p for p in paths if is_document_path(p))


class WorkTree:
    """The files on disk under `root`, skipping `.git` and ignored tool folders."""

    _SKIP_DIRS = frozenset({".git", ".venv", "node_modules", "__pycache__", ".modelops-cache"})
    TOPS: tuple[str, ...] = (MODELOPS_FILE, MODELS_DIR, POLICIES_DIR)  # what paths() lists

    def __init__(self, root: Path, listing: Listing | None = None) -> None:
        self.root = root.resolve()
        self._root_str = str(self.root)
        self.label = "WORKTREE"
        # Folders' entries remembered from an earlier run (git's "untracked cache"): a folder
        # whose signature is unchanged, and not racy, is not listed again. `paths()` updates
        # it and sets `listing_changed`; None lists every folder.
        self.listing = listing
        self.listing_changed = False

    def paths(self) -> list[str]:
        # os.scandir and string joins: this lists every file of a 10,000-model repository on
        # each warm validate, and DirEntry answers "folder? symlink?" without a system call.
        found: list[str] = []
        special: dict[str, str] = {}
        root = str(self.root)
        self._seen: set[str] = set()
        for top in self.TOPS:
            start = os.path.join(root, top)
            if os.path.islink(start) and os.path.isdir(start):
                special[top] = SYMLINKED_FOLDER
            elif os.path.islink(start) or os.path.isfile(start):
                found.append(top)
            elif os.path.isdir(start):
                self._scan(start, top, found, special)
        self._special = special
        if self.listing is not None and len(self.listing) != len(self._seen):
            for gone in set(self.listing) - self._seen:  # folders deleted since
                del self.listing[gone]
            self.listing_changed = True
        return sorted(found)

    def _entries(self, folder: str, rel: str) -> tuple[tuple[str, str], ...]:
        """(name, type) of `folder`'s entries: "d" a folder, "l" a symlink, "f" anything else;
        from `listing` while the folder's (mtime, ctime, inode) is unchanged and not racy."""
        if self.listing is not None:
            self._seen.add(rel)
            info = os.lstat(folder)
            signature = FOLDER_SIGNATURE.pack(info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
            known = self.listing.get(rel)
            if known is not None and known[0] == signature:
                return known[1]
        with os.scandir(folder) as found:  # by name: `paths()` then sorts a sorted list
            entries = tuple(
                sorted(
                    (
                        e.name,
                        "d" if e.is_dir(follow_symlinks=False) else "l" if e.is_symlink() else "f",
                    )
                    for e in found
                )
            )
        if self.listing is not None:
            racy = time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) < RACY_NS
            remembered = (None if racy else signature, entries)
            if self.listing.get(rel) != remembered:
                self.listing[rel] = remembered
                self.listing_changed = True
        return entries

    def _scan(self, folder: str, rel: str, found: list[str], special: dict[str, str]) -> None:
        for entry, kind in self._entries(folder, rel):
            name = f"{rel}/{entry}"
            if kind == "d":
                if entry not in self._SKIP_DIRS:
                    self._scan(f"{folder}/{entry}", name, found, special)
            elif kind == "l" and os.path.isdir(f"{folder}/{entry}"):  # where it points now
                special[name] = SYMLINKED_FOLDER
            else:
                found.append(name)

    def special_paths(self) -> dict[str, str]:
        """Symlinked folders (never followed): path -> what it is."""
        if not hasattr(self, "_special"):
            self.paths()
        return dict(self._special)

    def exists(self, path: str) -> bool:
        return os.path.lexists(os.path.join(self._root_str, path))

    def read(self, path: str) -> bytes:
        return read_inside(self.root, path)

    def settled_keys(self, paths: list[str], settled_ns: int) -> dict[str, bytes | None]:
        """(size, mtime_ns, ctime_ns, inode) of the file `read(path)` reads (FILE_SIGNATURE),
        for many paths in one tight loop (a symlink is followed: editing its target changes
        the key). None for a path that cannot be statted, or whose mtime or ctime is after
        `settled_ns`: it may change again unseen."""
        out: dict[str, bytes | None] = {}
        root, stat, pack = self._root_str, os.stat, FILE_SIGNATURE.pack
        for path in paths:
            try:
                info = stat(f"{root}/{path}")
            except OSError:
                out[path] = None
                continue
            mtime, ctime = info.st_mtime_ns, info.st_ctime_ns
            racy = mtime > settled_ns or ctime > settled_ns
            out[path] = None if racy else pack(info.st_size, mtime, ctime, info.st_ino)
        return out


def read_inside(root: Path, path: str) -> bytes:
    """Read `root/path`, refusing symlinks that leave `root` (the file's or a parent
    folder's) and non-regular files. `root` must be resolved."""
    target = inside(root, path)
    try:
        return target.read_bytes()
    except FileNotFoundError:
        raise InputError.at(path, f"broken symlink ({os.readlink(root / path)})") from None
    except OSError as exc:
        raise InputError.at(path, f"cannot read: {exc.strerror}") from None


def inside(root: Path, path: str) -> Path:
    """The regular file `root/path` resolves to, refusing symlinks that leave `root` (the
    file's or a parent folder's) and non-regular files. `root` must be resolved."""
    full = root / path
    try:
        info = os.lstat(full)
    except FileNotFoundError:
        raise InputError.at(path, "no such file") from None
    except OSError as exc:
        raise InputError.at(path, f"cannot read: {exc.strerror}") from None
    target = full.resolve()
    if not target.is_relative_to(root):
        link = f" ({os.readlink(full)})" if stat.S_ISLNK(info.st_mode) else ""
        raise InputError.at(path, f"symlink points outside the repository{link}")
    try:
        if not stat.S_ISREG(os.stat(target).st_mode):
            raise InputError.at(path, "not a regular file")
    except FileNotFoundError:
        raise InputError.at(path, f"broken symlink ({os.readlink(full)})") from None
    except OSError as exc:
        raise InputError.at(path, f"cannot read: {exc.strerror}") from None
    return target


def batch_reader(tree: Tree, paths: list[str]) -> Callable[[str], bytes]:
    """`tree.read`, with the files of a git revision fetched together (one round trip per
    batch, not per file); a path that cannot be read is read alone, to report it."""
    read_many = getattr(tree, "read_many", None)
    if read_many is None:
        return tree.read
    try:
        found: dict[str, bytes] = read_many(paths)
    except InputError:
        return tree.read
    return lambda path: found[path] if path in found else tree.read(path)


class GovernanceWorkTree(WorkTree):
    """The work tree's governance files only (modelops.yaml, policies/): for a reader that
    needs the lifecycle or the teams and no model (listing 10,000 model folders costs
    0.2 s)."""

    TOPS = (MODELOPS_FILE, POLICIES_DIR)
