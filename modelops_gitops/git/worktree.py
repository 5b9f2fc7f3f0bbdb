"""The work tree and its index: where the repository is, what is dirty, putting paths back
as HEAD has them, staging exactly the paths a commit is made of."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from modelops_gitops.git.process import attempt, checked, decode_path, run, split_z, started
from modelops_gitops.git.refs import validate_ref


def toplevel(start: Path) -> Path | None:
    """The top of the work tree containing `start`, or None outside git."""
    proc = attempt(start, "rev-parse", "--show-toplevel")
    return Path(proc.stdout.decode().strip()) if proc.returncode == 0 else None


def git_dir(root: Path) -> Path | None:
    proc = attempt(root, "rev-parse", "--absolute-git-dir")
    return Path(proc.stdout.decode().strip()) if proc.returncode == 0 else None


def init(root: Path, branch: str) -> None:
    run(root, "init", "--quiet", f"--initial-branch={branch}")


def dirty_paths(root: Path) -> list[str]:
    """Every path `git status` reports (staged, modified, deleted, untracked), sorted."""
    out = run(root, "status", "--porcelain=v1", "-z", "--untracked-files=all")
    paths: list[str] = []
    records = out.split(b"\0")
    i = 0
    while i < len(records):
        record = records[i]
        i += 1
        if len(record) < 4:
            continue
        paths.append(decode_path(record[3:]))
        if record[:1] in (b"R", b"C"):  # a rename's source follows as the next record
            paths.append(decode_path(records[i]))
            i += 1
    return sorted(set(paths))


def is_clean(root: Path, folder: str) -> bool:
    """Does the work tree hold exactly HEAD's `folder` (git's index and stat checks; ignored
    and untracked files count as differences)? Takes no lock, so it is safe beside a writer."""
    return is_clean_later(root, folder)()


def is_clean_later(root: Path, folder: str, *, untracked: bool = True) -> Callable[[], bool]:
    """`is_clean`, started now and answered when called (git stats every file of `folder`
    while the caller does other work). `untracked=False`: only the files git tracks are
    compared (no folder is read for untracked or ignored files: half the time)."""
    listed = ("--untracked-files=all", "--ignored=matching") if untracked else ("-uno",)
    args = ("--porcelain=v1", "-z", *listed)
    strict = ("-c", "core.trustctime=true", "-c", "core.checkStat=default")  # no local weakening
    finish = started(root, *strict, "--no-optional-locks", "status", *args, "--", folder)
    return lambda: not checked(finish(), "status")


def restore(root: Path, paths: list[str], committed: list[str]) -> None:
    """Unstage `paths` and put `committed` (those HEAD has) back as HEAD has them."""
    if paths:
        run(root, "reset", "--quiet", "HEAD", "--", *paths)
    if committed:
        run(root, "checkout", "HEAD", "--", *committed)


def stage(root: Path, paths: list[str]) -> None:
    """`git add` exactly `paths`, written or removed, ignore rules notwithstanding."""
    run(root, "add", "--all", "--force", "--", *paths)


def changes_since(root: Path, base: str) -> list[str]:
    """Paths that differ between `base` and the work tree, untracked files included."""
    ref = validate_ref(base)
    tracked = run(root, "diff", "--name-only", "-z", "--no-renames", "--end-of-options", ref, "--")
    untracked = run(root, "ls-files", "--others", "--exclude-standard", "-z", "--")
    return sorted({*split_z(tracked), *split_z(untracked)})


def reset_hard(root: Path, ref: str) -> None:
    """Move the branch and the work tree to `ref` (what apply does after a rejected push)."""
    run(root, "reset", "--quiet", "--hard", validate_ref(ref))  # validated: no leading "-"
