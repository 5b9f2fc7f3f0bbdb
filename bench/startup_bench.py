"""Benchmark: start-up, the cost every command pays. `plan` on the bundled example with every
gate result cached vs `plan --no-gates`, plus what each command imports.

    .venv/bin/python bench/startup_bench.py [--runs 7] [--dir .bench/startup-repo]

Copies the bundled example (modelops.yaml, models, policies, data, artifacts, schemas) into a
scratch git repository, commits it on `main`, and branches `pr` promoting credit 1.2.0 to
production (the high-risk policy: the test, champion, fairness and drift gates). One plan
fills the gate cache; then, interleaved, each a whole process, median of --runs:
  1. `plan --base main --head pr`               every gate result a cache hit
  2. `plan --base main --head pr --no-gates`
  3. `modelops-gitops --version`                the interpreter and the CLI wiring alone
and prints `ratio` (1 / 2; goal: within 1.3x). Then it lists, per command, which heavy
modules the process imported (sklearn, scipy, matplotlib, skops, github3, pandas, ...).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
TOOL = str(VENV_BIN / "modelops-gitops")
PROJECT = Path(__file__).resolve().parents[1]
PARTS = ("modelops.yaml", "models", "policies", "data", "artifacts", "schemas")
HEAVY = ("sklearn", "scipy", "matplotlib", "skops", "github3", "pandas", "pyarrow", "fairlearn")
NOW = "2026-11-05T09:30:00+00:00"
ENV = {
    **os.environ,
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}
# Runs the CLI, then prints the heavy top-level modules the process imported.
PROBE = (
    "import atexit, sys\n"
    "heavy = set(sys.argv.pop(1).split(','))\n"
    "atexit.register(lambda: sys.stderr.write("
    "'HEAVY ' + ' '.join(sorted({m.split('.')[0] for m in sys.modules} & heavy)) + '\\n'))\n"
    "from modelops_gitops.cli import main\n"
    "sys.argv[0] = 'modelops-gitops'\n"
    "main()\n"
)


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=ENV, check=True, capture_output=True)


def prepare(repo: Path) -> None:
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    for part in PARTS:
        source = PROJECT / part
        if source.is_dir():
            shutil.copytree(source, repo / part)
        else:
            shutil.copy2(source, repo / part)
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--no-verify", "-m", "example")
    git(repo, "checkout", "--quiet", "-b", "pr")
    run([TOOL, "promote", "credit", "1.2.0", "production"], repo, ok=(0,))
    git(repo, "commit", "--quiet", "--no-verify", "-am", "promote credit 1.2.0")


def run(cmd: list[str], cwd: Path, ok: tuple[int, ...] = (0, 1, 3)) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode not in ok:
        raise SystemExit(f"{cmd} exited {proc.returncode}: {proc.stderr.decode()[-2000:]}")
    return seconds


def heavy_imports(args: list[str], cwd: Path) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(HEAVY), *args],
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in proc.stderr.splitlines() if line.startswith("HEAVY")]
    return (lines[-1][6:] or "-") if lines else f"? (exit {proc.returncode})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=Path(".bench/startup-repo"))
    args = parser.parse_args()
    repo = args.dir.resolve()
    prepare(repo)
    plan = [TOOL, "plan", "--base", "main", "--head", "pr", "--now", NOW, "--format", "json"]
    run(plan, repo)  # fills the gate cache
    cached: list[float] = []
    no_gates: list[float] = []
    version: list[float] = []
    for _ in range(args.runs):
        cached.append(run(plan, repo))
        no_gates.append(run([*plan, "--no-gates"], repo))
        version.append(run([TOOL, "--version"], repo, ok=(0,)))
    med = {k: statistics.median(v) for k, v in (("c", cached), ("n", no_gates), ("v", version))}
    print(f"modelops-gitops --version         median {med['v']:.3f} s ({args.runs} runs)")
    print(f"plan, every gate result cached    median {med['c']:.3f} s ({args.runs} runs)")
    print(f"plan --no-gates                   median {med['n']:.3f} s ({args.runs} runs)")
    ratio = med["c"] / med["n"]
    print(
        f"ratio cached / --no-gates: {ratio:.2f}x (goal <= 1.3x: {'yes' if ratio <= 1.3 else 'NO'})"
    )
    print("heavy modules imported, per command:")
    commands = {
        "--version": ["--version"],
        "validate": ["validate"],
        "status": ["status", "--now", NOW],
        "plan --no-gates": [*plan[1:], "--no-gates"],
        "plan (gates cached)": plan[1:],
        "history credit": ["history", "credit"],
        "gate drift (files)": [
            "gate",
            "drift",
            "--reference",
            "data/credit/train.parquet",
            "--current",
            "data/credit/current.parquet",
        ],
    }
    for label, argv in commands.items():
        print(f"  {label:<22} {heavy_imports(argv, repo)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
