"""validate_tree: which files are read, the per-file cache, the parallel path."""

from __future__ import annotations

import marshal
import os
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CHURN_MODEL, Result, make_repo, snapshot, valid_files, write_files

from modelops_gitops.repo import tree, validate, validate_cache
from modelops_gitops.repo.state import load_state
from modelops_gitops.repo.tree import WorkTree, document_paths
from modelops_gitops.repo.validate import validate_tree

Cli = Callable[..., Result]
MODEL = "models/churn/model.yaml"
CACHE = Path(".git/modelops-gitops/validate")  # the shard directory
LEGACY = Path(".git/modelops-gitops/validate.pickle")
# What validate reads in the valid scenario: the scaffold's documents plus the one model.
DOCUMENTS = document_paths(valid_files())


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files in these tests are seconds old at most, and a file changed within RACY_NS is
    never cached (see test_a_file_rewritten_within_the_same_tick_is_read_again). Here, let
    every file count as settled."""
    monkeypatch.setattr(validate_cache, "RACY_NS", 0)
    monkeypatch.setattr(tree, "RACY_NS", 0)  # folders, for the remembered listing


def rewrite(path: Path, text: str) -> None:
    """Edit in place (same inode), as many editors do."""
    with path.open("r+", encoding="utf-8") as handle:
        handle.write(text)
        handle.truncate()


# -- what is read --------------------------------------------------------------------------------


def test_whole_tree(valid_repo: Path, reads: list[str]) -> None:
    report = validate_tree(WorkTree(valid_repo))
    assert report.ok
    assert report.files == len(DOCUMENTS)
    assert reads == DOCUMENTS


def test_non_documents_are_not_read(tmp_path: Path, reads: list[str]) -> None:
    files = valid_files()
    files["models/churn/README.md"] = "# churn\n"
    files["models/churn/notes.yaml"] = "{{ not yaml"
    files["policies/tests/case.yaml"] = "{{ not yaml"
    files["policies/waivers.yml"] = (
        "apiVersion: modelops-gitops/v1\nkind: Waiver\nmetadata: {name: w}\n"
        "spec: {model: churn, policy: production, rule: test, reason: r, expires: 2030-01-01}\n"
    )
    files["docs/example.yaml"] = "{{ not yaml"
    repo = make_repo(tmp_path, files)
    assert validate_tree(WorkTree(repo)).ok
    assert sorted(reads) == sorted([*DOCUMENTS, "policies/waivers.yml"])


def test_named_model_is_read_with_the_policies_only(tmp_path: Path, reads: list[str]) -> None:
    other = CHURN_MODEL.replace("name: churn", "name: fraud").replace("owner: ml-team", "owner: x")
    repo = make_repo(tmp_path, {**valid_files(), "models/fraud/model.yaml": other})
    report = validate_tree(WorkTree(repo), [MODEL])
    assert report.ok
    assert report.files == len(DOCUMENTS)
    assert "models/fraud/model.yaml" not in reads


def test_named_policy_reads_every_model(tmp_path: Path, reads: list[str]) -> None:
    other = CHURN_MODEL.replace("name: churn", "name: fraud")
    repo = make_repo(tmp_path, {**valid_files(), "models/fraud/model.yaml": other})
    report = validate_tree(WorkTree(repo), iter(["policies/teams.yaml"]))
    assert report.ok
    assert report.files == len(DOCUMENTS) + 1
    assert "models/fraud/model.yaml" in reads


def test_a_repository_outside_git_validates_without_a_cache(tmp_path: Path, cli: Cli) -> None:
    write_files(tmp_path, valid_files())
    before = snapshot(tmp_path)
    result = cli("validate", "--repo", str(tmp_path))
    assert result.code == 0, result
    assert snapshot(tmp_path) == before


def test_two_files_for_one_model_are_reported(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {**valid_files(), "models/churn/model.yml": CHURN_MODEL})
    report = validate_tree(WorkTree(repo))
    assert sorted((p.file, p.field) for p in report.problems) == [
        ("models/churn/model.yaml", "metadata.name"),
        ("models/churn/model.yml", ""),
        ("models/churn/model.yml", "metadata.name"),
    ]
    assert any("Model name 'churn' is used twice" in p.message for p in report.problems)


def test_model_yml_is_refused_with_a_hint(tmp_path: Path) -> None:
    """One canonical name: before, models/x/model.yml validated but its approved promotion
    was later refused as unapproved drift."""
    files = dict(valid_files())
    files["models/churn/model.yml"] = files.pop("models/churn/model.yaml")
    report = validate_tree(WorkTree(make_repo(tmp_path, files)))
    [problem] = [p for p in report.problems if p.file == "models/churn/model.yml"]
    assert "the model file is named model.yaml" in problem.message
    assert "git mv models/churn/model.yml models/churn/model.yaml" in problem.message


def test_a_file_with_a_utf8_bom_is_read(tmp_path: Path) -> None:
    """Before, the fast path read a BOM-prefixed document as empty ("the file is empty")."""
    files = dict(valid_files())
    text = files["models/churn/model.yaml"]
    files["models/churn/model.yaml"] = b"\xef\xbb\xbf" + (
        text if isinstance(text, bytes) else text.encode()
    )
    tree = WorkTree(make_repo(tmp_path, files))
    assert validate_tree(tree).problems == []
    assert load_state(tree).models["churn"].metadata.name == "churn"  # plan's fast path


# -- the cache -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("settled")
def test_warm_run_after_editing_one_file_reads_only_that_file(
    valid_repo: Path, cli: Cli, reads: list[str]
) -> None:
    assert cli("validate", "--repo", str(valid_repo)).code == 0
    assert reads == DOCUMENTS
    assert (valid_repo / CACHE).is_dir()

    reads.clear()
    assert cli("validate", "--repo", str(valid_repo)).code == 0
    assert reads == []

    rewrite(valid_repo / MODEL, CHURN_MODEL.replace("owner: ml-team", "owner: data-science"))
    before = snapshot(valid_repo)
    result = cli("validate", "--repo", str(valid_repo))
    assert reads == [MODEL]
    assert result.code == 2
    assert f"{MODEL}:9:3: spec.owner: unknown team 'data-science'" in result.out
    assert snapshot(valid_repo) == before

    reads.clear()  # a cached failure is still a failure
    assert cli("validate", "--repo", str(valid_repo)).out == result.out
    assert reads == []


@pytest.mark.usefixtures("settled")
def test_a_changed_size_limit_reads_every_file_again(
    valid_repo: Path, cli: Cli, reads: list[str]
) -> None:
    assert cli("validate", "--repo", str(valid_repo)).code == 0
    reads.clear()
    settings = (valid_repo / "modelops.yaml").read_text()
    rewrite(valid_repo / "modelops.yaml", settings + "  max_file_bytes: 1024\n")
    result = cli("validate", "--repo", str(valid_repo))
    assert sorted(reads) == DOCUMENTS
    assert result.code == 2
    assert f"{MODEL}: file is {len(CHURN_MODEL)} bytes, over the limit of 1024" in result.out


@pytest.mark.usefixtures("settled")
def test_editing_a_symlinks_target_is_seen(tmp_path: Path, cli: Cli) -> None:
    files = valid_files()
    files["shared/churn.yaml"] = files.pop(MODEL)
    repo = make_repo(tmp_path, files)
    (repo / "models" / "churn").mkdir(parents=True)
    (repo / MODEL).symlink_to("../../shared/churn.yaml")
    assert cli("validate", "--repo", str(repo)).code == 0
    rewrite(repo / "shared/churn.yaml", CHURN_MODEL.replace("staging: 1.1.0", "staging: 9.9.9"))
    result = cli("validate", "--repo", str(repo))
    assert result.code == 2
    assert "version 9.9.9 is not registered" in result.out


def test_a_file_rewritten_within_the_same_tick_is_read_again(valid_repo: Path, cli: Cli) -> None:
    """Same size, same inode, and the mtime put back: only the racy-clean rule (a file this
    fresh is never cached) notices. Git's index has the same rule."""
    path = valid_repo / MODEL
    assert cli("validate", "--repo", str(valid_repo)).code == 0
    info = os.stat(path)
    edited = CHURN_MODEL.replace("staging: 1.1.0", "staging: 7.7.7")
    assert len(edited) == len(CHURN_MODEL)
    rewrite(path, edited)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert os.stat(path).st_size == info.st_size
    result = cli("validate", "--repo", str(valid_repo))
    assert result.code == 2
    assert "version 7.7.7 is not registered" in result.out


