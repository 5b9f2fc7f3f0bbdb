"""Edge: the files of one git commit, read without checking anything out.

`GitTree` implements the `Tree` protocol of `repo/tree.py` for a commit. One `git ls-tree -r`
lists the whole tree (paths, modes, blob ids) the first time it is needed; blobs are then read
by id through one long-lived `git cat-file --batch` process, so reading 20 files of a
10,000-file repository costs 20 small round trips, not a checkout. Requests carry blob ids,
never paths, so any file name (a leading '-', a newline) is read exactly.

Symlinks (mode 120000) and submodules (160000) are not files of the tree: they are listed by
`special_paths()` so the loader can refuse them, and `read()` refuses them.

The object has no `root` attribute on purpose: `validate.py` takes a tree with a `root` for a
work tree and re-reads the disk in worker processes.
"""

from __future__ import annotations

import subprocess
import threading
import weakref
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import IO, NamedTuple

from modelops_gitops.errors import GitRefError, InputError
from modelops_gitops.git.process import cat_file_batch, decode_path, literal, run, why
from modelops_gitops.git.refs import resolve, validate_ref

SYMLINK_MODE = "120000"
SUBMODULE_MODE = "160000"
BATCH_SIZE = 256  # requests in flight: ~17 KB of ids, well under a pipe buffer, so no deadlock
CLOSE_TIMEOUT = 5.0


class TreeEntry(NamedTuple):
    """One line of `git ls-tree -r`: mode ('100644', '120000', '160000'...), object type
    ('blob' or 'commit' for a submodule), object id and repository-relative path."""

    mode: str
    kind: str
    oid: str
    path: str


def validate_path(path: str) -> str:
    """`path` unchanged when it is a plain repository-relative path, else InputError."""
    parts = path.split("/")
    if not path or "\x00" in path or any(part in ("", ".", "..") for part in parts):
        raise InputError.at(path, "not a repository-relative path (empty, '.' or '..' part)")
    return path


def ls_tree(root: Path, commit: str) -> list[TreeEntry]:
    """Every file of `commit`'s tree, recursively: regular files, symlinks and submodules."""
    proc = literal(
        root,
        "ls-tree",
        "-r",
        "-z",
        "--full-tree",
        "--end-of-options",
        f"{validate_ref(commit)}^{{commit}}",
    )
    if proc.returncode != 0:
        raise GitRefError(f"git ref {commit!r} does not name a commit in {root}{why(proc)}")
    entries: list[TreeEntry] = []
    for record in proc.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        mode, kind, oid = meta.decode("ascii").split(" ")
        entries.append(TreeEntry(mode, kind, oid, decode_path(raw_path)))
    return entries


def show_file(root: Path, commit: str, path: str) -> bytes:
    """The bytes of `path` (relative to `root`) at `commit`; b"" where it did not exist."""
    spec = f"{validate_ref(commit)}:./{validate_path(path)}"
    return run(root, "show", "--no-textconv", "--end-of-options", spec, check=False)


