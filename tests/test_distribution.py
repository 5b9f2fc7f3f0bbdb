"""The distribution users install: the sdist and wheel build and pass `twine check`; the wheel,
installed into a fresh virtualenv outside the checkout, carries the bundled example; the core
install (no extras) runs validate, plan --no-gates and audit verify on it and names the extra
`demo` needs; with [gates,report] added, `demo` runs the whole loop from that install.

Slow by nature (a build, a virtualenv, pip from its cache), so everything is checked in one
module-scoped install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from modelops_gitops import __version__

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_FILES = ("modelops.yaml", "models/credit/model.yaml", "policies/teams.yaml")


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False, env=env
    )
    assert proc.returncode == 0, f"{args}: {proc.stdout[-3000:]}{proc.stderr[-3000:]}"
    return proc.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    source = tmp_path_factory.mktemp("source") / "modelops-gitops"
    # Build from a clean copy of what git tracks, as a release would (no caches, no venv).
    tracked = _run("git", "ls-files", "-z", cwd=ROOT).split("\0")
    for rel in filter(None, tracked):
        if (ROOT / rel).is_file():
            (source / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, source / rel)
    _run(sys.executable, "-m", "build", "--outdir", out, source, cwd=source)
    return out


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("venv") / "env"
    _run(sys.executable, "-m", "venv", where, cwd=where.parent)
    return where


def _env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return env | {"PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"}


def test_sdist_and_wheel_build_and_pass_twine_check(dist: Path) -> None:
    wheel = next(dist.glob("*.whl"))
    assert wheel.name == f"modelops_gitops-{__version__}-py3-none-any.whl"
    assert next(dist.glob("*.tar.gz")).name == f"modelops_gitops-{__version__}.tar.gz"
    _run(sys.executable, "-m", "twine", "check", "--strict", *dist.iterdir(), cwd=dist)
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in EXAMPLE_FILES:
        assert f"modelops_gitops/example/{rel}" in names
    assert "modelops_gitops/templates/workflows/plan.yml" in names
    assert "modelops_gitops/py.typed" in names
    assert not [n for n in names if n.startswith(("tests/", "bench/"))]


def test_the_core_install_runs_outside_the_checkout_and_names_missing_extras(
    dist: Path, venv: Path, tmp_path: Path
) -> None:
    wheel = next(dist.glob("*.whl"))
    pip = venv / "bin" / "pip"
    _run(pip, "install", "-q", "--disable-pip-version-check", wheel, cwd=tmp_path)
    tool = venv / "bin" / "modelops-gitops"
    env = _env(venv)
    packaged = Path(
        _run(
            venv / "bin" / "python",
            "-c",
            "import modelops_gitops, pathlib; print(pathlib.Path(modelops_gitops.__file__).parent)",
            cwd=tmp_path,
            env=env,
        ).strip()
    )
    assert ROOT not in packaged.parents  # the installed copy, not the checkout
    repo = tmp_path / "example"
    shutil.copytree(packaged / "example", repo)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "example"]):
        _run("git", "-c", "user.name=t", "-c", "user.email=t@e", *args, cwd=repo)
    assert "valid" in _run(tool, "validate", cwd=repo, env=env)
    _run(tool, "plan", "--base", "HEAD", "--head", "HEAD", "--no-gates", cwd=repo, env=env)
    proc = subprocess.run(
        [tool, "audit", "verify"], cwd=repo, env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode in (0, 1), proc.stderr  # no ledger yet: a verdict, not a crash
    assert "Traceback" not in proc.stderr
    demo = subprocess.run(
        [tool, "demo"], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert demo.returncode == 2
    assert "pip install 'modelops-gitops[gates]'" in demo.stderr


def test_demo_runs_from_the_wheel_with_its_extras(dist: Path, venv: Path, tmp_path: Path) -> None:
    wheel = next(dist.glob("*.whl"))
    pip = venv / "bin" / "pip"
    _run(
        pip, "install", "-q", "--disable-pip-version-check", f"{wheel}[gates,report]", cwd=tmp_path
    )
    env = _env(venv)
    out = _run(venv / "bin" / "modelops-gitops", "demo", "--keep", "run", cwd=tmp_path, env=env)
    assert "audit verify" in out
    assert (tmp_path / "run" / "repo" / "audit" / "ledger.jsonl").is_file()
