"""History: when a commit was made, which commits changed a path, the mainline of a branch,
what two commits' trees differ in. Paths go after `--` as literal pathspecs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from modelops_gitops.git.process import checked, decode_path, literal, run, split_z
from modelops_gitops.git.refs import resolve, validate_ref
from modelops_gitops.git.tree import validate_path


def commit_time(root: Path, sha: str) -> datetime:
    """The committer time of the commit `sha` names, timezone-aware in UTC."""
    commit = resolve(root, sha)
    args = ("-1", "--no-show-signature", "--format=%ct", "--end-of-options", commit, "--")
    out = checked(literal(root, "log", *args), "log")
    return datetime.fromtimestamp(int(out.strip()), tz=UTC)


def changed_paths(root: Path, base: str, head: str) -> list[str]:
    """Paths that differ between the trees of `base` and `head`, sorted. Renames count as a
    deletion plus an addition; only committed content is compared, never the work tree."""
    base_sha, head_sha = resolve(root, base), resolve(root, head)
    args = ("--name-only", "-z", "--no-renames", "--no-ext-diff", "--no-textconv", "--no-relative")
    proc = literal(root, "diff", *args, "--end-of-options", base_sha, head_sha, "--")
    return sorted(split_z(checked(proc, "diff")))


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
    proc = literal(root, "log", *args, "--end-of-options", commit, "--", validate_path(path))
    history: list[tuple[str, datetime]] = []
    for record in split_z(checked(proc, "log")):
        sha, _, stamp = record.strip().partition(" ")
        history.append((sha, datetime.fromtimestamp(int(stamp), tz=UTC)))
    return history


def first_parent(root: Path, head: str) -> list[str]:
    """The mainline of `head` (its first-parent chain), oldest first."""
    out = run(
        root, "rev-list", "--first-parent", "--reverse", "--end-of-options", validate_ref(head)
    )
    return out.decode("ascii").split()


def commits_between(root: Path, base: str, head: str) -> list[str]:
    """The commits `head` has and `base` does not (a pull request's commits), oldest first."""
    out = run(
        root,
        "rev-list",
        "--reverse",
        "--end-of-options",
        validate_ref(head),
        f"^{validate_ref(base)}",
    )
    return out.decode("ascii").split()


def commits_missing_from(root: Path, other: str) -> list[tuple[str, str]]:
    """(sha, subject) of the commits on HEAD that `other` does not have, newest first."""
    out = run(root, "log", "--format=%H %s", "HEAD", f"^{validate_ref(other)}", "--")
    return [tuple(line.split(" ", 1)) for line in out.decode().splitlines()]  # type: ignore[misc]


@dataclass(frozen=True)
class MainlineCommit:
    """One commit of a branch's first-parent history: its parents, committer time (Unix
    seconds) and the paths it changed against its first parent (all paths for a root)."""

    sha: str
    parents: tuple[str, ...]
    time: int
    paths: tuple[str, ...]


def mainline(root: Path, head: str) -> list[MainlineCommit]:
    """The first-parent history of `head`, oldest first, each commit with the paths it
    changed against its first parent (a merge's changes are what it brought in), in one
    `git log`."""
    args = (
        "--first-parent",
        "--reverse",
        "--diff-merges=first-parent",
        "--name-only",
        "--no-renames",
        "-z",
        "--no-show-signature",
        "--format=%x01%H %ct %P",
    )
    proc = literal(root, "log", *args, "--end-of-options", validate_ref(head), "--")
    out: list[MainlineCommit] = []
    for record in checked(proc, "log").split(b"\x01"):
        if not record:
            continue
        header, _, rest = record.partition(b"\0")
        sha, stamp, *parents = header.decode("ascii").split()
        paths = tuple(split_z(rest.lstrip(b"\n")))
        out.append(MainlineCommit(sha, tuple(parents), int(stamp), paths))
    return out


@dataclass(frozen=True)
class FileVersions:
    """One commit of a branch's first-parent history that changed files under a folder: its
    parents, committer time (Unix seconds) and, per changed file, its new blob id (None where
    the commit deleted it). A merge's changes are those against its first parent."""

    sha: str
    parents: tuple[str, ...]
    time: int
    blobs: dict[str, str | None]


def mainline_files(root: Path, head: str, under: str) -> list[FileVersions]:
    """The first-parent history of `head` restricted to the files under `under`, oldest
    first, with the blob id of every file version: one `git log --raw`, however long the
    history and however many files (commits that touch nothing under `under` cost git a
    tree comparison, and us nothing)."""
    args = (
        "--first-parent",
        "--reverse",
        "--diff-merges=first-parent",
        "--raw",
        "--no-abbrev",
        "--no-renames",
        "-z",
        "--no-show-signature",
        "--format=%x01%H %ct %P",
    )
    folder = validate_path(under)
    proc = literal(root, "log", *args, "--end-of-options", validate_ref(head), "--", folder)
    out: list[FileVersions] = []
    for record in checked(proc, "log").split(b"\x01"):
        if not record:
            continue
        header, _, rest = record.partition(b"\0")
        sha, stamp, *parents = header.decode("ascii").split()
        fields = rest.lstrip(b"\n").split(b"\0")
        blobs: dict[str, str | None] = {}
        for meta, raw_path in zip(fields[0::2], fields[1::2], strict=False):
            if not meta.startswith(b":"):
                continue
            new = meta.split()[3].decode("ascii")
            blobs[decode_path(raw_path)] = None if new.strip("0") == "" else new
        out.append(FileVersions(sha, tuple(parents), int(stamp), blobs))
    return out
