"""git.py against real repositories: refs are validated and never read as options, history
and diffs come from commits only (never the work tree)."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from modelops_gitops import git
from modelops_gitops.errors import EXIT_INPUT, GitRefError, InputError

SHA1 = "0123456789abcdef0123456789abcdef01234567"
SHA256 = "0123456789abcdef" * 4


# HOME and git configuration are isolated by conftest's autouse `isolate` fixture.


def sh(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        ["git", *args], cwd=repo, env=full_env, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def commit(repo: Path, files: dict[str, str | None], message: str, when: str | None = None) -> str:
    """Write (or delete, for None) `files`, commit them all, return the new sha."""
    for rel, content in files.items():
        path = repo / rel
        if content is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    env = {"GIT_COMMITTER_DATE": when, "GIT_AUTHOR_DATE": when} if when else None
    sh(repo, "add", "--all")
    sh(repo, "commit", "--quiet", "--no-verify", "--allow-empty", "-m", message, env=env)
    return sh(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    sh(root, "init", "--quiet", "--initial-branch=main")
    commit(root, {"modelops.yaml": "v: 1\n", "policies/a.yaml": "a: 1\n"}, "first")
    return root


# -- validate_ref -----------------------------------------------------------------------------

ACCEPTED = [
    "main",
    "HEAD",
    "HEAD~1",
    "HEAD^",
    "HEAD~2^2",
    "main~3",
    "FETCH_HEAD",
    "origin/main",
    "refs/heads/feature/x",
    "refs/remotes/origin/HEAD",
    "v1.2.0",
    "release-2024.05",
    "user@host",
    "ünïcode",
    "abc1234",
    SHA1,
    SHA256,
]

REFUSED = [
    "",
    "-x",
    "--upload-pack=touch /tmp/pwned",
    "--output=/tmp/pwned",
    "a..b",
    "a...b",
    "main@{1}",
    "@{-1}",
    "@",
    "a b",
    "a\tb",
    "a\nb",
    "a\x00b",
    "a\x7fb",
    "main:policies/a.yaml",
    "HEAD^{tree}",
    "HEAD^!",
    "a~b",
    "*",
    "a?",
    "[a",
    "a\\b",
    "/a",
    "a/",
    "a//b",
    "a.",
    ".a",
    "a/.b",
    "a.lock",
    "a/b.lock/c",
    "x" * 2000,
]


@pytest.mark.parametrize("ref", ACCEPTED)
def test_validate_ref_accepts_plausible_refs(ref: str) -> None:
    assert git.validate_ref(ref) == ref


@pytest.mark.parametrize("ref", REFUSED)
def test_validate_ref_refuses_options_ranges_and_odd_names(ref: str) -> None:
    with pytest.raises(GitRefError) as info:
        git.validate_ref(ref)
    assert info.value.exit_code == EXIT_INPUT
    assert repr(ref)[:40] in str(info.value)


@pytest.mark.parametrize(
    "name",
    ["main", "a/b", "a..b", "a.lock", "a b", "a:b", "a@{b", "@", "a//b", "a/", ".a", "a.", "x-y"],
)
def test_plain_names_follow_check_ref_format(tmp_path: Path, name: str) -> None:
    proc = subprocess.run(
        ["git", "check-ref-format", "--allow-onelevel", name], cwd=tmp_path, check=False
    )
    try:
        git.validate_ref(name)
    except GitRefError:
        accepted = False
    else:
        accepted = True
    assert accepted == (proc.returncode == 0)


# -- resolve --------------------------------------------------------------------------------


def test_resolve_names_commits(repo: Path) -> None:
    first = sh(repo, "rev-parse", "HEAD")
    second = commit(repo, {"policies/a.yaml": "a: 2\n"}, "second")
    sh(repo, "tag", "--annotate", "-m", "release", "v1", first)
    assert git.resolve(repo, "HEAD") == second
    assert git.resolve(repo, "main") == second
    assert git.resolve(repo, "HEAD~1") == first
    assert git.resolve(repo, "v1") == first  # an annotated tag peels to its commit
    assert git.resolve(repo, first) == first
    assert git.resolve(repo, first[:10]) == first


@pytest.mark.parametrize("ref", ["nope", "HEAD~5", SHA1, "origin/main"])
def test_resolve_unknown_ref_names_it(repo: Path, ref: str) -> None:
    with pytest.raises(GitRefError) as info:
        git.resolve(repo, ref)
    assert repr(ref) in str(info.value)
    assert "does not name a commit" in str(info.value)
    assert info.value.exit_code == EXIT_INPUT


def test_resolve_refuses_a_tree_id(repo: Path) -> None:
    tree = sh(repo, "rev-parse", "HEAD^{tree}")
    with pytest.raises(GitRefError, match="does not name a commit"):
        git.resolve(repo, tree)


def test_resolve_outside_a_repository(tmp_path: Path) -> None:
    with pytest.raises(GitRefError, match="not a git repository"):
        git.resolve(tmp_path, "HEAD")


def test_branch_named_like_an_option_is_never_run(repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = f"--upload-pack=touch {marker}"
    sha = sh(repo, "rev-parse", "HEAD")
    # `git branch` and `update-ref` refuse the name (it has a space); write the ref file.
    ref_file = repo / ".git" / "refs" / "heads" / evil
    ref_file.parent.mkdir(parents=True, exist_ok=True)
    ref_file.write_text(f"{sha}\n")
    for call in (
        lambda: git.resolve(repo, evil),
        lambda: git.changed_paths(repo, evil, "HEAD"),
        lambda: git.file_log(repo, "policies/a.yaml", evil),
        lambda: git.merge_base(repo, "HEAD", evil),
        lambda: git.commit_time(repo, evil),
    ):
        with pytest.raises(GitRefError) as info:
            call()
        assert info.value.exit_code == EXIT_INPUT
        assert "starts with '-'" in str(info.value)
    assert not marker.exists()


def test_dangerous_option_refs_are_refused_before_git_runs(repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "written-by-git"
    with pytest.raises(GitRefError):
        git.changed_paths(repo, f"--output={marker}", "HEAD")
    with pytest.raises(GitRefError):
        git.file_log(repo, "policies/a.yaml", f"--output={marker}")
    assert not marker.exists()


def test_a_branch_beginning_with_dashes_resolves_by_its_full_name(
    repo: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    sha = sh(repo, "rev-parse", "HEAD")
    sh(repo, "update-ref", f"refs/heads/--upload-pack=touch{marker}", sha)
    full = f"refs/heads/--upload-pack=touch{marker}"
    assert git.resolve(repo, full) == sha
    assert git.changed_paths(repo, full, "HEAD") == []
    assert [entry for entry, _ in git.file_log(repo, "policies/a.yaml", full)] == [sha]
    assert not marker.exists()


# -- merge_base, default_branch, commit_time ----------------------------------------------------


def test_merge_base_of_diverged_branches(repo: Path) -> None:
    fork = sh(repo, "rev-parse", "HEAD")
    sh(repo, "switch", "--quiet", "-c", "feature")
    commit(repo, {"policies/b.yaml": "b: 1\n"}, "feature work")
    sh(repo, "switch", "--quiet", "main")
    commit(repo, {"policies/a.yaml": "a: 2\n"}, "main work")
    assert git.merge_base(repo, "main", "feature") == fork


def test_merge_base_of_unrelated_histories_is_none(repo: Path) -> None:
    sh(repo, "switch", "--quiet", "--orphan", "other")
    commit(repo, {"x.yaml": "x\n"}, "unrelated")
    assert git.merge_base(repo, "main", "other") is None


def test_merge_base_unknown_ref(repo: Path) -> None:
    with pytest.raises(GitRefError, match="'ghost'"):
        git.merge_base(repo, "main", "ghost")


def test_default_branch_main_or_master(repo: Path) -> None:
    assert git.default_branch(repo) == "main"
    sh(repo, "branch", "--move", "main", "master")
    assert git.default_branch(repo) == "master"
    sh(repo, "branch", "--move", "master", "trunk")
    with pytest.raises(GitRefError, match="no default branch"):
        git.default_branch(repo)


def test_default_branch_follows_origin_head(repo: Path, tmp_path: Path) -> None:
    sh(repo, "branch", "--move", "main", "develop")
    clone = tmp_path / "clone"
    sh(tmp_path, "clone", "--quiet", str(repo), str(clone))
    sh(clone, "branch", "--quiet", "main")  # a local main must not win over origin/HEAD
    assert git.default_branch(clone) == "origin/develop"


def test_commit_time_is_committer_time_in_utc(repo: Path) -> None:
    sha = commit(repo, {"policies/a.yaml": "a: 2\n"}, "later", when="2024-06-02T09:30:00+02:00")
    when = git.commit_time(repo, sha)
    assert when == datetime(2024, 6, 2, 7, 30, tzinfo=UTC)
    assert when.utcoffset() is not None
    assert git.commit_time(repo, "HEAD~1") == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


# -- changed_paths, file_log ---------------------------------------------------------------


def test_changed_paths_between_commits_only(repo: Path) -> None:
    base = sh(repo, "rev-parse", "HEAD")
    commit(
        repo,
        {
            "policies/a.yaml": None,
            "policies/renamed.yaml": "a: 1\n",
            "policies/-rf.yaml": "x: 1\n",
            "models/m one/model.yaml": "m: 1\n",
            "models/ünï/model.yaml": "m: 2\n",
            "modelops.yaml": "v: 2\n",
        },
        "change",
    )
    (repo / "policies" / "uncommitted.yaml").write_text("u: 1\n")
    (repo / "models" / "m one" / "model.yaml").write_text("edited in work tree\n")
    assert git.changed_paths(repo, base, "HEAD") == [
        "modelops.yaml",
        "models/m one/model.yaml",
        "models/ünï/model.yaml",
        "policies/-rf.yaml",
        "policies/a.yaml",
        "policies/renamed.yaml",
    ]
    assert git.changed_paths(repo, "HEAD", "HEAD") == []


def test_changed_paths_with_a_newline_in_a_name(repo: Path) -> None:
    commit(repo, {"policies/two\nlines.yaml": "x: 1\n"}, "odd name")
    assert git.changed_paths(repo, "HEAD~1", "HEAD") == ["policies/two\nlines.yaml"]


def test_file_log_first_parent_counts_a_merged_change_from_its_merge(repo: Path) -> None:
    """A branch commit back-dated by its author shows up at the merge's time on the mainline."""
    sh(repo, "switch", "-q", "-c", "topic")
    branch = commit(repo, {"policies/a.yaml": "a: 9\n"}, "old", when="2020-01-01T00:00:00+00:00")
    sh(repo, "switch", "-q", "main")
    env = {"GIT_COMMITTER_DATE": "2024-06-01T00:00:00+00:00"}
    sh(repo, "merge", "-q", "--no-ff", "-m", "merge topic", "topic", env=env)
    merge = sh(repo, "rev-parse", "HEAD")
    assert git.file_log(repo, "policies/a.yaml", "HEAD")[0] == (
        branch,
        datetime(2020, 1, 1, tzinfo=UTC),
    )
    assert git.file_log(repo, "policies/a.yaml", "HEAD", first_parent=True)[0] == (
        merge,
        datetime(2024, 6, 1, tzinfo=UTC),
    )


