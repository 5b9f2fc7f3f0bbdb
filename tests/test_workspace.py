"""Commands run in the wrong folder say so (exit 2) instead of reporting success on nothing:
outside git, and in a git repository that is not a modelops-gitops one."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Result

VERBS = [
    ("validate",),
    ("status",),
    ("status", "--check"),
    ("history", "credit"),
    ("audit", "at", "2026-01-01T00:00:00Z"),
    ("audit", "export"),
    ("policy", "test"),
    ("monitor", "--no-github"),
    ("promote", "credit", "1.0.0", "staging"),
]


@pytest.mark.parametrize("in_git", [False, True], ids=["plain-folder", "other-git-repo"])
@pytest.mark.parametrize("argv", VERBS, ids=lambda a: " ".join(a))
def test_a_folder_that_is_not_a_governed_repository_is_bad_input(
    tmp_path: Path, cli: Callable[..., Result], argv: tuple[str, ...], in_git: bool
) -> None:
    folder = tmp_path / "not-governed"
    folder.mkdir()
    (folder / "README.md").write_text("hello\n")
    if in_git:
        subprocess.run(["git", "init", "-q", str(folder)], check=True)
    result = cli(*argv, "--repo", str(folder))
    assert result.code == 2, result
    assert "not a modelops-gitops repository: no modelops.yaml here" in result.err
    assert "Traceback" not in result.err
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["README.md", *([".git"] if in_git else [])]
    )
