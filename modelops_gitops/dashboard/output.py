"""Edge: put the site at DIR in one step, or not at all.

The files go to a fresh temporary folder next to DIR (same file system), then DIR is swapped
for it with renames: readers see the old site or the new one, never half of each. DIR may be
absent, an empty folder, or a site `report` wrote before (it holds the marker file); a
symlink, a file, or a folder with other content is refused: `--out .` must never erase a
repository.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

from modelops_gitops.dashboard.site import MARKER
from modelops_gitops.errors import InputError


def check_target(out: Path) -> None:
    """InputError unless `out` may be replaced by a site."""
    try:
        info = os.lstat(out)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise InputError.at(str(out), "--out: is a symlink; refusing to write through it")
    if not stat.S_ISDIR(info.st_mode):
        raise InputError.at(str(out), "--out: exists and is not a directory")
    with os.scandir(out) as listing:
        empty = next(listing, None) is None
    if not empty and not os.path.isfile(out / MARKER):
        raise InputError.at(
            str(out),
            f"--out: directory is not empty and was not written by `report` (no {MARKER});"
            " choose an empty or new directory",
        )


def write_site(out: Path, files: Mapping[str, bytes]) -> None:
    """Write `files` (relative path -> bytes) as the folder `out`, replacing a previous site."""
    check_target(out)
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out.name}.new-"))
    try:
        for rel, data in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        os.chmod(staging, 0o755)
        check_target(out)  # nothing swapped a symlink in while we wrote
        _swap(staging, out.absolute())
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap(staging: Path, out: Path) -> None:
    if not os.path.lexists(out):
        os.rename(staging, out)
        return
    old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
    os.rename(out, old / "site")
    try:
        os.rename(staging, out)
    except BaseException:
        os.rename(old / "site", out)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)
