"""The warm whole-tree `validate`: the cache's index and the remembered folder listing.

Each test edits a real repository between runs and holds the warm answer (index, shards,
listing) to the cold one (`--no-cache`), byte for byte, in text and JSON.
"""

from __future__ import annotations

import marshal
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CHURN_MODEL, Result, make_repo, valid_files

from modelops_gitops.repo import tree, validate, validate_cache

Cli = Callable[..., Result]
MODEL = "models/churn/model.yaml"
CACHE = Path(".git/modelops-gitops/validate")
INDEX = CACHE / validate_cache.INDEX_FILE
LISTING = CACHE / validate_cache.LISTING_FILE


@pytest.fixture(autouse=True)
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files and folders here are seconds old: let them count as settled (not racy), so the
    index and the listing are trusted and these tests exercise them."""
    monkeypatch.setattr(validate_cache, "RACY_NS", 0)
    monkeypatch.setattr(tree, "RACY_NS", 0)


def models(count: int) -> dict[str, str | bytes]:
    files = valid_files()
    for index in range(count):
        name = f"m{index:02d}"
        files[f"models/{name}/model.yaml"] = CHURN_MODEL.replace("name: churn", f"name: {name}")
    return files


def rewrite(path: Path, text: str) -> None:
    with path.open("r+", encoding="utf-8") as handle:
        handle.write(text)
        handle.truncate()


def triple(result: Result) -> tuple[int, str, str]:
    return result.code, result.out, result.err


def same_as_cold(cli: Cli, repo: Path) -> Result:
    """The warm run's result, asserted equal to a cold run's (text and JSON)."""
    warm = cli("validate", "--repo", str(repo))
    cold = cli("validate", "--repo", str(repo), "--no-cache")
    assert (warm.code, warm.out, warm.err) == (cold.code, cold.out, cold.err)
    warm_json = cli("validate", "--repo", str(repo), "--format", "json")
    cold_json = cli("validate", "--repo", str(repo), "--format", "json", "--no-cache")
    assert warm_json.out == cold_json.out
    return warm


def test_an_unchanged_tree_reads_nothing(tmp_path: Path, cli: Cli, reads: list[str]) -> None:
    repo = make_repo(tmp_path, models(3))
    assert cli("validate", "--repo", str(repo)).code == 0
    assert (repo / INDEX).is_file()
    assert (repo / LISTING).is_file()
    reads.clear()
    before = (repo / INDEX).stat().st_mtime_ns, (repo / LISTING).stat().st_mtime_ns
    assert cli("validate", "--repo", str(repo)).code == 0
    assert reads == []
    assert ((repo / INDEX).stat().st_mtime_ns, (repo / LISTING).stat().st_mtime_ns) == before


def test_an_edit_is_checked_against_the_others(tmp_path: Path, cli: Cli, reads: list[str]) -> None:
    repo = make_repo(tmp_path, models(3))
    cli("validate", "--repo", str(repo))
    reads.clear()
    rewrite(
        repo / "models/m01/model.yaml",
        CHURN_MODEL.replace("name: churn", "name: m01").replace("owner: ml-team", "owner: ml-teem"),
    )
    result = same_as_cold(cli, repo)
    assert reads[0] == "models/m01/model.yaml"
    assert "models/m01/model.yaml:9:3: spec.owner: unknown team 'ml-teem'" in result.out
    reads.clear()
    assert cli("validate", "--repo", str(repo)).out == result.out  # a cached failure
    assert reads == []


def test_a_second_policy_taking_a_name_flags_both(tmp_path: Path, cli: Cli) -> None:
    """A name changed: what the documents provide changed, and the file not edited gets a
    problem too."""
    repo = make_repo(tmp_path, models(2))
    cli("validate", "--repo", str(repo))
    rollback = repo / "policies/rollback.yaml"
    original = rollback.read_text()
    rollback.write_text(original.replace("name: rollback", "name: production"))
    result = same_as_cold(cli, repo)
    assert "policies/production.yaml" in result.out
    assert "Policy name 'production' is used twice" in result.out
    rollback.write_text(original)
    assert same_as_cold(cli, repo).code == 0


def test_a_referenced_file_changing_changes_the_others_problems(tmp_path: Path, cli: Cli) -> None:
    repo = make_repo(tmp_path, models(2))
    teams = repo / "policies/teams.yaml"
    original = teams.read_text()
    assert cli("validate", "--repo", str(repo)).code == 0
    teams.write_text(original.replace("name: ml-team", "name: ml-platform"))
    result = same_as_cold(cli, repo)
    assert "models/m00/model.yaml:9:3: spec.owner: unknown team 'ml-team'" in result.out
    assert "models/m01/model.yaml:9:3: spec.owner: unknown team 'ml-team'" in result.out
    teams.write_text(original)
    assert same_as_cold(cli, repo).code == 0


@pytest.mark.parametrize("change", ["delete", "rename", "add"])
def test_models_coming_and_going(tmp_path: Path, cli: Cli, change: str) -> None:
    files = models(3)
    files["policies/waiver.yaml"] = (
        "apiVersion: modelops-gitops/v1\nkind: Waiver\nmetadata:\n  name: w\nspec:\n"
        "  model: m01\n  policy: production\n  rule: approvals\n  reason: known gap\n"
        "  expires: 2099-01-01\n"
    )
    repo = make_repo(tmp_path, files)
    first = cli("validate", "--repo", str(repo))
    if change == "delete":
        shutil.rmtree(repo / "models/m01")
    elif change == "rename":
        (repo / "models/m01").rename(repo / "models/m09")
    else:
        (repo / "models/m05").mkdir()
        (repo / "models/m05/model.yaml").write_text(CHURN_MODEL.replace("churn", "m05"))
    result = same_as_cold(cli, repo)
    if change != "add":
        assert result.out != first.out


def test_a_missing_singleton_and_a_broken_policy_as_cold(tmp_path: Path, cli: Cli) -> None:
    """Whether a policy is broken is only looked at when Lifecycle or Teams is missing: a
    warm run answers as a cold one in each of the four cases."""
    repo = make_repo(tmp_path, models(2))
    teams, lifecycle = repo / "policies/teams.yaml", repo / "policies/lifecycle.yaml"
    broken = repo / "policies/broken.yaml"
    teams_text = teams.read_text()
    assert cli("validate", "--repo", str(repo)).code == 0
    teams.unlink()
    result = same_as_cold(cli, repo)
    assert "no kind: Teams document found under policies/" in result.out
    broken.write_text("kind: [\n")
    result = same_as_cold(cli, repo)
    assert "no kind: Teams document found" not in result.out  # the broken file may be it
    teams.write_text(teams_text)
    lifecycle.unlink()
    assert "no kind: Lifecycle document found" not in same_as_cold(cli, repo).out
    broken.unlink()
    assert "no kind: Lifecycle document found" in same_as_cold(cli, repo).out


def test_a_reference_to_a_model_whose_file_is_broken(tmp_path: Path, cli: Cli) -> None:
    """A model folder whose file does not load still exists for the others' references
    (the folders are only listed when such a reference is met)."""
    files = models(2)
    files["policies/waiver.yaml"] = (
        "apiVersion: modelops-gitops/v1\nkind: Waiver\nmetadata:\n  name: w\nspec:\n"
        "  model: m01\n  policy: production\n  rule: approvals\n  reason: known gap\n"
        "  expires: 2099-01-01\n"
    )
    repo = make_repo(tmp_path, files)
    assert cli("validate", "--repo", str(repo)).code == 0
    rewrite(repo / "models/m01/model.yaml", "kind: [\n")
    result = same_as_cold(cli, repo)
    assert "models/m01/model.yaml" in result.out
    assert "unknown model" not in result.out
    shutil.rmtree(repo / "models/m01")
    assert "unknown model 'm01'" in same_as_cold(cli, repo).out


def test_a_file_added_beside_a_model_is_seen(tmp_path: Path, cli: Cli) -> None:
    """The folder's listing is remembered; adding an entry changes the folder's signature."""
    repo = make_repo(tmp_path, models(2))
    assert cli("validate", "--repo", str(repo)).code == 0
    (repo / "models/m00/model.yml").write_text("kind: Model\n")
    result = same_as_cold(cli, repo)
    assert "models/m00/model.yml: the model file is named model.yaml" in result.out
    os.unlink(repo / "models/m00/model.yml")
    (repo / "elsewhere").mkdir()
    (repo / "models/m00/sub").symlink_to("../../elsewhere")
    result = same_as_cold(cli, repo)
    assert "models/m00/sub: a symlinked folder is not read" in result.out


def test_a_symlink_now_pointing_at_a_folder_is_seen(tmp_path: Path, cli: Cli) -> None:
    """Retargeting a symlink leaves its folder's signature alone: symlinks are looked at on
    every run."""
    repo = make_repo(tmp_path, models(1))
    (repo / "target").write_text("x\n")
    (repo / "models/m00/link").symlink_to("../../target")
    first = same_as_cold(cli, repo)
    os.unlink(repo / "target")
    (repo / "target").mkdir()
    result = same_as_cold(cli, repo)
    assert "models/m00/link: a symlinked folder is not read" in result.out
    assert result.out != first.out


def test_an_edit_keeping_size_and_mtime_is_seen(tmp_path: Path, cli: Cli, reads: list[str]) -> None:
    repo = make_repo(tmp_path, models(2))
    path = repo / "models/m00/model.yaml"
    cli("validate", "--repo", str(repo))
    info = os.stat(path)
    text = path.read_text()
    edited = text.replace("staging: 1.1.0", "staging: 7.7.7")
    assert len(edited) == len(text)
    rewrite(path, edited)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    reads.clear()
    result = same_as_cold(cli, repo)
    assert reads[0] == "models/m00/model.yaml"
    assert "version 7.7.7 is not registered" in result.out


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"garbage",
        marshal.dumps(42),
        marshal.dumps((1, "0.0.0", 1, {}, {})),
        marshal.dumps((1, validate.__name__, 1, {"a": 1}, {})),
    ],
    ids=["empty", "garbage", "not-a-tuple", "foreign", "bad-entries"],
)
@pytest.mark.parametrize("which", [INDEX, LISTING])
def test_a_corrupt_index_or_listing_is_ignored(
    tmp_path: Path, cli: Cli, reads: list[str], content: bytes, which: Path
) -> None:
    files = models(2)
    files[MODEL] = CHURN_MODEL.replace("owner: ml-team", "owner: nobody")  # a problem to keep
    repo = make_repo(tmp_path, files)
    first = cli("validate", "--repo", str(repo))
    (repo / which).write_bytes(content)
    reads.clear()
    assert triple(cli("validate", "--repo", str(repo))) == triple(first)
    assert reads == []  # the shards still answer
    assert (repo / which).read_bytes() != content  # rewritten
    assert triple(same_as_cold(cli, repo)) == triple(first)


def test_an_index_entry_whose_shard_is_gone_is_checked_again(
    tmp_path: Path, cli: Cli, reads: list[str]
) -> None:
    files = models(1)
    files[MODEL] = CHURN_MODEL.replace("owner: ml-team", "owner: nobody")
    repo = make_repo(tmp_path, files)
    first = cli("validate", "--repo", str(repo))
    (repo / CACHE / f"{validate_cache.shard_of(MODEL):02x}.marshal").unlink()
    reads.clear()
    assert same_as_cold(cli, repo).out == first.out
    assert MODEL in reads


def test_the_limit_in_modelops_yaml_keys_the_index(tmp_path: Path, cli: Cli) -> None:
    repo = make_repo(tmp_path, models(1))
    cli("validate", "--repo", str(repo))
    settings = repo / "modelops.yaml"
    settings.write_text(settings.read_text() + "  max_file_bytes: 1024\n")
    result = same_as_cold(cli, repo)
    assert "over the limit of 1024" in result.out