def test_no_cache_option_neither_reads_nor_writes_it(
    valid_repo: Path, cli: Cli, reads: list[str]
) -> None:
    assert cli("validate", "--repo", str(valid_repo), "--no-cache").code == 0
    assert not (valid_repo / CACHE).parent.exists()
    assert reads == DOCUMENTS


def shard_path(repo: Path, file: str) -> Path:
    return repo / CACHE / f"{validate_cache.shard_of(file):02x}.marshal"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not marshal at all",
        marshal.dumps(42),
        marshal.dumps((99, "0.0.1", {})),
        marshal.dumps((4, "x", {"a": 1}))[:-3],
        b"cno_such_module_anywhere\nThing\n.",  # a pickle, as older versions wrote
    ],
    ids=["empty", "garbage", "not-a-tuple", "foreign-header", "truncated", "pickle"],
)
@pytest.mark.usefixtures("settled")
def test_a_corrupt_shard_is_ignored(
    valid_repo: Path, cli: Cli, reads: list[str], content: bytes
) -> None:
    assert cli("validate", "--repo", str(valid_repo)).code == 0
    shard_path(valid_repo, MODEL).write_bytes(content)
    (valid_repo / CACHE / validate_cache.INDEX_FILE).unlink()  # else no shard is read at all
    reads.clear()
    result = cli("validate", "--repo", str(valid_repo))
    assert result.code == 0, result
    assert "Traceback" not in result.output
    same_shard = [
        f for f in DOCUMENTS if validate_cache.shard_of(f) == validate_cache.shard_of(MODEL)
    ]
    assert sorted(reads) == same_shard  # only the damaged shard's files are read again
    reads.clear()
    assert cli("validate", "--repo", str(valid_repo)).code == 0
    assert reads == []  # rebuilt and readable again


