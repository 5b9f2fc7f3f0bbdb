"""`init --install-from`: the scaffold's workflows and pre-commit hook install the version
that ran init, from the source given, pinned in .github/modelops-gitops.lock. A source that
could move (a branch, a URL without a hash, another version's wheel) is refused with exit 2
and nothing written. (The wheel case, installed for real by the workflow's lines, is in
tests/test_distribution.py, which builds the wheel.)"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Result
from ruamel.yaml import YAML

from modelops_gitops import __version__
from modelops_gitops.repo.install_source import parse_source

Cli = Callable[..., Result]
COMMIT = "0123456789abcdef0123456789abcdef01234567"
WHEEL = f"modelops_gitops-{__version__}-py3-none-any.whl"


def hook(repo: Path) -> dict[str, object]:
    config = YAML(typ="safe", pure=True).load((repo / ".pre-commit-config.yaml").read_text())
    [only] = config["repos"][0]["hooks"]
    assert isinstance(only, dict)
    return only


def lock_lines(repo: Path) -> list[str]:
    text = (repo / ".github" / "modelops-gitops.lock").read_text()
    return [line for line in text.splitlines() if not line.startswith("#")]


def test_the_default_is_the_index_at_the_running_version(cli: Cli, tmp_path: Path) -> None:
    assert cli("init", str(tmp_path / "r")).code == 0
    assert lock_lines(tmp_path / "r") == [
        "--only-binary=:all:",
        f"modelops-gitops[gates,github]=={__version__}",
    ]
    the_hook = hook(tmp_path / "r")
    assert the_hook["language"] == "python"
    assert the_hook["additional_dependencies"] == [f"modelops-gitops=={__version__}"]  # the core
    assert the_hook["require_serial"] is True


def test_a_git_commit(cli: Cli, tmp_path: Path) -> None:
    source = f"git+https://github.com/acme/modelops-gitops@{COMMIT}"
    assert cli("init", str(tmp_path / "r"), "--install-from", source).code == 0
    assert lock_lines(tmp_path / "r") == [
        f"modelops-gitops[gates,github] @ git+https://github.com/acme/modelops-gitops@{COMMIT}"
    ]
    assert hook(tmp_path / "r")["additional_dependencies"] == [
        f"modelops-gitops @ git+https://github.com/acme/modelops-gitops@{COMMIT}"
    ]


def test_a_wheel_url_with_its_hash(cli: Cli, tmp_path: Path) -> None:
    url = f"https://downloads.example.com/tools/{WHEEL}"
    digest = "c" * 64
    assert cli("init", str(tmp_path / "r"), "--install-from", f"{url}#sha256={digest}").code == 0
    assert lock_lines(tmp_path / "r") == [
        "--require-hashes",
        "--only-binary=:all:",
        f"modelops-gitops[gates,github] @ {url} --hash=sha256:{digest}",
    ]
    # pre-commit passes requirements to pip without --hash: pip checks the URL's fragment
    assert hook(tmp_path / "r")["additional_dependencies"] == [
        f"modelops-gitops @ {url}#sha256={digest}"
    ]


def test_a_wheel_file_is_copied_in_and_locked_by_its_hash(cli: Cli, tmp_path: Path) -> None:
    wheel = tmp_path / "dist" / WHEEL
    wheel.parent.mkdir()
    wheel.write_bytes(b"PK not really a wheel, but bytes to hash")
    assert cli("init", str(tmp_path / "r"), "--install-from", str(wheel)).code == 0
    repo = tmp_path / "r"
    assert (repo / ".github" / "modelops-gitops" / WHEEL).read_bytes() == wheel.read_bytes()
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert lock_lines(repo)[-1] == (
        "modelops-gitops[gates,github] @ "
        f"file://${{GITHUB_WORKSPACE}}/.github/modelops-gitops/{WHEEL} --hash=sha256:{digest}"
    )
    assert hook(repo)["language"] == "system"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("git+https://github.com/acme/modelops-gitops@main", "40-hex commit"),
        (f"git+https://github.com/acme/modelops-gitops@{COMMIT[:12]}", "40-hex commit"),
        ("git+ssh://git@github.com/acme/modelops-gitops@" + COMMIT, "40-hex commit"),
        (f"git+https://github.com/acme/x@{COMMIT};touch x", "40-hex commit"),
        (f"https://example.com/{WHEEL}", "#sha256=HEX"),
        (f"http://example.com/{WHEEL}#sha256={'a' * 64}", "must be https"),
        (f"https://example.com/{WHEEL}#sha256=abc", "#sha256=HEX"),
        ("https://example.com/other-1.0-py3-none-any.whl#sha256=" + "a" * 64, "not a modelops"),
        ("dist/modelops_gitops-9.9.9-py3-none-any.whl", "is version 9.9.9"),
        (f"no/such/{WHEEL}", "no such wheel file"),
        ("pypi", "expected index"),
        ("", "expected index"),
    ],
)
def test_a_source_that_could_move_is_refused_and_nothing_written(
    cli: Cli, tmp_path: Path, source: str, message: str
) -> None:
    result = cli("init", str(tmp_path / "r"), "--install-from", source)
    assert result.code == 2, result
    assert message in result.err
    assert "Traceback" not in result.output
    assert not (tmp_path / "r").exists()


def test_the_lock_names_the_running_version_whatever_the_source() -> None:
    for source in ("index", f"git+https://github.com/a/b@{COMMIT}"):
        assert parse_source(source, __version__).version == __version__
        assert __version__ in parse_source(source, __version__).lock()
