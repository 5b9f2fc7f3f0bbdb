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


def _install_step(repo: Path) -> list[str]:
    """The scaffolded plan workflow's install step, as lines of shell."""
    from ruamel.yaml import YAML

    plan = YAML(typ="safe", pure=True).load((repo / ".github/workflows/plan.yml").read_text())
    [step] = [s for s in plan["jobs"]["plan"]["steps"] if "pip install" in str(s.get("run", ""))]
    lines = str(step["run"]).splitlines()
    assert len(lines) == 4
    return lines


def test_init_install_from_a_wheel_locks_it_and_the_workflow_installs_it(
    dist: Path, tmp_path: Path
) -> None:
    """`init --install-from WHEEL`: the wheel is copied in and locked by its sha256; the
    scaffolded workflow's lines fetch the lock from git and install the tool with pip in
    hash-checking mode (its dependencies' line, from the index, is left to CI). A wheel
    swapped in the checkout fails the hash."""
    import hashlib

    wheel = next(dist.glob("*.whl"))
    repo = tmp_path / "models"
    tool = Path(sys.executable).parent / "modelops-gitops"
    _run(tool, "init", repo, "--install-from", wheel, cwd=tmp_path)
    copied = repo / ".github" / "modelops-gitops" / wheel.name
    assert copied.read_bytes() == wheel.read_bytes()
    lock = (repo / ".github" / "modelops-gitops.lock").read_text()
    assert "--require-hashes" in lock
    assert f"--hash=sha256:{hashlib.sha256(wheel.read_bytes()).hexdigest()}" in lock
    assert "language: system" in (repo / ".pre-commit-config.yaml").read_text()
    for args in (["add", "-A"], ["commit", "-qm", "init"]):
        _run("git", "-c", "user.name=t", "-c", "user.email=t@e", *args, cwd=repo)

    fetch, make_venv, locked, deps = _install_step(repo)
    assert "--no-deps -r modelops-gitops.lock" in locked
    assert f'"modelops-gitops[gates,github]=={__version__}"' in deps

    def install(runner: Path) -> subprocess.CompletedProcess[str]:
        runner.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
        env |= {
            "GITHUB_WORKSPACE": str(repo),
            "LOCK_REV": "HEAD",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        }
        script = "\n".join([fetch, make_venv, locked])
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=runner,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    proc = install(tmp_path / "runner")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    version = _run(
        tmp_path / "runner" / "modelops-venv" / "bin" / "python",
        "-I",
        "-c",
        "import modelops_gitops; print(modelops_gitops.__version__, modelops_gitops.__file__)",
        cwd=tmp_path,
    )
    assert version.startswith(f"{__version__} {tmp_path / 'runner' / 'modelops-venv'}")

    copied.write_bytes(copied.read_bytes() + b"\0")  # a wheel swapped in the checkout
    tampered = install(tmp_path / "runner-tampered")
    assert tampered.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in tampered.stderr
