"""`desired_stages` reads kept validate results for their stages alone: a warm answer is the
cold answer, an edit the stat signature shows (same size, restored mtime: the ctime moves)
is checked again, a file that cannot be read is reported on every run, and a damaged entry
is a miss."""

from __future__ import annotations

import marshal
import os
from pathlib import Path

import pytest
from plan_fixtures import CREDIT, governed_repo, set_stage

from modelops_gitops.audit.desired import desired_stages, model_paths
from modelops_gitops.errors import InputError
from modelops_gitops.repo import validate as validate_module
from modelops_gitops.repo import validate_cache
from modelops_gitops.repo.tree import WorkTree
from modelops_gitops.repo.workspace import cache_dir


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files checked (read and validated) rather than answered from the cache; every
    file counts as settled (these files are seconds old: see validate_cache.RACY_NS)."""
    monkeypatch.setattr(validate_cache, "RACY_NS", 0)
    calls: list[str] = []
    real = validate_module.check_file

    def counting(file: str, raw: bytes, max_bytes: int) -> validate_module.FileResult:
        calls.append(file)
        return real(file, raw, max_bytes)

    monkeypatch.setattr(validate_module, "check_file", counting)
    return calls


def _desired(repo: Path, *, use_cache: bool = True) -> dict[str, dict[str, str]]:
    tree = WorkTree(repo)
    return desired_stages(tree, repo, model_paths(tree), use_cache=use_cache)


def test_a_warm_answer_is_the_cold_answer(tmp_path: Path, checked: list[str]) -> None:
    repo = governed_repo(tmp_path)
    cold = _desired(repo, use_cache=False)
    assert cold["credit"] == {"staging": "1.2.0", "production": "1.1.0"}
    assert _desired(repo) == cold  # fills the cache
    checked.clear()
    assert _desired(repo) == cold
    assert checked == []  # every model answered from the kept results


def test_a_same_size_edit_with_a_restored_mtime_is_read_again(
    tmp_path: Path, checked: list[str]
) -> None:
    repo = governed_repo(tmp_path)
    _desired(repo)
    model = repo / CREDIT
    before = os.stat(model)
    model.write_text(set_stage("staging", "1.3.0")(model.read_text()))
    os.utime(model, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(model)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    checked.clear()
    assert _desired(repo)["credit"]["staging"] == "1.3.0"
    assert checked == [CREDIT]


def test_a_file_that_cannot_be_read_is_reported_on_every_run(
    tmp_path: Path, checked: list[str]
) -> None:
    repo = governed_repo(tmp_path)
    (repo / CREDIT).write_text("apiVersion: [unclosed\n")
    for _ in range(2):  # the second run finds the kept result without facts
        with pytest.raises(InputError) as caught:
            _desired(repo)
        assert {p.file for p in caught.value.problems} == {CREDIT}


def test_a_damaged_entry_is_a_miss(tmp_path: Path, checked: list[str]) -> None:
    repo = governed_repo(tmp_path)
    cold = _desired(repo)
    folder = cache_dir(repo)
    assert folder is not None
    shard = folder / validate_cache.CACHE_DIR / f"{validate_cache.shard_of(CREDIT):02x}.marshal"
    version, tool, entries = marshal.loads(shard.read_bytes())
    key, (file, _facts, problems) = entries[CREDIT]
    entries[CREDIT] = (key, (file, ("too", "short"), problems))  # same key, damaged facts
    shard.write_bytes(marshal.dumps((version, tool, entries)))
    checked.clear()
    assert _desired(repo) == cold
    assert checked == [CREDIT]
