"""Benchmark: the dashboard (`report --out`) for N models with 3 ledger entries each.

    .venv/bin/python bench/dashboard_bench.py [--models 100 1000] [--per-model 3] [--runs 3]
                                              [--dir .bench]

Builds, per size, the audit benchmark's repository (bench/audit_bench.py `prepare`: the
generated models, a seeded ledger of models x per-model entries with three reports each,
JSON reports carrying gate metrics, so every model gets trend charts) and times
`report --out SITE` as a whole process, median of --runs (wall and CPU). It checks that two
runs write byte-identical sites, and prints `per model` (median / models) for each size and
`scaling` (per-model time at the largest size / at the smallest: 1.0 is linear). Target:
1,000 models / 3,000 entries under 20 s.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit_bench import TOOL, median_of, prepare, show


def digest(site: Path) -> str:
    """One digest over every file's path and bytes."""
    total = hashlib.sha256()
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        total.update(str(path.relative_to(site)).encode() + b"\0" + path.read_bytes())
    return total.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--per-model", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path(".bench"))
    args = parser.parse_args()
    per_model: dict[int, float] = {}
    for models in args.models:
        root = (args.dir / f"dashboard-repo-{models}").resolve()
        repo, entries = prepare(root, models, args.per_model)
        site = root.parent / f"dashboard-site-{models}"
        shutil.rmtree(site, ignore_errors=True)
        cmd = [TOOL, "report", "--out", str(site)]
        median, walls, cpu, proc = median_of(cmd, repo, args.runs)
        if proc.returncode != 0:
            raise SystemExit(f"report failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
        first = digest(site)
        median_of(cmd, repo, 1)
        same = digest(site) == first
        files = sum(1 for p in site.rglob("*") if p.is_file())
        show(f"{models} models / {entries} entries: report --out", median, walls, cpu, proc)
        per_model[models] = median / models
        print(
            f"  {files} files; per model {1000 * median / models:.1f} ms; "
            f"byte-identical across runs: {'yes' if same else 'NO'}"
        )
    small, large = min(per_model), max(per_model)
    print(
        f"scaling (per-model time, {large} vs {small} models): {per_model[large] / per_model[small]:.2f}x"
    )
    if 1000 in per_model:
        total = per_model[1000] * 1000
        print(f"1,000 models: {total:.1f} s (target < 20 s: {'yes' if total < 20 else 'NO'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
