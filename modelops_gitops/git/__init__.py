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

Callers use the names below (`git.resolve(root, ref)`), not the modules.
"""

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
