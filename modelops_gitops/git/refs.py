"""Refs and commits: what a name points at, where histories meet, what a commit's parents
are. Every ref is checked by `validate_ref` and passed after `--end-of-options`; failures
become GitRefError (a ref that is unsafe or does not resolve) or InputError (anything else
git refused)."""

from __future__ import annotations

import re
from pathlib import Path

from modelops_gitops.errors import GitRefError
from modelops_gitops.git.process import attempt, checked, literal, run, why

MAX_REF_LENGTH = 1024
PSEUDO_REFS = frozenset({"HEAD", "FETCH_HEAD", "ORIG_HEAD", "MERGE_HEAD"})
_FULL_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_NAME_AND_SUFFIX = re.compile(r"(.*?)((?:[~^][0-9]*)*)", re.DOTALL)
_REF_BAD_CHARS = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


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
    proc = literal(root, "rev-parse", "--verify", "--quiet", "--end-of-options", _commit_of(ref))
    sha = proc.stdout.decode("ascii", "replace").strip()
    if proc.returncode != 0 or not _FULL_SHA.fullmatch(sha):
        raise GitRefError(f"git ref {ref!r} does not name a commit in {root}{why(proc)}")
    return sha


def _commit_of(ref: str) -> str:
    return f"{validate_ref(ref)}^{{commit}}"


def merge_base(root: Path, a: str, b: str) -> str | None:
    """The best common ancestor of two refs, or None when their histories are unrelated."""
    sha_a, sha_b = resolve(root, a), resolve(root, b)
    proc = literal(root, "merge-base", "--end-of-options", sha_a, sha_b)
    if proc.returncode == 1 and not proc.stdout.strip():
        return None
    return checked(proc, "merge-base").decode("ascii").strip()


def default_branch(root: Path) -> str:
    """`origin/HEAD`'s target when it is set (e.g. 'origin/main'), else the first of
    main, master, origin/main, origin/master that exists."""
    proc = literal(root, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
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
    proc = literal(root, "rev-parse", "--verify", "--quiet", "--end-of-options", _commit_of(ref))
    return proc.returncode == 0


def parents(root: Path, commit: str) -> tuple[str, ...]:
    """The parents of `commit`, first parent first (two or more for a merge)."""
    out = run(root, "rev-list", "--parents", "-n", "1", "--end-of-options", validate_ref(commit))
    return tuple(out.decode().split()[1:])


def head_commit(root: Path) -> str | None:
    """The commit HEAD points at; None outside git or before the first commit."""
    try:
        return resolve(root, "HEAD")
    except GitRefError:
        return None


def current_branch(root: Path) -> str:
    """The branch HEAD is on; "" when HEAD is detached."""
    proc = attempt(root, "symbolic-ref", "--quiet", "--short", "HEAD")
    return proc.stdout.decode().strip() if proc.returncode == 0 else ""


def has_ref(root: Path, full_name: str) -> bool:
    """Does the fully spelled ref (`refs/remotes/origin/main`) exist?"""
    return bool(run(root, "for-each-ref", "--end-of-options", full_name).strip())


def tags(root: Path) -> dict[str, str]:
    """tag name -> the commit it points at (peeled)."""
    fmt = "%(refname:strip=2) %(objectname) %(*objectname)"
    out = run(root, "for-each-ref", f"--format={fmt}", "refs/tags")
    found: dict[str, str] = {}
    for line in out.decode().splitlines():
        name, obj, peeled = [*line.split(" "), "", ""][:3]
        found[name] = peeled or obj
    return found


def is_shallow(root: Path) -> bool:
    return run(root, "rev-parse", "--is-shallow-repository").strip() == b"true"


def tree_id(root: Path, commit: str, path: str) -> str | None:
    """The object id of the folder `path` in `commit`; None where there is none."""
    spec = f"{validate_ref(commit)}:{path}"
    out = run(root, "rev-parse", "--verify", "--quiet", "--end-of-options", spec, check=False)
    return out.decode("ascii").strip() or None
