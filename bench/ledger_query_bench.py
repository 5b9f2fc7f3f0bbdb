"""Benchmark: ledger queries on a 100,000-entry ledger: `history MODEL` and `audit at DATE`,
cold (no index in the clone's cache) and warm, wall time and peak memory per process.

    .venv/bin/python bench/ledger_query_bench.py [--models 10000] [--per-model 10] [--runs 3]
                                                 [--dir .bench] [--repo DIR]

Builds (once) a git repository holding only audit/ledger.jsonl: the audit benchmark's seeded
ledger (bench/audit_bench.py `build_ledger`, every model walking staging and production) but
without report files (queries never read them; the entries name no reports, so lines are
~1.3 KB instead of ~2 KB). Each query runs as a whole process, median of --runs; peak RSS is
the process's own (wait4), CPU its user + system time. Cold runs delete the ledger index and
the rendered views first. `--repo DIR` queries an existing repository instead (the audit
benchmark's, reports and all). Targets: warm under 0.5 s and 200 MB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import history_gen
from audit_bench import TOOL

CACHE = Path(".git/modelops-gitops")
INDEX_FILES = ("ledger-index.pickle", "ledger-views.bin", "ledger-views.pickle")


def prepare(root: Path, models: int, per_model: int) -> int:
    """The audit benchmark's repository (bench/history_gen.py: real history, models and
    artifacts) without report files: the queries never read reports."""
    marker = root / ".bench-ledger-query"
    signature = f"{models} {per_model} v2"
    if marker.exists() and marker.read_text() == signature:
        return models * per_model
    root.mkdir(parents=True, exist_ok=True)
    history_gen.reports_of = lambda entry, rng: {}
    count = history_gen.build(root, models, per_model)
    marker.write_text(signature)
    return count


def measure(cmd: list[str], cwd: Path) -> tuple[float, float, float]:
    """Wall seconds, peak RSS in MB, CPU seconds (user + system) of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        assert proc.stderr is not None
        raise SystemExit(f"{cmd} exited {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--per-model", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path(".bench"))
    parser.add_argument(
        "--repo", type=Path, help="query this repository as it is (e.g. the audit benchmark's)"
    )
    args = parser.parse_args()
    if args.repo is not None:
        root = args.repo.resolve()
        entries = sum(1 for _ in (root / "audit/ledger.jsonl").open("rb"))
    else:
        root = (args.dir / f"ledger-query-{args.models * args.per_model}").resolve()
        entries = prepare(root, args.models, args.per_model)
    size = (root / "audit/ledger.jsonl").stat().st_size
    print(f"ledger: {entries} entries, {size / 1e6:.0f} MB")
    queries = {
        "history MODEL": ["history", f"model-{args.models // 2:05d}", "--format", "json"],
        "audit at DATE": ["audit", "at", "2023-12-01T00:00:00Z", "--format", "json"],
    }
    for label, argv in queries.items():
        for mode in ("cold", "warm"):
            walls, peaks, cpus = [], [], []
            for _ in range(args.runs):
                if mode == "cold":
                    for name in INDEX_FILES:
                        (root / CACHE / name).unlink(missing_ok=True)
                else:
                    measure([TOOL, *argv], root)  # the index exists and is not racy
                wall, peak, cpu = measure([TOOL, *argv], root)
                walls.append(wall)
                peaks.append(peak)
                cpus.append(cpu)
            print(
                f"{label} {mode}: median {statistics.median(walls):.2f} s wall, "
                f"{statistics.median(cpus):.2f} s CPU, "
                f"peak {max(peaks):.0f} MB  (runs: {', '.join(f'{w:.2f}' for w in walls)})"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
