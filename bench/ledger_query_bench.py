"""Benchmark: ledger queries on a 100,000-entry ledger: `history MODEL` and `audit at DATE`,
cold (no index in the clone's cache) and warm, wall time and peak memory per process.

    .venv/bin/python bench/ledger_query_bench.py [--models 10000] [--per-model 10] [--runs 3]
                                                 [--dir .bench]

Builds (once) a git repository holding only audit/ledger.jsonl: the audit benchmark's seeded
ledger (bench/audit_bench.py `build_ledger`, every model walking staging and production) but
without report files (queries never read them; the entries name no reports, so lines are
~1.3 KB instead of ~2 KB). Each query runs as a whole process, median of --runs; peak RSS is
the process's own (wait4). Cold runs delete the ledger index first. Targets: warm under
0.5 s and 200 MB.
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

INDEX = Path(".git/modelops-gitops/ledger-index.pickle")


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


def measure(cmd: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB, exit code of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        assert proc.stderr is not None
        raise SystemExit(f"{cmd} exited {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--per-model", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path(".bench"))
    args = parser.parse_args()
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
            walls, peaks = [], []
            for _ in range(args.runs):
                if mode == "cold":
                    (root / INDEX).unlink(missing_ok=True)
                else:
                    measure([TOOL, *argv], root)  # the index exists and is not racy
                wall, peak, _ = measure([TOOL, *argv], root)
                walls.append(wall)
                peaks.append(peak)
            print(
                f"{label} {mode}: median {statistics.median(walls):.2f} s, "
                f"peak {max(peaks):.0f} MB  (runs: {', '.join(f'{w:.2f}' for w in walls)})"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
