"""Edge: git as small typed functions. Never a shell; refs and paths are validated and
passed after `--end-of-options` / `--` so nothing from a PR is read as an option."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from modelops_gitops.errors import GitRefError, InputError

GIT_ENV_DROP = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")


def _env() -> dict[str, str]:
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
        env=_env() | dict(env or {}),
        input=input_bytes,
        capture_output=True,
        check=False,
    )


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


# --- Refs, commits and history: read a revision without checking it out -------------------
#
# Every ref is checked by `validate_ref` and passed after `--end-of-options`; every path goes
# after `--` with literal pathspecs (no `:(glob)` magic). Failures become GitRefError (a ref
# that is unsafe or does not resolve) or InputError (anything else git refused).


MAX_REF_LENGTH = 1024
PSEUDO_REFS = frozenset({"HEAD", "FETCH_HEAD", "ORIG_HEAD", "MERGE_HEAD"})
_FULL_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_NAME_AND_SUFFIX = re.compile(r"(.*?)((?:[~^][0-9]*)*)", re.DOTALL)
_REF_BAD_CHARS = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


class TreeEntry(NamedTuple):
    """One line of `git ls-tree -r`: mode ('100644', '120000', '160000'...), object type
    ('blob' or 'commit' for a submodule), object id and repository-relative path."""

    mode: str
    kind: str
    oid: str
    path: str


def validate_ref(ref: str) -> str:
    """`ref` unchanged when it is a plausible revision, else GitRefError (exit 2).

    Accepted: a full 40/64-hex sha, HEAD (and FETCH_HEAD, ORIG_HEAD, MERGE_HEAD), or a name
    that `git check-ref-format --allow-onelevel` accepts (`main`, `origin/main`, `v1.2`,
    `refs/heads/x`, abbreviated shas), each optionally followed by `~N` / `^N` steps
    (`HEAD~1`, `main^2`). Refused: anything starting with `-`, whitespace or control
    characters, ranges (`..`, `...`), reflog forms (`@{`), `:` (tree paths), `^{...}`
    peeling, globs and backslashes.
    """
    problem = _ref_problem(ref)
    if problem is not None:
        raise GitRefError(f"git ref {ref!r} refused: {problem}")
    return ref


def _ref_problem(ref: str) -> str | None:
    if not ref:
        return "it is empty"
    if len(ref) > MAX_REF_LENGTH:
        return f"it is longer than {MAX_REF_LENGTH} characters"
    if ref.startswith("-"):
        return "it starts with '-' and git could read it as an option"
    if not ref.isprintable() or any(char.isspace() for char in ref):
        return "it contains whitespace or control characters"
    match = _NAME_AND_SUFFIX.fullmatch(ref)
    name = match.group(1) if match else ref
    if name in PSEUDO_REFS or _FULL_SHA.fullmatch(name):
        return None
    return _ref_name_problem(name)


def _ref_name_problem(name: str) -> str | None:
    """The rules of `git check-ref-format --allow-onelevel`."""
    if not name or name == "@":
        return "it is not a ref name"
    if _REF_BAD_CHARS.search(name):
        return "it contains a character git refuses in ref names (~ ^ : ? * [ \\)"
    if ".." in name:
        return "it contains '..' (ranges are not refs)"
    if "@{" in name:
        return "it contains '@{' (reflog forms are not accepted)"
    if name.startswith("/") or name.endswith(("/", ".")) or "//" in name:
        return "it has an empty path component or ends with '.'"
    if any(part.startswith(".") or part.endswith(".lock") for part in name.split("/")):
        return "a component starts with '.' or ends with '.lock'"
    return None


def resolve(root: Path, ref: str) -> str:
    """The full sha of the commit `ref` names; GitRefError naming `ref` when there is none."""
    proc = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", _commit_of(ref))
    sha = proc.stdout.decode("ascii", "replace").strip()
    if proc.returncode != 0 or not _FULL_SHA.fullmatch(sha):
        raise GitRefError(f"git ref {ref!r} does not name a commit in {root}{_why(proc)}")
    return sha


def _commit_of(ref: str) -> str:
    return f"{validate_ref(ref)}^{{commit}}"


def merge_base(root: Path, a: str, b: str) -> str | None:
    """The best common ancestor of two refs, or None when their histories are unrelated."""
    sha_a, sha_b = resolve(root, a), resolve(root, b)
    proc = _git(root, "merge-base", "--end-of-options", sha_a, sha_b)
    if proc.returncode == 1 and not proc.stdout.strip():
        return None
    return _checked(proc, "merge-base").decode("ascii").strip()


def default_branch(root: Path) -> str:
    """`origin/HEAD`'s target when it is set (e.g. 'origin/main'), else the first of
    main, master, origin/main, origin/master that exists."""
    proc = _git(root, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
    remote_head = proc.stdout.decode("utf-8", "replace").strip()
    usable = proc.returncode == 0 and remote_head and _ref_problem(remote_head) is None
    if usable and _exists(root, remote_head):
        return remote_head
    for name in ("main", "master", "origin/main", "origin/master"):
        if _exists(root, name):
            return name
    raise GitRefError(
        f"no default branch in {root}: origin/HEAD is not set and neither main nor master "
        "exists; name the base ref explicitly"
    )


def _exists(root: Path, ref: str) -> bool:
    proc = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", _commit_of(ref))
    return proc.returncode == 0


def commit_time(root: Path, sha: str) -> datetime:
    """The committer time of the commit `sha` names, timezone-aware in UTC."""
    commit = resolve(root, sha)
    args = ("-1", "--no-show-signature", "--format=%ct", "--end-of-options", commit, "--")
    out = _checked(_git(root, "log", *args), "log")
    return datetime.fromtimestamp(int(out.strip()), tz=UTC)


def changed_paths(root: Path, base: str, head: str) -> list[str]:
    """Paths that differ between the trees of `base` and `head`, sorted. Renames count as a
    deletion plus an addition; only committed content is compared, never the work tree."""
    base_sha, head_sha = resolve(root, base), resolve(root, head)
    args = ("--name-only", "-z", "--no-renames", "--no-ext-diff", "--no-textconv", "--no-relative")
    proc = _git(root, "diff", *args, "--end-of-options", base_sha, head_sha, "--")
    return sorted(_split_z(_checked(proc, "diff")))


def file_log(
    root: Path, path: str, ref: str, *, first_parent: bool = False
) -> list[tuple[str, datetime]]:
    """The commits reachable from `ref` that changed `path` (literally that path, no
    pathspec magic, no rename following), newest first, with committer times in UTC.
    `first_parent`: only the mainline, so a change merged from a branch counts from its merge
    commit, not from the (author-controlled) time of the branch commit."""
    commit = resolve(root, ref)
    args: tuple[str, ...] = ("-z", "--no-show-signature", "--no-follow", "--format=%H %ct")
    args += ("--first-parent",) if first_parent else ()
    proc = _git(root, "log", *args, "--end-of-options", commit, "--", validate_path(path))
    history: list[tuple[str, datetime]] = []
    for record in _split_z(_checked(proc, "log")):
        sha, _, stamp = record.strip().partition(" ")
        history.append((sha, datetime.fromtimestamp(int(stamp), tz=UTC)))
    return history


def parents(root: Path, commit: str) -> tuple[str, ...]:
    """The parents of `commit`, first parent first (two or more for a merge)."""
    out = run(root, "rev-list", "--parents", "-n", "1", "--end-of-options", validate_ref(commit))
    return tuple(out.decode().split()[1:])


def validate_path(path: str) -> str:
    """`path` unchanged when it is a plain repository-relative path, else InputError."""
    parts = path.split("/")
    if not path or "\x00" in path or any(part in ("", ".", "..") for part in parts):
        raise InputError.at(path, "not a repository-relative path (empty, '.' or '..' part)")
    return path


def ls_tree(root: Path, commit: str) -> list[TreeEntry]:
    """Every file of `commit`'s tree, recursively: regular files, symlinks and submodules."""
    proc = _git(root, "ls-tree", "-r", "-z", "--full-tree", "--end-of-options", _commit_of(commit))
    if proc.returncode != 0:
        raise GitRefError(f"git ref {commit!r} does not name a commit in {root}{_why(proc)}")
    entries: list[TreeEntry] = []
    for record in proc.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        mode, kind, oid = meta.decode("ascii").split(" ")
        entries.append(TreeEntry(mode, kind, oid, decode_path(raw_path)))
    return entries


