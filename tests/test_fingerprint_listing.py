"""`files_under` lists what a work tree holds under a folder as `os.walk` did (files, links
to files or folders listed and never followed, broken links), one `scandir` per folder; and
deploy drift of a repository with an empty ledger is nothing, without listing the models;
and a model file that is a link is fingerprinted by its target too (the loader reads
through it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from plan_fixtures import CREDIT, governed_repo

from modelops_gitops.apply.deploy_state import work_tree_drifts
from modelops_gitops.audit import fingerprint as fingerprint_module
from modelops_gitops.audit.fingerprint import files_under, fingerprint
from modelops_gitops.audit.ledger import LEDGER_PATH
from modelops_gitops.repo.tree import WorkTree


def _walked(root: Path, folder: str) -> list[str]:
    """The listing as `os.walk` gives it: the reference."""
    found = []
    for current, dirs, files in os.walk(root / folder):
        rel = os.path.relpath(current, root).replace(os.sep, "/")
        found += [f"{rel}/{name}" for name in files]
        found += [f"{rel}/{name}" for name in dirs if os.path.islink(os.path.join(current, name))]
    return sorted(found)


def test_files_links_and_nested_folders_are_listed_links_not_followed(tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.yaml").write_text("x")
    models = tmp_path / "models"
    (models / "a" / "deep" / "er").mkdir(parents=True)
    (models / "a" / "model.yaml").write_text("a")
    (models / "a" / "deep" / "er" / "notes.txt").write_text("n")
    (models / "empty").mkdir()
    (models / "linked").symlink_to(tmp_path / "outside", target_is_directory=True)
    (models / "a" / "alias.yaml").symlink_to(models / "a" / "model.yaml")
    (models / "a" / "broken").symlink_to(tmp_path / "nowhere")
    listed = sorted(files_under(tmp_path, "models"))
    assert listed == [
        "models/a/alias.yaml",
        "models/a/broken",
        "models/a/deep/er/notes.txt",
        "models/a/model.yaml",
        "models/linked",
    ]
    assert listed == _walked(tmp_path, "models")


def test_a_missing_folder_or_a_file_lists_nothing(tmp_path: Path) -> None:
    (tmp_path / "deploy").write_text("a file, not a folder")
    assert files_under(tmp_path, "deploy") == []
    assert files_under(tmp_path, "models") == []
    assert files_under(str(tmp_path), "models") == _walked(tmp_path, "models")


def test_an_empty_ledger_has_no_deploy_drift_even_beside_stray_deploy_files(
    tmp_path: Path,
) -> None:
    repo = governed_repo(tmp_path)
    (repo / "deploy").mkdir()
    (repo / "deploy" / "stray.json").write_text('{"version": "9.9.9"}')
    for ledger in (None, b"", b"\n\n"):
        if ledger is not None:
            (repo / LEDGER_PATH).parent.mkdir(exist_ok=True)
            (repo / LEDGER_PATH).write_bytes(ledger)
        assert work_tree_drifts(repo) == []


def test_editing_a_links_target_changes_the_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fingerprint_module, "RACY_NS", 0)  # these files are seconds old
    repo = governed_repo(tmp_path)
    shared = repo / "shared" / "credit.yaml"
    shared.parent.mkdir()
    (repo / CREDIT).rename(shared)
    (repo / CREDIT).symlink_to(Path("../../shared/credit.yaml"))
    tree = WorkTree(repo)
    before = fingerprint(tree, [CREDIT], "salt")
    assert before is not None
    assert fingerprint(tree, [CREDIT], "salt") == before
    link = os.lstat(repo / CREDIT)
    shared.write_text(shared.read_text().replace("1.2.0", "1.9.0"))
    assert os.lstat(repo / CREDIT) == link  # the link itself did not change
    assert fingerprint(tree, [CREDIT], "salt") != before