class GitTree:
    """Read-only view of the tree of one commit. Thread-safe; close it (or use `with`)."""

    def __init__(self, repo: Path, commit: str, *, label: str | None = None) -> None:
        self.repo = repo
        self.commit = resolve(repo, commit)
        self.label = label or (self.commit[:12] if commit == self.commit else commit)
        self._files: dict[str, str] | None = None  # path -> blob id, regular files only
        self._special: dict[str, str] = {}  # path -> mode, symlinks and submodules
        self._sorted: list[str] = []
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._finalizer: weakref.finalize[[subprocess.Popen[bytes]], GitTree] | None = None

    def __repr__(self) -> str:
        return f"GitTree({str(self.repo)!r}, {self.commit!r}, label={self.label!r})"

    # -- the Tree protocol ---------------------------------------------------------------

    def paths(self) -> list[str]:
        """Every regular file's path (modes 100644/100755), sorted."""
        self._index()
        return list(self._sorted)

    def exists(self, path: str) -> bool:
        """True for regular files and for symlinks/submodules, as `os.path.lexists` would."""
        files = self._index()
        return path in files or path in self._special

    def read(self, path: str) -> bytes:
        return self.read_many([path])[path]

    # -- beyond the protocol ---------------------------------------------------------------

    def special_paths(self) -> dict[str, str]:
        """Symlinks and submodules: path -> git mode ('120000', '160000')."""
        self._index()
        return dict(self._special)

    def blob_id(self, path: str) -> str:
        """The blob id of a regular file: equal ids mean equal bytes (a cache key)."""
        files = self._index()
        oid = files.get(path)
        if oid is not None:
            return oid
        mode = self._special.get(path)
        if mode == SYMLINK_MODE:
            raise InputError.at(path, f"a symlink in the git tree at {self.label}; not read")
        if mode is not None:
            raise InputError.at(path, f"not a regular file at {self.label} (git mode {mode})")
        raise InputError.at(path, f"no such file at {self.label}")

    def read_many(self, paths: Iterable[str]) -> dict[str, bytes]:
        """path -> bytes for every path, with the requests pipelined through one process."""
        ids = {path: self.blob_id(path) for path in paths}
        blobs = self._cat(list(dict.fromkeys(ids.values())))
        return {path: blobs[oid] for path, oid in ids.items()}

    def close(self) -> None:
        """Stop the `cat-file` process. Idempotent; a later read starts a new one."""
        with self._lock:
            self._stop()

    def __enter__(self) -> GitTree:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------

    def _index(self) -> dict[str, str]:
        if self._files is None:
            with self._lock:
                if self._files is None:
                    self._load_index()
        assert self._files is not None
        return self._files

    def _load_index(self) -> None:
        files: dict[str, str] = {}
        for entry in ls_tree(self.repo, self.commit):
            if entry.kind == "blob" and entry.mode.startswith("100"):
                files[entry.path] = entry.oid
            else:
                self._special[entry.path] = entry.mode
        self._sorted = sorted(files)
        self._files = files

    def _cat(self, oids: list[str]) -> dict[str, bytes]:
        blobs: dict[str, bytes] = {}
        with self._lock:
            try:
                for start in range(0, len(oids), BATCH_SIZE):
                    chunk = oids[start : start + BATCH_SIZE]
                    blobs.update(self._cat_chunk(chunk))
            except OSError as exc:
                self._stop()
                raise InputError(f"git cat-file failed at {self.label}: {exc}") from exc
            except BaseException:
                self._stop()  # a half-read response would desynchronise the protocol
                raise
        return blobs

    def _cat_chunk(self, oids: list[str]) -> dict[str, bytes]:
        stdin, stdout = self._pipes()
        stdin.write("".join(f"{oid}\n" for oid in oids).encode("ascii"))
        stdin.flush()
        return {oid: _read_object(stdout, oid, self.label) for oid in oids}

    def _pipes(self) -> tuple[IO[bytes], IO[bytes]]:
        if self._proc is None:
            self._proc = cat_file_batch(self.repo)
            self._finalizer = weakref.finalize(self, _shutdown, self._proc)
        assert self._proc.stdin is not None
        assert self._proc.stdout is not None
        return self._proc.stdin, self._proc.stdout

    def _stop(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
        self._proc, self._finalizer = None, None


def read_blobs(root: Path, oids: Iterable[str]) -> dict[str, bytes]:
    """Blobs by id, through one `git cat-file --batch` for all of them (a missing or
    non-blob id raises InputError)."""
    wanted = list(dict.fromkeys(oids))
    if not wanted:
        return {}
    proc = cat_file_batch(root)
    assert proc.stdin is not None
    assert proc.stdout is not None
    blobs: dict[str, bytes] = {}
    try:
        for start in range(0, len(wanted), BATCH_SIZE):
            chunk = wanted[start : start + BATCH_SIZE]
            proc.stdin.write("".join(f"{oid}\n" for oid in chunk).encode("ascii"))
            proc.stdin.flush()
            blobs.update({oid: _read_object(proc.stdout, oid, str(root)) for oid in chunk})
    except OSError as exc:
        raise InputError(f"git cat-file failed in {root}: {exc}") from exc
    finally:
        _shutdown(proc)
    return blobs


def _read_object(stdout: IO[bytes], oid: str, label: str) -> bytes:
    header = stdout.readline()
    if not header.endswith(b"\n"):
        raise InputError(f"git cat-file stopped while reading {oid} at {label}")
    fields = header.split()
    if len(fields) != 3 or fields[0].decode("ascii", "replace") != oid:
        message = header.decode("ascii", "replace").strip()
        raise InputError(f"git cat-file could not read blob {oid} at {label}: {message}")
    size = int(fields[2])
    data = stdout.read(size + 1)
    if len(data) != size + 1:
        raise InputError(f"git cat-file stopped while reading {oid} at {label}")
    return data[:size]


def _shutdown(proc: subprocess.Popen[bytes]) -> None:
    """End the batch process cleanly: EOF on stdin, wait, close the pipes."""
    try:
        if proc.stdin is not None:
            proc.stdin.close()
    except OSError:
        pass  # git already exited; the pipe is broken
    try:
        proc.wait(timeout=CLOSE_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()
