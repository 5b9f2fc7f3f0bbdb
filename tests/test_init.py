"""`modelops-gitops init DIR`: a scaffold that validates, or nothing at all."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Result, git, make_repo, run_script, snapshot

from modelops_gitops.kinds import KINDS
from modelops_gitops.repo.schema import schema_file
from modelops_gitops.repo.tree import is_document_path
from modelops_gitops.repo.yaml_source import parse

Cli = Callable[..., Result]
SCHEMA_LINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)\n")
# YAML that init writes for other tools; they carry no modelops-gitops schema line.
OTHER_TOOLS = re.compile(r"^(\.pre-commit-config\.yaml|\.github/workflows/[^/]+\.ya?ml)$")


def written(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    )


@pytest.fixture
def scaffold(tmp_path: Path, cli: Cli) -> Path:
    target = tmp_path / "gitops"
    result = cli("init", str(target), "--owner", "acme", "--name", "models")
    assert result.code == 0, result
    return target


def test_init_creates_a_repository_that_validates(scaffold: Path, cli: Cli) -> None:
    result = cli("validate", "--repo", str(scaffold))
    assert result.code == 0, result
    assert result.out == "validate: 8 files valid\n"
    assert (scaffold / ".git").is_dir()
    assert git(scaffold, "symbolic-ref", "--short", "HEAD").strip() == "main"


def test_init_lists_what_it_wrote(tmp_path: Path, cli: Cli) -> None:
    target = tmp_path / "gitops"
    result = cli("init", str(target), "--owner", "acme")
    listing, _, after = result.out.partition("\nnext steps:\n")
    lines = listing.splitlines()
    assert lines[0] == f"init: created {len(written(target))} files in {target}"
    assert sorted(line.strip() for line in lines[1:]) == written(target)
    assert f"cd {target}" in after
    assert "pre-commit install" in after
    assert "modelops-gitops register" in after
    assert "modelops-gitops validate" in after


def test_every_document_starts_with_a_schema_line_pointing_at_a_schema(scaffold: Path) -> None:
    yaml_files = [p for p in written(scaffold) if p.endswith((".yaml", ".yml"))]
    documents = [p for p in yaml_files if is_document_path(p)]
    assert "modelops.yaml" in documents
    assert len(documents) >= 5
    for rel in documents:
        text = (scaffold / rel).read_text(encoding="utf-8")
        match = SCHEMA_LINE.match(text)
        assert match, f"{rel} does not start with the yaml-language-server line"
        schema = (scaffold / rel).parent / match.group(1)
        assert schema.resolve().is_file(), f"{rel} points at {match.group(1)}, which is missing"
        kind = parse(rel, text.encode(), max_bytes=1 << 20).data["kind"]
        assert schema.name == schema_file(kind)
    for rel in yaml_files:
        assert is_document_path(rel) or OTHER_TOOLS.match(rel) or rel.startswith("policies/tests/")


def test_init_writes_a_schema_for_every_kind(scaffold: Path) -> None:
    assert sorted(p.name for p in (scaffold / "schemas").iterdir()) == sorted(
        schema_file(k) for k in KINDS
    )


def test_settings_name_the_github_repository(tmp_path: Path, cli: Cli) -> None:
    target = tmp_path / "gitops"
    assert cli("init", str(target), "--owner", "Acme-Labs", "--name", "ml-models").code == 0
    data = parse("modelops.yaml", (target / "modelops.yaml").read_bytes(), max_bytes=1 << 20).data
    assert data["spec"]["provider"] == {"type": "github", "owner": "Acme-Labs", "repo": "ml-models"}
    assert data["metadata"]["name"] == "ml-models"


def test_init_into_an_empty_existing_directory(tmp_path: Path, cli: Cli) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    assert cli("init", str(target)).code == 0
    assert cli("validate", "--repo", str(target)).code == 0


def test_the_new_folder_follows_the_umask(tmp_path: Path, cli: Cli) -> None:
    mask = os.umask(0o022)
    try:
        assert cli("init", str(tmp_path / "gitops")).code == 0
    finally:
        os.umask(mask)
    assert stat.S_IMODE(os.stat(tmp_path / "gitops").st_mode) == 0o755


def test_init_inside_an_existing_repository_does_not_nest_one(tmp_path: Path, cli: Cli) -> None:
    outer = make_repo(tmp_path, {"README.md": "outer\n"})
    assert cli("init", str(outer / "governance")).code == 0
    assert not (outer / "governance" / ".git").exists()


def test_init_into_a_non_empty_directory_writes_nothing(tmp_path: Path, cli: Cli) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n")
    before = snapshot(tmp_path)
    result = cli("init", str(target))
    assert result.code == 2
    assert f"{target}: exists and is not an empty directory" in result.err
    assert "pass --existing" in result.err
    assert "Traceback" not in result.output
    assert snapshot(tmp_path) == before


def test_init_onto_a_file_writes_nothing(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "file").write_text("x")
    before = snapshot(tmp_path)
    result = cli("init", str(tmp_path / "file"))
    assert result.code == 2
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--owner", "acme corp"),
        ("--owner", "acme_corp"),
        ("--owner", "-acme"),
        ("--owner", "acme/models"),
        ("--owner", "a" * 40),
        ("--owner", "x\ny: 1"),
        ("--owner", ""),
        ("--name", "my repo"),
        ("--name", "models: [1]"),
        ("--name", ""),
    ],
)
def test_invalid_github_names_write_nothing(
    tmp_path: Path, cli: Cli, option: str, value: str
) -> None:
    before = snapshot(tmp_path)
    result = cli("init", str(tmp_path / "gitops"), option, value)
    assert result.code == 2, result
    assert f"{option}: {value!r} is not a valid GitHub name" in result.err
    assert "Traceback" not in result.output
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(("owner", "name"), [("123", "models"), ("acme", "2024")])
def test_numeric_github_names(tmp_path: Path, cli: Cli, owner: str, name: str) -> None:
    result = cli("init", str(tmp_path / "gitops"), "--owner", owner, "--name", name)
    assert result.code == 0, result


def test_init_through_the_console_script(tmp_path: Path) -> None:
    result = run_script("init", "gitops", "--owner", "acme", cwd=tmp_path)
    assert result.code == 0, result
    result = run_script("validate", cwd=tmp_path / "gitops")
    assert result.code == 0, result
    assert result.out == "validate: 8 files valid\n"


def test_init_existing_adds_the_scaffold_to_a_repository_with_a_readme(
    tmp_path: Path, cli: Cli
) -> None:
    repo = make_repo(tmp_path, {"README.md": "# our models\n"})
    result = cli("init", str(repo), "--existing", "--owner", "acme")
    assert result.code == 0, result
    assert (repo / "README.md").read_text() == "# our models\n"
    assert "kept your README.md" in result.out
    assert (repo / "modelops.yaml").is_file()
    assert (repo / ".gitignore").is_file()
    assert [p.name for p in repo.iterdir() if p.name.startswith(".modelops-init-")] == []
    assert cli("validate", "--repo", str(repo)).code == 0


def test_init_existing_never_overwrites_and_writes_nothing_on_a_clash(
    tmp_path: Path, cli: Cli
) -> None:
    repo = make_repo(tmp_path, {"README.md": "x\n", "policies/teams.yaml": "mine\n"})
    before = snapshot(tmp_path)
    result = cli("init", str(repo), "--existing")
    assert result.code == 2
    assert "these files exist already and init never overwrites: policies/teams.yaml\n" in (
        result.err
    )
    assert snapshot(tmp_path) == before


def test_init_writes_a_gitignore_and_takes_no_repo_option(scaffold: Path, cli: Cli) -> None:
    ignore = (scaffold / ".gitignore").read_text()
    assert ".venv/" in ignore
    assert "__pycache__/" in ignore
    result = cli("init", str(scaffold.parent / "other"), "--repo", str(scaffold))
    assert result.code == 2
    assert "No such option: --repo" in result.err


def test_scaffolded_policy_tests_survive_replacing_the_example_logins(
    scaffold: Path, cli: Cli
) -> None:
    """The docs tell users to put their own people in teams.yaml; the scaffolded policy tests
    name the logins they need themselves, so they keep passing."""
    teams = scaffold / "policies" / "teams.yaml"
    text = teams.read_text()
    for old, new in (("alice", "ada"), ("bob", "bo"), ("carol", "cy"), ("dave", "di")):
        text = text.replace(old, new)
    text = text.replace("erin", "eve").replace("frank", "fay")
    text = text.replace("grace", "gus").replace("heidi", "hal")
    teams.write_text(text)
    assert "carol" not in teams.read_text()
    assert cli("validate", "--repo", str(scaffold)).code == 0
    result = cli("policy", "test", "--repo", str(scaffold))
    assert result.code == 0, result.output
