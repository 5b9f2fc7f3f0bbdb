"""Benchmark: what installing modelops-gitops costs -- the core, `[all]`, and the pre-commit
hook environment that pre-commit itself builds.

    .venv/bin/python bench/install_bench.py [--only core,all,hook] [--keep DIR]

Builds the wheel from a clean copy of what git tracks (as a release would), then, each in a
fresh virtualenv with pip's sources warm (a first, untimed install of the same set fills
pip's cache and the machine's file cache, so the figure is the install, not the download):
  1. `pip install WHEEL`            the core: validate, plan/apply without gates, audit, status
  2. `pip install 'WHEEL[all]'`     every extra
  3. `pre-commit install-hooks`     on a repository whose .pre-commit-config.yaml names this
     project (a git repository of the same tracked files) at its commit: pre-commit clones it
     and builds the hook's environment from .pre-commit-hooks.yaml (`language: python`).
Prints, per line, the size on disk (the whole virtualenv, `du`) and the wall-clock install
time, next to the figures measured before the core/extras split (issue #14).

Measured 2026-12-05 on the 2-core development machine (packages from a local mirror, so the
time is install, not download; the second figure with the test suite running alongside):
    empty virtualenv                 22 MB
    core                             60 MB  10.0 s / 16.9 s   (before: 745 MB, 75 s)
    [all]                           902 MB  41.3 s / 81.5 s   (before: 928 MB, 88 s)
    pre-commit hook environment      47 MB  12.9 s / 14.8 s   (before: 737 MB)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
# Measured before the split, when every dependency was a core one (issue #14's report and the
# previous session's bench): size in MB, seconds.
BEFORE: dict[str, tuple[float, float | None]] = {
    "core": (745.0, 75.0),  # `pip install modelops-gitops` installed everything
    "all": (928.0, 88.0),
    "hook": (737.0, None),  # the pre-commit hook environment (time not recorded)
}


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> None:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{args}: exit {proc.returncode}\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")


def size_mb(path: Path) -> float:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            file = Path(dirpath) / name
            if not file.is_symlink():
                total += file.stat().st_size
    return total / 1e6


def clean_source(where: Path) -> Path:
    """The tracked files of the work tree, committed in a repository of their own."""
    source = where / "modelops-gitops"
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    for rel in filter(None, listed.split("\0")):
        if (ROOT / rel).is_file():
            (source / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, source / rel)
    ident = ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "bench"]):
        run("git", *ident, *args, cwd=source)
    return source


def build_wheel(source: Path, out: Path) -> Path:
    run(sys.executable, "-m", "build", "--wheel", "--outdir", out, source, cwd=source)
    return next(out.glob("modelops_gitops-*.whl"))


def venv_install(where: Path, requirement: str) -> tuple[float, float]:
    shutil.rmtree(where, ignore_errors=True)
    run(sys.executable, "-m", "venv", where, cwd=where.parent)
    start = time.perf_counter()
    run(where / "bin" / "python", "-m", "pip", "install", "-q", requirement, cwd=where.parent)
    return size_mb(where), time.perf_counter() - start


def hook_install(work: Path, source: Path) -> tuple[float, float]:
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=source, capture_output=True, text=True, check=True
    ).stdout.strip()
    governed = work / "governed"
    shutil.rmtree(governed, ignore_errors=True)
    governed.mkdir()
    (governed / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {source.as_uri()}\n"
        f"    rev: {commit}\n"
        "    hooks:\n"
        "      - id: modelops-gitops-validate\n",
        encoding="utf-8",
    )
    run("git", "init", "-q", "-b", "main", cwd=governed)
    home = work / "pre-commit-home"
    shutil.rmtree(home, ignore_errors=True)
    env = os.environ | {"PRE_COMMIT_HOME": str(home)}
    start = time.perf_counter()
    run(VENV_BIN / "pre-commit", "install-hooks", cwd=governed, env=env)
    elapsed = time.perf_counter() - start
    [hook_env] = [p for p in home.glob("repo*/py_env-*") if p.is_dir()]
    return size_mb(hook_env), elapsed


def show(label: str, key: str, size: float, seconds: float) -> None:
    before_size, before_time = BEFORE[key]
    was = f"{before_size:.0f} MB" + (f" {before_time:.0f} s" if before_time else "")
    print(
        f"{label:<40} {size:7.0f} MB {seconds:6.1f} s   before: {was:<14} "
        f"size ratio {before_size / size:.1f}x"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", default="core,all,hook", help="comma list: core, all, hook")
    parser.add_argument("--keep", type=Path, help="work here and keep it (default: a temp dir)")
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    work = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="install-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        source = clean_source(work / "src")
        wheel = build_wheel(source, work / "dist")
        print(f"wheel: {wheel.name} ({wheel.stat().st_size / 1e6:.1f} MB)")
        empty, _ = venv_install(work / "empty", "pip")  # pip alone, for reference
        print(f"{'an empty virtualenv (pip only)':<40} {empty:7.0f} MB")
        for key, label, requirement in (
            ("core", "core: pip install modelops-gitops", str(wheel)),
            ("all", "all: pip install 'modelops-gitops[all]'", f"{wheel}[all]"),
        ):
            if key in wanted:
                venv_install(work / f"warm-{key}", requirement)  # fills the caches
                size, seconds = venv_install(work / f"venv-{key}", requirement)
                show(label, key, size, seconds)
        if "hook" in wanted:
            hook_install(work, source)  # warm
            size, seconds = hook_install(work, source)
            show("hook: pre-commit install-hooks", "hook", size, seconds)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