def cat_file_batch(root: Path) -> subprocess.Popen[bytes]:
    """A long-lived `git cat-file --batch`: write `<object id>\\n`, read
    `<oid> <type> <size>\\n<content>\\n` (or `<oid> missing\\n`). The caller closes it."""
    return subprocess.Popen(
        ["git", "cat-file", "--batch"],
        cwd=root,
        env=_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


def decode_path(raw: bytes) -> str:
    """Git paths are bytes; non-UTF-8 names survive the round trip as surrogate escapes."""
    return raw.decode("utf-8", "surrogateescape")


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["git", "--literal-pathspecs", *args],
        cwd=root,
        env=_env(),
        capture_output=True,
        check=False,
    )


def _checked(proc: subprocess.CompletedProcess[bytes], command: str) -> bytes:
    if proc.returncode != 0:
        raise InputError(f"git {command}: {_why(proc).removeprefix(': ') or 'failed'}")
    return proc.stdout


def _why(proc: subprocess.CompletedProcess[bytes]) -> str:
    lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    return f": {lines[-1]}" if lines else ""


def _split_z(out: bytes) -> list[str]:
    return [decode_path(item) for item in out.split(b"\0") if item]


def head_commit(root: Path) -> str | None:
    """The commit HEAD points at; None outside git or before the first commit."""
    try:
        return resolve(root, "HEAD")
    except GitRefError:
        return None


def show_file(root: Path, commit: str, path: str) -> bytes:
    """The bytes of `path` (relative to `root`) at `commit`; b"" where it did not exist."""
    spec = f"{validate_ref(commit)}:./{validate_path(path)}"
    return run(root, "show", "--no-textconv", "--end-of-options", spec, check=False)
