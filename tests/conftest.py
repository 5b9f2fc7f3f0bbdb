"""Shared fixtures: every test runs git in an isolated environment, against real repositories.

In the spirit of pre-commit's `testing/fixtures.py` (`make_repo`) and gto's `isolate` fixture:
HOME is a fresh temporary directory, the user's and the system's git configuration are never
read, and author/committer identities are fixed, so a test behaves the same on a laptop and in
CI. `make_repo` writes a scenario tree and commits it into a real git repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from modelops_gitops.repo.scaffold import scaffold_files

if TYPE_CHECKING:
    from mlflow_fixtures import MlflowServer

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "modelops-gitops"

SHA_A = "a" * 64
SHA_B = "b" * 64
SHA_C = "c" * 64

# One valid model, used by most scenarios. Tests mutate a copy of this text.
CHURN_MODEL = f"""\
# yaml-language-server: $schema=../../schemas/model.json
apiVersion: modelops-gitops/v1
kind: Model
metadata:
  name: churn
  labels:
    domain: retention
spec:
  owner: ml-team
  risk_tier: medium
  description: Predicts which customers leave next month.
  task: binary_classification
  target: churned
  features: [tenure, plan, monthly_charges]
  card:
    intended_use: Prioritise retention offers.
    limitations: Trained on 2023 customers only.
  versions:
    - version: 1.0.0
      artifact:
        path: artifacts/churn/1.0.0/model.skops
        sha256: {SHA_A}
        format: skops
      datasets:
        train: {{path: data/churn/train.parquet, sha256: {SHA_B}}}
        eval: {{path: data/churn/eval.parquet, sha256: {SHA_C}}}
      training:
        params: {{max_depth: 4, fit_intercept: true}}
      metrics: {{roc_auc: 0.81, accuracy: 0.77}}
    - version: 1.1.0
      artifact:
        path: s3://acme-models/churn/1.1.0/model.skops
        sha256: {SHA_B}
        format: skops
      datasets:
        train: {{path: data/churn/train.parquet, sha256: {SHA_B}}}
        eval: {{path: data/churn/eval.parquet, sha256: {SHA_C}}}
      metrics: {{roc_auc: 0.83, accuracy: 0.78}}
  stages:
    staging: 1.1.0
    production: 1.0.0
"""


def isolation_env(home: Path) -> dict[str, str]:
    """HOME in `home`; git reads no user or system config; fixed identities and dates. Also
    for module-scoped fixtures, which the function-scoped `isolate` cannot serve."""
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Ada Author",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Cy Committer",
        "GIT_COMMITTER_EMAIL": "cy@example.com",
        "GIT_AUTHOR_DATE": "2024-05-01T12:00:00+00:00",
        "GIT_COMMITTER_DATE": "2024-05-01T12:00:00+00:00",
    }


@pytest.fixture(autouse=True)
def isolate(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """HOME in a temporary directory; git reads no user or system config; fixed identities."""
    for name, value in isolation_env(tmp_path_factory.mktemp("home")).items():
        monkeypatch.setenv(name, value)
    # A test run started from a git hook must not act on the outer repository.
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"):
        monkeypatch.delenv(name, raising=False)


EXAMPLE_PARTS = ("modelops.yaml", "models", "policies", "data", "artifacts")


def copy_example(dest: Path, parts: tuple[str, ...] = EXAMPLE_PARTS) -> Path:
    """The bundled example (at the project root) copied into `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in parts:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name)
        else:
            shutil.copy(source, dest / name)
    return dest


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return proc.stdout


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)


def make_repo(tmp_path: Path, files: dict[str, str | bytes], *, name: str = "repo") -> Path:
    """Write `files` (path -> text or bytes) under `tmp_path/name`, `git init` and commit them."""
    repo = tmp_path / name
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    write_files(repo, files)
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--no-verify", "--allow-empty", "-m", "scenario")
    return repo


def valid_files() -> dict[str, str | bytes]:
    """The scaffold of `init --owner acme --name models`, plus one valid model."""
    files: dict[str, str | bytes] = dict(scaffold_files(owner="acme", name="models"))
    files["models/churn/model.yaml"] = CHURN_MODEL
    return files


@pytest.fixture
def valid_repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path, valid_files())


Snapshot = dict[str, bytes | str]


def snapshot(repo: Path, *, with_git: bool = False) -> Snapshot:
    """Every entry of the work tree: file bytes, symlink targets, directories; `.git` too
    when `with_git`."""
    found: Snapshot = {}
    for dirpath, dirnames, filenames in os.walk(repo):
        if not with_git:
            dirnames[:] = [d for d in dirnames if d != ".git"]
        base = Path(dirpath)
        for name in dirnames:
            full = base / name
            rel = full.relative_to(repo).as_posix()
            found[rel] = f"-> {os.readlink(full)}" if full.is_symlink() else "<dir>"
        for name in filenames:
            full = base / name
            rel = full.relative_to(repo).as_posix()
            found[rel] = f"-> {os.readlink(full)}" if full.is_symlink() else full.read_bytes()
    return found


class Result:
    """What one CLI run gave back."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def output(self) -> str:
        return self.out + self.err

    def __repr__(self) -> str:
        return f"Result(code={self.code!r}, out={self.out!r}, err={self.err!r})"


def call_main(capsys: pytest.CaptureFixture[str], argv: list[str]) -> Result:
    """`modelops_gitops.cli.main(argv)` in-process; it always ends in SystemExit."""
    from modelops_gitops.cli import main

    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        main(argv)
    captured = capsys.readouterr()
    code = info.value.code
    return Result(code if isinstance(code, int) else 0, captured.out, captured.err)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    def run(*argv: str) -> Result:
        return call_main(capsys, list(argv))

    return run


def run_script(*argv: str, cwd: Path | None = None) -> Result:
    """The installed console script in a real subprocess."""
    proc = subprocess.run(
        [str(SCRIPT), *argv], cwd=cwd, capture_output=True, text=True, check=False, timeout=60
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    """One real `mlflow server` (SQLite, local artifacts, 127.0.0.1) for the session."""
    from mlflow_fixtures import MlflowServer

    server = MlflowServer.start(tmp_path_factory.mktemp("mlflow"))
    yield server
    server.stop()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files `validate.check_file` is called on (the real function still runs)."""
    from modelops_gitops.repo import validate
    from modelops_gitops.repo.validate import FileResult

    calls: list[str] = []
    real = validate.check_file

    def counting(file: str, raw: bytes, max_bytes: int) -> FileResult:
        calls.append(file)
        return real(file, raw, max_bytes)

    monkeypatch.setattr(validate, "check_file", counting)
    return calls