def test_changed_paths_unknown_ref(repo: Path) -> None:
    with pytest.raises(GitRefError, match="'nope'"):
        git.changed_paths(repo, "nope", "HEAD")


def test_file_log_newest_first_with_times(repo: Path) -> None:
    first = sh(repo, "rev-parse", "HEAD")
    second = commit(repo, {"policies/a.yaml": "a: 2\n"}, "2", when="2024-05-02T00:00:00+00:00")
    commit(repo, {"policies/b.yaml": "b: 1\n"}, "3", when="2024-05-03T00:00:00+00:00")
    fourth = commit(repo, {"policies/a.yaml": "a: 3\n"}, "4", when="2024-05-04T00:00:00+00:00")
    assert git.file_log(repo, "policies/a.yaml", "HEAD") == [
        (fourth, datetime(2024, 5, 4, tzinfo=UTC)),
        (second, datetime(2024, 5, 2, tzinfo=UTC)),
        (first, datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ]
    assert [sha for sha, _ in git.file_log(repo, "policies/a.yaml", "HEAD~1")] == [second, first]
    assert git.file_log(repo, "policies/never.yaml", "HEAD") == []


def test_file_log_of_a_dash_path(repo: Path) -> None:
    sha = commit(repo, {"policies/-rf.yaml": "x: 1\n"}, "dash")
    assert [entry for entry, _ in git.file_log(repo, "policies/-rf.yaml", "HEAD")] == [sha]


def test_file_log_paths_are_literal_not_pathspec_magic(repo: Path) -> None:
    commit(repo, {"policies/b.yaml": "b: 1\n"}, "b")
    assert git.file_log(repo, "policies/*.yaml", "HEAD") == []
    assert git.file_log(repo, ":(glob)policies/*", "HEAD") == []
    star = commit(repo, {"policies/*.yaml": "literal star\n"}, "star")
    assert [sha for sha, _ in git.file_log(repo, "policies/*.yaml", "HEAD")] == [star]


@pytest.mark.parametrize("path", ["", "/etc/passwd", "../outside", "a/../b", "./a", "a//b", "a/"])
def test_file_log_refuses_paths_outside_the_tree(repo: Path, path: str) -> None:
    with pytest.raises(InputError) as info:
        git.file_log(repo, path, "HEAD")
    assert info.value.exit_code == EXIT_INPUT
    assert not isinstance(info.value, GitRefError)


def test_batch_history_reads_what_git_show_reads(repo: Path) -> None:
    first = commit(repo, {"models/a/model.yaml": "one\n", "a b.txt": "spaced\n"}, "one")
    second = commit(repo, {"models/a/model.yaml": "two\n"}, "two")
    plain = git.LocalHistory(repo)
    with git.BatchHistory(repo) as batch:
        for sha in (first, second):
            for path in ("models/a/model.yaml", "a b.txt", "absent.yaml"):
                assert batch.show_file(sha, path) == plain.show_file(sha, path), (sha, path)
            assert batch.show_file(sha, "models") == b""  # a folder is no file
        assert batch.show_file(first, "models/a/model.yaml") == b"one\n"
        assert batch.show_file("HEAD", "models/a/model.yaml") == b"two\n"  # a ref: git show
        with pytest.raises(InputError):
            batch.show_file(second, "../outside")
