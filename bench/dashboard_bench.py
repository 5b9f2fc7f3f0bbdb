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

It also times, in-process for each size (median of --runs), the whole site's `build` from
the gathered sources and the lineage pages' share of it (`lineage_page.pages`, the same
call build makes), so "without lineage" is the build less that share.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit_bench import TOOL, median_of, prepare, show


def digest(site: Path) -> str:
    """One digest over every file's path and bytes."""
    total = hashlib.sha256()
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        total.update(str(path.relative_to(site)).encode() + b"\0" + path.read_bytes())
    return total.hexdigest()


def lineage_share(repo: Path, runs: int) -> tuple[float, float]:
    """(median build seconds, median lineage-pages seconds), in-process, sources read once."""
    from modelops_gitops.dashboard import lineage_page, site, views
    from modelops_gitops.dashboard.sources import gather

    sources = gather(repo)
    env, grouped = site.environment(), views.grouped(sources)
    common = {"repository": "bench", "head": sources.head, "head_time": sources.head_time}
    common |= {"version": "bench", "last_stage": "", "trust": views.TrustView()}
    builds, shares = [], []
    for _ in range(runs):
        start = time.perf_counter()
        site.build(sources)
        builds.append(time.perf_counter() - start)
        start = time.perf_counter()
        lineage_page.pages(env, common, sources, grouped.entries, frozenset())
        shares.append(time.perf_counter() - start)
    return statistics.median(builds), statistics.median(shares)


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
        build, share = lineage_share(repo, args.runs)
        print(
            f"  in-process build {build:.2f} s, of which lineage pages {share:.2f} s "
            f"({100 * share / build:.0f}%); without lineage {build - share:.2f} s"
        )
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
