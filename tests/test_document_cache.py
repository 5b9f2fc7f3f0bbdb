"""Parsed documents kept by content digest in the clone's private cache: a hit gives the documents a
fresh parse gives, an edited file is parsed again, a corrupt cache is ignored and rewritten,
and a git revision's files are validated once per blob."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from plan_fixtures import CREDIT, commit, governed_repo, set_stage

from modelops_gitops.audit.desired import desired_stages, model_paths
from modelops_gitops.git import GitTree
from modelops_gitops.repo import state as state_module
from modelops_gitops.repo import validate as validate_module
from modelops_gitops.repo.document_cache import CACHE_FILE, DocumentCache
from modelops_gitops.repo.state import RepoState, load_state
from modelops_gitops.repo.tree import WorkTree
from modelops_gitops.repo.workspace import cache_dir


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    real = state_module.load_with_data

    def counting(file: str, raw: bytes, **kwargs: int) -> object:
        parsed.append(file)
        return real(file, raw, **kwargs)

    monkeypatch.setattr(state_module, "load_with_data", counting)
    return parsed


def _same(a: RepoState, b: RepoState) -> None:
    assert a.documents() == b.documents()
    assert a.files == b.files
    assert a.raw == b.raw
    assert a.policy_set_sha256() == b.policy_set_sha256()


def test_an_entry_is_keyed_by_the_sha256_of_its_bytes_not_gits_sha1(tmp_path: Path) -> None:
    repo = governed_repo(tmp_path)
    data = (repo / CREDIT).read_bytes()
    with GitTree(repo, "HEAD") as tree:
        committed = tree.read(CREDIT)
        git_id = tree.blob_id(CREDIT)
    key = DocumentCache.key(CREDIT, data, 1000)
    assert key == DocumentCache.key(CREDIT, committed, 1000)  # same bytes, same key, any tree
    assert key == (CREDIT, hashlib.sha256(data).hexdigest(), 1000)
    assert git_id not in key
    assert DocumentCache.key(CREDIT, data + b"\n", 1000) != key


def test_a_hit_is_identical_and_an_edit_is_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = governed_repo(tmp_path)
    parsed = _counted(monkeypatch)
    first = load_state(WorkTree(repo))
    assert CREDIT in parsed
    parsed.clear()
    second = load_state(WorkTree(repo))
    assert parsed == []  # every document from the cache
    _same(first, second)
    with GitTree(repo, "HEAD") as tree:  # the same blobs at HEAD: hits too
        at_head = load_state(tree)
    assert parsed == []
    assert at_head.documents() == first.documents()
    commit(repo, {CREDIT: set_stage("production", "1.2.0")}, "edit", when="2026-03-01T00:00:00Z")
    edited = load_state(WorkTree(repo))
    assert parsed == [CREDIT]  # only the edited file
    assert edited.models["credit"].spec.stages["production"] == "1.2.0"
    assert first.models["credit"].spec.stages["production"] != "1.2.0"


def test_a_corrupt_cache_is_ignored_and_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = governed_repo(tmp_path)
    fresh = load_state(WorkTree(repo))
    folder = cache_dir(repo)
    assert folder is not None
    (folder / CACHE_FILE).write_bytes(b"\x80\x05garbage")
    parsed = _counted(monkeypatch)
    again = load_state(WorkTree(repo))
    assert CREDIT in parsed
    _same(fresh, again)
    parsed.clear()
    load_state(WorkTree(repo))
    assert parsed == []  # the corrupt file was replaced by a good one


def test_a_git_revisions_model_files_are_validated_once_per_blob(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = governed_repo(tmp_path)
    checked: list[str] = []
    real = validate_module.check_file

    def counting(file: str, *args: object, **kwargs: object) -> object:
        checked.append(file)
        return real(file, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(validate_module, "check_file", counting)
    with GitTree(repo, "HEAD") as tree:
        paths = model_paths(tree)
        first = desired_stages(tree, repo, paths)
        assert CREDIT in checked
        checked.clear()
        assert desired_stages(tree, repo, paths) == first
    assert checked == []
    commit(repo, {CREDIT: set_stage("production", "1.2.0")}, "edit", when="2026-03-01T00:00:00Z")
    with GitTree(repo, "HEAD") as tree:
        after = desired_stages(tree, repo, paths)
    assert checked == [CREDIT]
    assert after["credit"]["production"] == "1.2.0"