@pytest.mark.usefixtures("settled")
def test_a_damaged_entry_is_a_miss(valid_repo: Path, cli: Cli, reads: list[str]) -> None:
    assert cli("validate", "--repo", str(valid_repo)).code == 0
    path = shard_path(valid_repo, MODEL)
    fmt, version, entries = marshal.loads(path.read_bytes())
    entries[MODEL] = (entries[MODEL][0], ("only", "two"))
    path.write_bytes(marshal.dumps((fmt, version, entries)))
    (valid_repo / CACHE / validate_cache.INDEX_FILE).unlink()  # else no shard is read at all
    reads.clear()
    assert cli("validate", "--repo", str(valid_repo)).code == 0
    assert reads == [MODEL]


@pytest.mark.usefixtures("settled")
def test_an_edit_rewrites_only_its_shard(valid_repo: Path, cli: Cli) -> None:
    assert cli("validate", "--repo", str(valid_repo)).code == 0
    shards = sorted((valid_repo / CACHE).glob("[0-9a-f][0-9a-f].marshal"))
    assert len(shards) == len({validate_cache.shard_of(f) for f in DOCUMENTS})
    before = {p.name: p.stat().st_mtime_ns for p in (valid_repo / CACHE).iterdir()}
    untouched = shard_path(valid_repo, MODEL).stat().st_ino
    rewrite(valid_repo / MODEL, CHURN_MODEL.replace("owner: ml-team", "owner: data-science"))
    result = cli("validate", "--repo", str(valid_repo))
    assert "unknown team 'data-science'" in result.out
    after = {p.name: p.stat().st_mtime_ns for p in sorted((valid_repo / CACHE).iterdir())}
    changed = {name for name in after if after[name] != before.get(name)}
    # its shard, and the index (its entry's signature); not the others, not the listing
    assert changed == {shard_path(valid_repo, MODEL).name, validate_cache.INDEX_FILE}
    assert shard_path(valid_repo, MODEL).stat().st_ino != untouched  # replaced atomically


@pytest.mark.usefixtures("settled")
def test_an_edit_with_its_mtime_restored_is_still_checked(
    valid_repo: Path, cli: Cli, reads: list[str]
) -> None:
    """Same size, same inode, mtime put back, and the file long settled: the ctime, which no
    user call can set, still moves, so the key changes."""
    path = valid_repo / MODEL
    assert cli("validate", "--repo", str(valid_repo)).code == 0
    info = os.stat(path)
    edited = CHURN_MODEL.replace("staging: 1.1.0", "staging: 7.7.7")
    rewrite(path, edited)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert os.stat(path).st_size == info.st_size
    assert os.stat(path).st_ctime_ns != info.st_ctime_ns
    reads.clear()
    result = cli("validate", "--repo", str(valid_repo))
    assert reads == [MODEL]
    assert result.code == 2
    assert "version 7.7.7 is not registered" in result.out


@pytest.mark.usefixtures("settled")
def test_the_old_single_file_cache_is_removed(valid_repo: Path, cli: Cli) -> None:
    (valid_repo / LEGACY).parent.mkdir(parents=True)
    (valid_repo / LEGACY).write_bytes(pickle.dumps(42))
    assert cli("validate", "--repo", str(valid_repo)).code == 0
    assert not (valid_repo / LEGACY).exists()
    assert (valid_repo / CACHE).is_dir()


def test_a_cache_path_that_is_a_file_is_ignored(valid_repo: Path, cli: Cli) -> None:
    (valid_repo / CACHE).parent.mkdir(parents=True)
    (valid_repo / CACHE).write_bytes(b"in the way")
    result = cli("validate", "--repo", str(valid_repo))
    assert result.code == 0, result
    assert (valid_repo / CACHE).read_bytes() == b"in the way"


# -- in parallel -----------------------------------------------------------------------------------


def test_the_parallel_path_gives_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = valid_files()
    for index in range(12):
        name = f"m{index:02d}"
        text = CHURN_MODEL.replace("name: churn", f"name: {name}")
        if index % 3 == 0:
            text = text.replace("owner: ml-team", "owner: nobody").replace("1.1.0", "1.1")
        files[f"models/{name}/model.yaml"] = text
    repo = make_repo(tmp_path, files)
    serial = validate_tree(WorkTree(repo), jobs=1)
    monkeypatch.setattr(validate, "PARALLEL_FROM", 1)
    parallel = validate_tree(WorkTree(repo), jobs=2)
    assert parallel == serial
    assert len(serial.problems) == 8  # four files, two problems each
