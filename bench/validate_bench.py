"""Benchmark: a cold full `validate` on 10,000 models vs check-jsonschema on the same files.

    .venv/bin/python bench/validate_bench.py [--models 10000] [--dir .bench/validate-repo]

Generates a repository of N models (5 versions each, about 8 KB a file), then times, each as
a whole process:
  1. `modelops-gitops validate --no-cache` (cold: parse, schema, cross-references),
  2. `check-jsonschema --schemafile schemas/model.json` over the same model files (schema
     only, with the schemas we export), and
  3. a warm `modelops-gitops validate` after editing one model (results cached per file),
     `--runs` times, a different model each time (the median is printed), and then
     `--runs` times with nothing edited.
Each figure is wall-clock time and the CPU time (user + system) of the process. Prints the figures and `ratio:` (check-jsonschema time / our cold time). `bench/repo_gen.py`
is shared with the plan and audit benchmarks.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from repo_gen import generate_repo

VENV_BIN = Path(sys.executable).parent


CPU = 0.0  # CPU seconds of the last process `timed` ran


def timed(cmd: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    global CPU
    before = os.times()
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = os.times()
    CPU = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return wall, proc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="warm runs (one edit each)")
    parser.add_argument("--dir", type=Path, default=Path(".bench/validate-repo"))
    args = parser.parse_args()
    repo = args.dir.resolve()
    generate_repo(repo, args.models)
    model_files = sorted(str(p.relative_to(repo)) for p in repo.glob("models/*/model.yaml"))
    size = sum((repo / f).stat().st_size for f in model_files)
    print(f"repo: {len(model_files)} models, {size / 1e6:.1f} MB of model YAML, {repo}")

    shutil.rmtree(repo / ".git" / "modelops-gitops", ignore_errors=True)
    ours, proc = timed([str(VENV_BIN / "modelops-gitops"), "validate", "--no-cache"], repo)
    print(
        f"modelops-gitops validate (cold): {ours:.2f} s  cpu {CPU:.2f} s  exit {proc.returncode}  "
        f"{proc.stdout.decode().strip().splitlines()[-1]}"
    )
    if proc.returncode != 0:
        print(proc.stdout.decode()[-2000:], proc.stderr.decode()[-2000:])
        return 1

    # Fill the cache, edit one model, re-validate warm. The files were just written: past
    # the racy window first, else nothing is cached and the first "warm" runs are cold ones.
    time.sleep(2.1)
    timed([str(VENV_BIN / "modelops-gitops"), "validate"], repo)
    walls, cpus = [], []
    for run in range(args.runs):
        edited = repo / model_files[(len(model_files) // 2 + run) % len(model_files)]
        edited.write_text(edited.read_text().replace("description: ", "description: edited ", 1))
        warm, proc = timed([str(VENV_BIN / "modelops-gitops"), "validate"], repo)
        walls.append(warm)
        cpus.append(CPU)
    warm = statistics.median(walls)
    print(
        f"modelops-gitops validate (warm, one model edited): median {warm:.2f} s  "
        f"cpu {statistics.median(cpus):.2f} s  ({args.runs} runs: "
        f"{', '.join(f'{w:.2f}' for w in walls)})  exit {proc.returncode}"
    )

    time.sleep(2.1)  # past the racy window: every file is a settled cache entry now
    timed([str(VENV_BIN / "modelops-gitops"), "validate"], repo)
    idle_walls, idle_cpus = [], []
    for _ in range(args.runs):
        idle, proc = timed([str(VENV_BIN / "modelops-gitops"), "validate"], repo)
        idle_walls.append(idle)
        idle_cpus.append(CPU)
    print(
        f"modelops-gitops validate (warm, nothing edited): median "
        f"{statistics.median(idle_walls):.2f} s  cpu {statistics.median(idle_cpus):.2f} s  "
        f"exit {proc.returncode}"
    )

    checker = VENV_BIN / "check-jsonschema"
    if not checker.exists():
        print("check-jsonschema not installed (pip install -e '.[bench]'): not compared")
        return 0
    theirs, proc = timed([str(checker), "--schemafile", "schemas/model.json", *model_files], repo)
    print(f"check-jsonschema (model files only): {theirs:.2f} s  exit {proc.returncode}")
    if proc.returncode != 0:
        print(proc.stdout.decode()[-2000:])
    print(
        f"ratio: {theirs / ours:.1f}x faster than check-jsonschema (cold), "
        f"warm re-validate {warm:.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
