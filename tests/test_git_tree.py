"""GitTree: the files of a commit, read through ls-tree and one cat-file process, while the
work tree (with its uncommitted edits) is neither read nor touched."""

from __future__ import annotations

import gc
import os
import subprocess
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from modelops_gitops import git
from modelops_gitops.errors import EXIT_INPUT, GitRefError, InputError
from modelops_gitops.git import tree as git_tree
from modelops_gitops.git.tree import GitTree
from modelops_gitops.repo.tree import Tree, document_paths

# HOME and git configuration are isolated by conftest's autouse `isolate` fixture.


def sh(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def commit(repo: Path, files: dict[str, str | bytes | None], message: str = "change") -> str:
    """Write (bytes or text) or delete (None) `files`, commit everything, return the sha."""
    for rel, content in files.items():
        path = repo / rel
        if content is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    sh(repo, "add", "--all")
    sh(repo, "commit", "--quiet", "--no-verify", "--allow-empty", "-m", message)
    return sh(repo, "rev-parse", "HEAD")


def new_repo(tmp_path: Path, files: dict[str, str | bytes | None], name: str = "repo") -> Path:
    root = tmp_path / name
    root.mkdir()
    sh(root, "init", "--quiet", "--initial-branch=main")
    commit(root, files, "first")
    return root


def work_tree_state(repo: Path) -> dict[str, bytes]:
    """Every file under the repository (including .git's index and HEAD), by content."""
    state: dict[str, bytes] = {}
    for dirpath, _, filenames in os.walk(repo):
        for name in filenames:
            full = Path(dirpath) / name
            if ".git/objects" in full.as_posix():
                continue
            state[full.relative_to(repo).as_posix()] = full.read_bytes()
    state["<status>"] = sh(repo, "status", "--porcelain=v1", "-z").encode()
    return state


def test_two_refs_read_without_touching_the_work_tree(tmp_path: Path) -> None:
    repo = new_repo(tmp_path, {"modelops.yaml": "v: 1\n", "policies/a.yaml": "a: 1\n"})
    commit(repo, {"policies/a.yaml": "a: 2\n", "policies/b.yaml": "b: 2\n"})
    (repo / "policies" / "a.yaml").write_text("a: uncommitted\n")
    (repo / "policies" / "b.yaml").unlink()
    (repo / "policies" / "untracked.yaml").write_text("u: 1\n")
    before = work_tree_state(repo)

    with GitTree(repo, "HEAD~1") as base, GitTree(repo, "main") as head:
        assert base.paths() == ["modelops.yaml", "policies/a.yaml"]
        assert head.paths() == ["modelops.yaml", "policies/a.yaml", "policies/b.yaml"]
        assert base.read("policies/a.yaml") == b"a: 1\n"
        assert head.read("policies/a.yaml") == b"a: 2\n"
        assert head.read("policies/b.yaml") == b"b: 2\n"
        assert not head.exists("policies/untracked.yaml")
        assert not base.exists("policies/b.yaml")
        assert (base.label, head.label) == ("HEAD~1", "main")

    assert work_tree_state(repo) == before


def test_label_is_the_short_sha_for_a_sha(tmp_path: Path) -> None:
    repo = new_repo(tmp_path, {"a.yaml": "a\n"})
    sha = sh(repo, "rev-parse", "HEAD")
    with GitTree(repo, sha) as tree:
        assert tree.commit == sha
        assert tree.label == sha[:12]
    with GitTree(repo, "HEAD", label="base") as tree:
        assert tree.label == "base"


def test_it_satisfies_the_tree_protocol_and_has_no_root(tmp_path: Path) -> None:
    repo = new_repo(tmp_path, {"modelops.yaml": "v: 1\n", "policies/p.yaml": "p\n"})
    with GitTree(repo, "HEAD") as git_tree:
        tree: Tree = git_tree
        assert document_paths(tree.paths()) == ["modelops.yaml", "policies/p.yaml"]
        # validate.py re-reads `tree.root` from disk in worker processes: a GitTree must not
        # offer one, or a large commit would silently be validated from the work tree.
        assert not hasattr(tree, "root")


def test_unknown_or_unsafe_ref(tmp_path: Path) -> None:
    repo = new_repo(tmp_path, {"a.yaml": "a\n"})
    with pytest.raises(GitRefError, match="'nope'") as info:
        GitTree(repo, "nope")
    assert info.value.exit_code == EXIT_INPUT
    with pytest.raises(GitRefError, match="starts with '-'"):
        GitTree(repo, "--output=x")


def test_odd_file_names_are_read_exactly(tmp_path: Path) -> None:
    files: dict[str, str | bytes | None] = {
        "policies/-rf.yaml": "dash: 1\n",
        "policies/--help.yaml": "dashes: 2\n",
        "policies/two\nlines.yaml": "newline: 3\n",
        "policies/sp ace.yaml": "space: 4\n",
        "policies/ünï.yaml": "unicode: 5\n",
        "policies/tab\there.yaml": "tab: 6\n",
    }
    repo = new_repo(tmp_path, files)
    with GitTree(repo, "HEAD") as tree:
        assert tree.paths() == sorted(files)
        for path, content in files.items():
            assert isinstance(content, str)
            assert tree.read(path) == content.encode()


def test_a_non_utf8_file_name_round_trips(tmp_path: Path) -> None:
    repo = new_repo(tmp_path, {"a.yaml": "a\n"})
    (repo / "policies").mkdir()
    (repo / "policies" / os.fsdecode(b"caf\xe9.yaml")).write_bytes(b"x: 1\n")
    commit(repo, {}, "latin-1 name")
    name = "policies/caf\udce9.yaml"  # the byte 0xe9 as a surrogate escape
    assert git.changed_paths(repo, "HEAD~1", "HEAD") == [name]
    with GitTree(repo, "HEAD") as tree:
        assert name in tree.paths()
        assert tree.read(name) == b"x: 1\n"


def test_binary_and_tricky_blobs_round_trip(tmp_path: Path) -> None:
    blobs: dict[str, bytes] = {
        "data/binary.bin": bytes(range(256)) * 3 + b"\xff\xfe\x00",
        "data/latin1.yaml": "caf\xe9: 1\n".encode("latin-1"),
        "data/empty.yaml": b"",
        "data/header-like.txt": b"0123 blob 5\nmissing\n\n",
        "data/no-newline.txt": b"last line",
        "data/crlf.txt": b"a\r\nb\r\n",
    }
    repo = new_repo(tmp_path, dict(blobs))
    with GitTree(repo, "HEAD") as tree:
        assert tree.read_many(blobs) == blobs
        for path, content in blobs.items():
            assert tree.read(path) == content


def test_symlinks_and_submodules_are_special_not_files(tmp_path: Path) -> None:
    repo = new_repo(tmp_path, {"models/churn/model.yaml": "m\n"})
    os.symlink("../models/churn/model.yaml", repo / "policies-link.yaml")
    (repo / "policies").mkdir()
    os.symlink("/etc/passwd", repo / "policies" / "evil.yaml")
    sha = sh(repo, "rev-parse", "HEAD")
    sh(repo, "add", "--all")
    sh(repo, "update-index", "--add", "--cacheinfo", f"160000,{sha},vendor/sub")
    sh(repo, "commit", "--quiet", "--no-verify", "-m", "links and a submodule")

    with GitTree(repo, "HEAD") as tree:
        assert tree.paths() == ["models/churn/model.yaml"]
        assert tree.special_paths() == {
            "policies-link.yaml": "120000",
            "policies/evil.yaml": "120000",
            "vendor/sub": "160000",
        }
        assert tree.exists("policies/evil.yaml")
        with pytest.raises(InputError, match="symlink") as info:
            tree.read("policies/evil.yaml")
        assert info.value.problems[0].file == "policies/evil.yaml"
        with pytest.raises(InputError, match="160000"):
            tree.read("vendor/sub")


def test_missing_path_names_the_file(tmp_path: Path) -> None:
    repo = new_repo(tmp_path, {"a.yaml": "a\n"})
    with GitTree(repo, "HEAD") as tree:
        with pytest.raises(InputError) as info:
            tree.read("policies/absent.yaml")
        assert info.value.exit_code == EXIT_INPUT
        assert info.value.problems[0].file == "policies/absent.yaml"
        assert "no such file at HEAD" in str(info.value)
        assert not tree.exists("policies/absent.yaml")
        assert tree.read("a.yaml") == b"a\n"  # the process survives a refused path


def test_blob_ids_match_git_and_equal_content_shares_one(tmp_path: Path) -> None:
    repo = new_repo(tmp_path, {"a.yaml": "same\n", "b.yaml": "same\n", "c.yaml": "other\n"})
    with GitTree(repo, "HEAD") as tree:
        assert tree.blob_id("c.yaml") == sh(repo, "rev-parse", "HEAD:c.yaml")
        assert tree.blob_id("a.yaml") == tree.blob_id("b.yaml")
        assert tree.read_many(["a.yaml", "b.yaml", "c.yaml"]) == {
            "a.yaml": b"same\n",
            "b.yaml": b"same\n",
            "c.yaml": b"other\n",
        }


def test_large_repository_lists_once_and_reads_few(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files: dict[str, str | bytes | None] = {
        f"models/m{i:04d}/model.yaml": f"name: m{i:04d}\n" + "x" * (i % 300) for i in range(2000)
    }
    repo = new_repo(tmp_path, files)
    calls = {"ls_tree": 0, "cat_file_batch": 0}
    for name in calls:
        real = getattr(git_tree, name)

        def counted(*args: object, _real: object = real, _name: str = name) -> object:
            calls[_name] += 1
            return _real(*args)  # type: ignore[operator]

        monkeypatch.setattr(git_tree, name, counted)

    with GitTree(repo, "HEAD") as tree:
        paths = tree.paths()
        assert len(paths) == 2000
        wanted = paths[::200]
        assert len(wanted) == 10
        got = tree.read_many(wanted)
        assert got == {p: str(files[p]).encode() for p in wanted}
        assert tree.read(paths[7]) == str(files[paths[7]]).encode()
        assert tree.exists(paths[-1])
        # Everything at once: more than one pipelined batch, more output than a pipe holds.
        everything = tree.read_many(paths)
        assert len(everything) == 2000
        assert everything[paths[1999]] == str(files[paths[1999]]).encode()
    assert calls == {"ls_tree": 1, "cat_file_batch": 1}


def test_concurrent_reads_share_one_process(tmp_path: Path) -> None:
    files: dict[str, str | bytes | None] = {f"p/{i}.yaml": f"n: {i}\n" * (i + 1) for i in range(64)}
    repo = new_repo(tmp_path, files)
    with GitTree(repo, "HEAD") as tree, ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(tree.read, sorted(files) * 4))
    assert results == [str(files[p]).encode() for p in sorted(files) * 4]


def test_a_missing_object_is_an_input_error_and_the_tree_recovers(tmp_path: Path) -> None:
    repo = new_repo(tmp_path, {"a.yaml": "a\n", "b.yaml": "b\n"})
    with GitTree(repo, "HEAD") as tree:
        oid = tree.blob_id("a.yaml")
        (repo / ".git" / "objects" / oid[:2] / oid[2:]).unlink()
        with pytest.raises(InputError, match="could not read blob"):
            tree.read("a.yaml")
        assert tree.read("b.yaml") == b"b\n"


def test_close_is_idempotent_and_reading_again_restarts(tmp_path: Path) -> None:
    repo = new_repo(tmp_path, {"a.yaml": "a\n"})
    tree = GitTree(repo, "HEAD")
    tree.close()  # before any read: nothing to stop
    assert tree.read("a.yaml") == b"a\n"
    tree.close()
    tree.close()
    assert tree.read("a.yaml") == b"a\n"
    tree.close()


def test_a_forgotten_tree_is_cleaned_up_without_resource_warnings(tmp_path: Path) -> None:
    repo = new_repo(tmp_path, {"a.yaml": "a\n"})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tree = GitTree(repo, "HEAD")
        assert tree.read("a.yaml") == b"a\n"
        del tree
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
