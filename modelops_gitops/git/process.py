"""Edge: the one place a git process starts. Never a shell; the environment is cleaned
(GIT_DIR and friends dropped, LC_ALL=C) so nothing outside the call steers which repository
git reads or how it speaks. Everything else in `git/` is typed functions over these."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from modelops_gitops.errors import InputError

GIT_ENV_DROP = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in GIT_ENV_DROP}
    env["LC_ALL"] = "C"
    return env


def attempt(
    cwd: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    input_bytes: bytes | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run git in `cwd` with `env` laid over the cleaned environment; the completed process,
    whatever its exit status (callers that tell failures apart read it)."""
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=clean_env() | dict(env or {}),
        input=input_bytes,
        capture_output=True,
        check=False,
    )


def started(cwd: Path, *args: str) -> Callable[[], subprocess.CompletedProcess[bytes]]:
    """Start git in `cwd` now (stdin closed, output piped) and return what waits for it: a
    caller overlaps a slow git (a status over 300,000 files) with its own work."""
    argv = ["git", *args]
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=clean_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )

    done: list[subprocess.CompletedProcess[bytes]] = []

    def finish() -> subprocess.CompletedProcess[bytes]:
        if not done:  # asked again (a caller reaping it after an error): the same answer
            out, err = proc.communicate()
            done.append(subprocess.CompletedProcess(argv, proc.returncode, out, err))
        return done[0]

    return finish


def run(
    cwd: Path,
    *args: str,
    check: bool = True,
    input_bytes: bytes | None = None,
    env: Mapping[str, str] | None = None,
) -> bytes:
    """Run git in `cwd`; stdout as bytes. A failure raises InputError with git's message."""
    proc = attempt(cwd, *args, env=env, input_bytes=input_bytes)
    if check and proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"git {args[0]}: {message[-1] if message else 'failed'}")
    return proc.stdout


def literal(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """git with literal pathspecs (no `:(glob)` magic in a path from a PR), any exit status."""
    return attempt(root, "--literal-pathspecs", *args)


def checked(proc: subprocess.CompletedProcess[bytes], command: str) -> bytes:
    if proc.returncode != 0:
        raise InputError(f"git {command}: {why(proc).removeprefix(': ') or 'failed'}")
    return proc.stdout


def why(proc: subprocess.CompletedProcess[bytes]) -> str:
    lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    return f": {lines[-1]}" if lines else ""


def cat_file_batch(root: Path) -> subprocess.Popen[bytes]:
    """A long-lived `git cat-file --batch`: write `<object id>\\n`, read
    `<oid> <type> <size>\\n<content>\\n` (or `<oid> missing\\n`). The caller closes it."""
    return subprocess.Popen(
        ["git", "cat-file", "--batch"],
        cwd=root,
        env=clean_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


def decode_path(raw: bytes) -> str:
    """Git paths are bytes; non-UTF-8 names survive the round trip as surrogate escapes."""
    return raw.decode("utf-8", "surrogateescape")


def split_z(out: bytes) -> list[str]:
    return [decode_path(item) for item in out.split(b"\0") if item]
