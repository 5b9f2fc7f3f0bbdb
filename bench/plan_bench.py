"""Benchmark: `plan` of a PR that promotes ONE model, in repositories of 1,000 and 10,000 models.

    .venv/bin/python bench/plan_bench.py [--models 1000 10000] [--runs 5] [--dir .bench]

For each size: generate the repository (bench/repo_gen.py, reused when present), commit it on
`main`, branch `pr` off it with one model's production moved to 1.4.0, and time
`modelops-gitops plan --base main --head pr --no-gates --format json` as a whole process
(interpreter start-up included), the sizes interleaved after one warm-up round so a busy
machine slows them alike. Prints the median and best of `--runs`, the time of
`modelops-gitops --version` (start-up alone) for reference, and `scaling:` (the median at the
largest size / the median at the smallest). A plan reads the governance documents plus the
files the PR touches, so the target is under 1 s at 10,000 models and barely growing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from repo_gen import generate_repo

SCRIPT = str(Path(sys.executable).parent / "modelops-gitops")
ENV = {
    **os.environ,
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}
NOW = "2030-01-01T00:00:00+00:00"


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=repo, env=ENV, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def prepare(repo: Path, models: int) -> str:
    """The repository with `main` committed and `pr` promoting one model; that model's name."""
    generate_repo(repo, models)
    if (
        subprocess.run(
            ["git", "rev-parse", "--verify", "-q", "main"], cwd=repo, env=ENV, capture_output=True
        ).returncode
        != 0
    ):
        git(repo, "add", "--all")
        git(repo, "commit", "--quiet", "--no-verify", "-m", f"{models} models")
    name = f"model-{models // 2:05d}"
    git(repo, "checkout", "--quiet", "--force", "-B", "pr", "main")
    path = repo / "models" / name / "model.yaml"
    path.write_text(path.read_text().replace("    production: 1.3.0", "    production: 1.4.0"))
    git(repo, "commit", "--quiet", "--no-verify", "-am", f"promote {name} 1.4.0 to production")
    git(repo, "checkout", "--quiet", "main")
    return name


def timed(cmd: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, check=False)
    return time.perf_counter() - start, proc


def plan_once(repo: Path, name: str) -> float:
    cmd = [SCRIPT, "plan", "--base", "main", "--head", "pr", "--no-gates", "--format", "json"]
    seconds, proc = timed([*cmd, "--now", NOW], repo)
    if proc.returncode not in (0, 1, 3):
        raise SystemExit(f"plan failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    moved = [(c["kind"], c["model"]) for c in json.loads(proc.stdout)["changes"]]
    if moved != [("stage.promoted", name)]:
        raise SystemExit(f"unexpected changes: {moved}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=Path(".bench"))
    args = parser.parse_args()

    repos = {}
    for models in args.models:
        repo = (args.dir / f"plan-repo-{models}").resolve()
        repos[models] = (repo, prepare(repo, models))
    # Interleaved, so a busy machine slows every size alike; the first round warms caches.
    times: dict[int, list[float]] = {models: [] for models in repos}
    startup: list[float] = []
    for round_ in range(args.runs + 1):
        startup.append(timed([SCRIPT, "--version"], Path.cwd())[0])
        for models, (repo, name) in repos.items():
            seconds = plan_once(repo, name)
            if round_:
                times[models].append(seconds)
    print(f"start-up (modelops-gitops --version): median {statistics.median(startup[1:]):.3f} s")
    medians: dict[int, float] = {}
    for models, (repo, _) in repos.items():
        files = len(git(repo, "ls-files").splitlines())
        medians[models] = statistics.median(times[models])
        print(
            f"{models:>6} models ({files} files): plan --no-gates  median "
            f"{medians[models]:.3f} s  best {min(times[models]):.3f} s  ({args.runs} runs)"
        )
    small, large = min(medians), max(medians)
    print(
        f"scaling: {medians[large] / medians[small]:.2f}x from {small} to {large} models "
        f"(target: under 1 s at {large}: {'yes' if medians[large] < 1 else 'NO'})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
