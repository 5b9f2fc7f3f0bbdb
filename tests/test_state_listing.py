"""`load_state` given the work tree's listing (what `status` scans once) loads what it loads
when it lists the tree itself, refuses what it refuses (a misnamed model file, a symlinked
folder), and reads no folder again."""

from __future__ import annotations

from pathlib import Path

import pytest
from plan_fixtures import CREDIT, governed_repo

from modelops_gitops.errors import InputError
from modelops_gitops.repo.state import load_state
from modelops_gitops.repo.tree import WorkTree


class CountingTree(WorkTree):
    """A work tree that counts its scans."""

    scans = 0

    def paths(self) -> list[str]:
        self.scans += 1
        return super().paths()


def test_the_listing_given_loads_the_same_state_without_a_second_scan(tmp_path: Path) -> None:
    repo = governed_repo(tmp_path)
    tree = CountingTree(repo)
    listing = tree.paths()
    given = load_state(tree, models=[], listing=listing)
    assert tree.scans == 1
    listed = load_state(WorkTree(repo), models=[])
    assert given.documents() == listed.documents()
    assert given.policy_set_sha256() == listed.policy_set_sha256()
    every = load_state(tree, listing=listing)
    assert tree.scans == 1
    assert "credit" in every.models
    assert every.documents() == load_state(WorkTree(repo)).documents()


@pytest.mark.parametrize("layout", ["misnamed", "symlinked folder"])
def test_what_a_scan_refuses_is_refused_with_the_listing_given(tmp_path: Path, layout: str) -> None:
    repo = governed_repo(tmp_path)
    if layout == "misnamed":
        (repo / CREDIT).rename(repo / CREDIT.replace("model.yaml", "model.yml"))
    else:
        (tmp_path / "elsewhere").mkdir()
        (repo / "models" / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    tree = WorkTree(repo)
    with pytest.raises(InputError) as given:
        load_state(tree, models=[], listing=tree.paths())
    with pytest.raises(InputError) as listed:
        load_state(WorkTree(repo), models=[])
    assert [p.message for p in given.value.problems] == [p.message for p in listed.value.problems]
