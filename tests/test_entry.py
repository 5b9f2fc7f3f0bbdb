"""`entry.main`, the console script: a plain `validate` runs without typer and answers exactly
as `cli.main` does (output, errors, exit code); every other command line goes to typer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CHURN_MODEL, make_repo, valid_files

from modelops_gitops.commands import validate as validate_command
from modelops_gitops.entry import VALIDATE_FORMATS, plain_validate

MODEL = "models/churn/model.yaml"
FAST = "from modelops_gitops.entry import main; main()"
TYPER = "from modelops_gitops.cli import main; main()"


def test_the_formats_are_the_commands() -> None:
    assert VALIDATE_FORMATS == validate_command.FORMATS


@pytest.mark.parametrize(
    ("args", "plain"),
    [
        (["validate"], ([], "text", True)),
        (["validate", "a.yaml", "--no-cache", "b.yaml"], (["a.yaml", "b.yaml"], "text", False)),
        (["validate", "-f", "json"], ([], "json", True)),
        (["validate", "--format", "github", "--format=text"], ([], "text", True)),
        (["validate", "--format", "sarif"], None),  # typer says what is wrong
        (["validate", "--format"], None),
        (["validate", "--repo", "x"], None),
        (["validate", "--help"], None),
        (["validate", "--", "-odd.yaml"], None),
        (["validate", ""], None),
        (["validate", "--traceback"], None),
        (["--quiet", "validate"], None),
        (["plan"], None),
        ([], None),
    ],
)
def test_which_command_lines_are_plain(
    args: list[str], plain: tuple[list[str], str, bool] | None
) -> None:
    assert plain_validate(args) == plain


def run(code: str, cwd: Path, *args: str) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True
    )
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def broken_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = valid_files()
    files[MODEL] = CHURN_MODEL.replace("owner: ml-team", "owner: nobody\x1b[31m")
    files["models/extra/model.yaml"] = "kind: [\n"
    return make_repo(tmp_path_factory.mktemp("entry"), files)


@pytest.mark.parametrize(
    "args",
    [
        ("validate",),
        ("validate", "--format", "json", "--no-cache"),
        ("validate", "-f", "github"),
        ("validate", MODEL),
        ("validate", "models/none.yaml"),
    ],
    ids=lambda a: " ".join(a),
)
def test_the_fast_path_answers_as_typer_does(broken_repo: Path, args: tuple[str, ...]) -> None:
    fast = run(FAST, broken_repo, *args)
    assert fast == run(TYPER, broken_repo, *args)
    assert fast[0] == 2


def test_outside_a_repository_the_error_is_the_same(tmp_path: Path) -> None:
    fast = run(FAST, tmp_path, "validate")
    assert fast == run(TYPER, tmp_path, "validate")
    assert fast[0] == 2
    assert "not a modelops-gitops repository" in fast[2]


def test_a_non_utf8_stream_goes_to_typer(broken_repo: Path) -> None:
    """click re-wraps an ASCII stream; typer's own path then answers, the same way."""
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    probe = (
        "import sys; from modelops_gitops.entry import main\n"
        "try:\n    main()\nfinally:\n    print('typer' in sys.modules, file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, "validate"],
        cwd=broken_repo,
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1] == "True"
