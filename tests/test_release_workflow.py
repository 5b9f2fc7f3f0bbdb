"""The project's release workflow (.github/workflows/release.yml): a version tag builds the
sdist and wheel, checks they carry the tag's version and pass `twine check`, and publishes
them with PyPI trusted publishing. Parsed and checked for structure (triggers, least
privilege, pinned actions, the environment), and its version-check step is run for real in
bash against built file names, matching and not."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import PROJECT_ROOT
from ruamel.yaml import YAML

from modelops_gitops import __version__

RELEASE = PROJECT_ROOT / ".github" / "workflows" / "release.yml"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def workflow() -> dict[str, Any]:
    data = YAML(typ="safe", pure=True).load(RELEASE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def steps(job: str) -> list[dict[str, Any]]:
    found = workflow()["jobs"][job]["steps"]
    assert isinstance(found, list)
    return found


def named(job: str, name: str) -> dict[str, Any]:
    [step] = [s for s in steps(job) if s.get("name") == name]
    return step


def test_runs_on_version_tags_only() -> None:
    assert workflow()["on"] == {"push": {"tags": ["v[0-9]*"]}}


def test_permissions_are_minimal_and_id_token_only_where_it_publishes() -> None:
    data = workflow()
    assert data["permissions"] == {}
    assert data["jobs"]["build"]["permissions"] == {"contents": "read"}
    assert data["jobs"]["publish"]["permissions"] == {"id-token": "write"}
    assert data["jobs"]["publish"]["needs"] == "build"
    assert data["jobs"]["publish"]["environment"]["name"] == "pypi"


def test_every_action_is_pinned_by_commit_with_its_version_named() -> None:
    text = RELEASE.read_text(encoding="utf-8")
    uses = [s["uses"] for job in workflow()["jobs"] for s in steps(job) if "uses" in s]
    assert uses, "no action used"
    for action in uses:
        assert PINNED.match(action), action
        assert re.search(rf"uses: {re.escape(action)} # v\d+\.\d+\.\d+\n", text), action
    assert any(u.startswith("pypa/gh-action-pypi-publish@") for u in uses)
    [publish] = steps("publish")[-1:]
    assert publish["uses"].startswith("pypa/gh-action-pypi-publish@")
    assert "with" not in publish or "password" not in publish["with"]  # OIDC, no stored token


def test_the_build_checks_version_and_metadata_before_uploading() -> None:
    names = [s.get("name") or s.get("uses", "").split("@")[0] for s in steps("build")]
    assert names.index("Build the sdist and the wheel") < names.index(
        "Check the tag equals the package version"
    )
    assert names.index("Check the tag equals the package version") < names.index(
        "actions/upload-artifact"
    )
    assert "twine check --strict dist/*" in named("build", "Twine check")["run"]


def _version_check(tmp_path: Path, tag: str, built: list[str]) -> subprocess.CompletedProcess[str]:
    (tmp_path / "dist").mkdir()
    for name in built:
        (tmp_path / "dist" / name).write_bytes(b"")
    script = named("build", "Check the tag equals the package version")["run"]
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=tmp_path,
        env={"GITHUB_REF_NAME": tag, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def _built(version: str) -> list[str]:
    return [f"modelops_gitops-{version}-py3-none-any.whl", f"modelops_gitops-{version}.tar.gz"]


def test_the_version_check_passes_when_the_tag_names_the_built_version(tmp_path: Path) -> None:
    proc = _version_check(tmp_path, f"v{__version__}", _built(__version__))
    assert proc.returncode == 0, proc.stderr
    assert f"version {__version__}" in proc.stdout


@pytest.mark.parametrize(
    ("tag", "built"),
    [
        ("v9.9.9", _built(__version__)),  # a tag ahead of __init__.__version__
        (f"v{__version__}", _built("0.0.1")),  # a build of another version
        (f"v{__version__}", _built(__version__)[:1]),  # the sdist missing
        (f"v{__version__}", [*_built(__version__), "modelops_gitops-0.0.1-py3-none-any.whl"]),
    ],
)
def test_the_version_check_fails_on_any_mismatch(
    tmp_path: Path, tag: str, built: list[str]
) -> None:
    proc = _version_check(tmp_path, tag, built)
    assert proc.returncode == 1
    assert "does not match the package version" in proc.stdout
