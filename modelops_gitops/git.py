"""Edge: git as small typed functions. Never a shell; refs and paths are validated and
passed after `--end-of-options` / `--` so nothing from a PR is read as an option."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from modelops_gitops.errors import InputError

GIT_ENV_DROP = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in GIT_ENV_DROP}
    env["LC_ALL"] = "C"
    return env


def run(cwd: Path, *args: str, check: bool = True, input_bytes: bytes | None = None) -> bytes:
    """Run git in `cwd`; stdout as bytes. A failure raises InputError with git's message."""
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=_env(), input=input_bytes, capture_output=True, check=False
    )
    if check and proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"git {args[0]}: {message[-1] if message else 'failed'}")
    return proc.stdout


def toplevel(start: Path) -> Path | None:
    """The top of the work tree containing `start`, or None outside git."""
    proc = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"],
        cwd=start,
        env=_env(),
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        return None
    return Path(proc.stdout.decode().strip())


def git_dir(root: Path) -> Path | None:
    proc = subprocess.run(
        ["git", "rev-parse", "--absolute-git-dir"],
        cwd=root,
        env=_env(),
        capture_output=True,
        check=False,
    )
    return Path(proc.stdout.decode().strip()) if proc.returncode == 0 else None
