"""Edge: writing files atomically (temp file + rename), never through a symlink."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from modelops_gitops.errors import InputError


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one rename. A symlink or non-regular file there is refused."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise InputError.at(str(path), "refusing to write: not a regular file (symlink?)")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
