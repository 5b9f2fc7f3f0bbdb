"""Edge: git, the ONLY place in the package that runs it (a test holds this). Typed functions,
never a shell; refs are validated and passed after `--end-of-options`, paths after `--` as
literal pathspecs, so nothing from a pull request is read as an option.

    process    starting git: cleaned environment, exit status mapped to InputError
    refs       names -> commits, merge bases, parents, branches, tags
    log        commit times, the commits that changed a path, a branch's mainline
    tree       the files of a commit without checking it out (`GitTree`, the `Tree` for git)
    history    `History`, the protocol history readers take, and `LocalHistory`
    batch      `BatchHistory`: a LocalHistory reading files through one `cat-file --batch`
    worktree   the work tree and index: dirty paths, restore, stage
    writes     commits and tags as a named identity, fetch, atomic push
    branches   a one-file commit beside the work tree, a branch on it, pushed (proposals)

Callers use the names below (`git.resolve(root, ref)`), not the modules. Each loads on first
use (PEP 562): `validate`, which needs `toplevel` and `git_dir` only, does not pay for
importing every module here (about 30 ms).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelops_gitops import lazy

if TYPE_CHECKING:
    from modelops_gitops.git.batch import BatchHistory
    from modelops_gitops.git.branches import branch_commit, commit_file, push_branch, set_branch
    from modelops_gitops.git.history import History, LocalHistory
    from modelops_gitops.git.log import (
        FileVersions,
        MainlineCommit,
        changed_paths,
        commit_time,
        commits_between,
        commits_missing_from,
        file_log,
        first_parent,
        mainline,
        mainline_files,
    )
    from modelops_gitops.git.process import decode_path
    from modelops_gitops.git.refs import (
        current_branch,
        default_branch,
        has_ref,
        head_commit,
        is_shallow,
        merge_base,
        parents,
        resolve,
        tags,
        tree_id,
        validate_ref,
    )
    from modelops_gitops.git.signing import (
        CHECKPOINT_NAMESPACE,
        sign_text,
        verify_commit,
        verify_text,
    )
    from modelops_gitops.git.tree import (
        SUBMODULE_MODE,
        SYMLINK_MODE,
        GitTree,
        TreeEntry,
        ls_tree,
        read_blobs,
        show_file,
        validate_path,
    )
    from modelops_gitops.git.worktree import (
        changes_since,
        dirty_paths,
        git_dir,
        init,
        is_clean,
        is_clean_later,
        reset_hard,
        restore,
        stage,
        toplevel,
    )
    from modelops_gitops.git.writes import (
        Identity,
        PushRejected,
        Remote,
        commit,
        fetch,
        push,
        remote_exists,
        tag,
    )

_HOMES = {
    "BatchHistory": "batch",
    "branch_commit": "branches",
    "commit_file": "branches",
    "push_branch": "branches",
    "set_branch": "branches",
    "History": "history",
    "LocalHistory": "history",
    "FileVersions": "log",
    "MainlineCommit": "log",
    "changed_paths": "log",
    "commit_time": "log",
    "commits_between": "log",
    "commits_missing_from": "log",
    "file_log": "log",
    "first_parent": "log",
    "mainline": "log",
    "mainline_files": "log",
    "decode_path": "process",
    "current_branch": "refs",
    "default_branch": "refs",
    "has_ref": "refs",
    "head_commit": "refs",
    "is_shallow": "refs",
    "merge_base": "refs",
    "parents": "refs",
    "resolve": "refs",
    "tags": "refs",
    "tree_id": "refs",
    "validate_ref": "refs",
    "CHECKPOINT_NAMESPACE": "signing",
    "sign_text": "signing",
    "verify_commit": "signing",
    "verify_text": "signing",
    "SUBMODULE_MODE": "tree",
    "SYMLINK_MODE": "tree",
    "GitTree": "tree",
    "TreeEntry": "tree",
    "ls_tree": "tree",
    "read_blobs": "tree",
    "show_file": "tree",
    "validate_path": "tree",
    "changes_since": "worktree",
    "dirty_paths": "worktree",
    "git_dir": "worktree",
    "init": "worktree",
    "is_clean": "worktree",
    "is_clean_later": "worktree",
    "reset_hard": "worktree",
    "restore": "worktree",
    "stage": "worktree",
    "toplevel": "worktree",
    "Identity": "writes",
    "PushRejected": "writes",
    "Remote": "writes",
    "commit": "writes",
    "fetch": "writes",
    "push": "writes",
    "remote_exists": "writes",
    "tag": "writes",
}

__all__ = [
    "CHECKPOINT_NAMESPACE",
    "SUBMODULE_MODE",
    "SYMLINK_MODE",
    "BatchHistory",
    "FileVersions",
    "GitTree",
    "History",
    "Identity",
    "LocalHistory",
    "MainlineCommit",
    "PushRejected",
    "Remote",
    "TreeEntry",
    "branch_commit",
    "changed_paths",
    "changes_since",
    "commit",
    "commit_file",
    "commit_time",
    "commits_between",
    "commits_missing_from",
    "current_branch",
    "decode_path",
    "default_branch",
    "dirty_paths",
    "fetch",
    "file_log",
    "first_parent",
    "git_dir",
    "has_ref",
    "head_commit",
    "init",
    "is_clean",
    "is_clean_later",
    "is_shallow",
    "ls_tree",
    "mainline",
    "mainline_files",
    "merge_base",
    "parents",
    "push",
    "push_branch",
    "read_blobs",
    "remote_exists",
    "reset_hard",
    "resolve",
    "restore",
    "set_branch",
    "show_file",
    "sign_text",
    "stage",
    "tag",
    "tags",
    "toplevel",
    "tree_id",
    "validate_path",
    "validate_ref",
    "verify_commit",
    "verify_text",
]


def __getattr__(name: str) -> Any:
    return lazy.attribute(__name__, _HOMES, name, globals())
