"""Drift gate benchmark: our local engine vs Evidently 0.7.23's default data drift report.

    .venv/bin/python bench/drift_bench.py                      # 1M rows x 20 columns, with Evidently
    .venv/bin/python bench/drift_bench.py --rows 5000000 --cols 50   # ours and the floor only
    .venv/bin/python bench/drift_bench.py --summaries   # also the dask and chunked engines

Generates seeded reference/current parquet files (20% categorical columns; drift injected in
known columns, some of it deliberately below the thresholds) in a scratch directory, then
times, each as a whole process with its peak RSS, the median of --repeat runs on every side:
  - ours: the command users run, `modelops-gitops gate drift --reference R --current C
    --format json` (interpreter start-up and imports included), local engine;
  - the floor: pyarrow reads each file once (every column, on its threads) and numpy sorts
    each numerical column of both, on the same number of threads: the work no exact engine
    can skip;
  - Evidently 0.7.23: Report([DataDriftPreset()]) in its own virtualenv with pandas<3
    (created on first use in .bench/evidently-venv), skipped when the data would not fit.
It checks that every feature gets the same test, the same decision and the same score, and
prints the figures and a line starting with `ratio:`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO / ".bench"
EVIDENTLY_VENV = BENCH_DIR / "evidently-venv"
EVIDENTLY_PINS = ("evidently==0.7.23", "pandas<3", "pyarrow")
CHUNK_ROWS = 1_000_000
CATEGORIES = np.array(["north", "south", "east", "west", "centre", "islands"])
BASE_P = np.array([0.30, 0.25, 0.20, 0.12, 0.08, 0.05])
STRONG_P = np.array([0.12, 0.22, 0.26, 0.18, 0.12, 0.10])  # Jensen-Shannon ~0.15: drift
WEAK_P = np.array([0.27, 0.26, 0.21, 0.13, 0.08, 0.05])  # ~0.03: below the 0.1 threshold
NUMERIC_KINDS = ("normal", "lognormal", "uniform", "integer", "normal_nan")
EVIDENTLY_TESTS = {
    "K-S p_value": "ks",
    "chi-square p_value": "chisquare",
    "Z-test p_value": "z",
    "Wasserstein distance (normed)": "wasserstein",
    "Jensen-Shannon distance": "jensenshannon",
    "PSI": "psi",
}

OURS = """
import sys
from modelops_gitops.commands.gate_drift import run_drift_command
engine = sys.argv[3] if len(sys.argv) > 3 else "local"
out, code = run_drift_command(sys.argv[1], sys.argv[2], fmt="json", engine=engine)
sys.stdout.write(out)
"""

FLOOR = """
import sys
from concurrent.futures import ThreadPoolExecutor
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ref, cur, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
pa.set_cpu_count(threads)
strings = [f.name for f in pq.read_schema(ref) if pa.types.is_string(f.type)]
tables = [pq.read_table(path, read_dictionary=strings) for path in (ref, cur)]  # each file once
columns = [
    table.column(name)
    for table in tables
    for name in table.column_names
    if pa.types.is_floating(table.schema.field(name).type)
    or pa.types.is_integer(table.schema.field(name).type)
]

def work(column):
    np.sort(column.to_numpy())
    return 1

with ThreadPoolExecutor(threads) as pool:
    print(sum(pool.map(work, columns)))
"""

EVIDENTLY = """
import json, sys, warnings
warnings.filterwarnings("ignore")
import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset

reference = pd.read_parquet(sys.argv[1])
current = pd.read_parquet(sys.argv[2])
snapshot = Report([DataDriftPreset()]).run(current, reference)
features, dataset = {}, {}
for metric in snapshot.dict()["metrics"]:
    config = metric["config"]
    if config["type"].endswith("ValueDrift"):
        features[config["column"]] = {
            "method": config["method"], "threshold": config["threshold"], "score": metric["value"]
        }
    elif config["type"].endswith("DriftedColumnsCount"):
        dataset = {"count": metric["value"]["count"], "share": metric["value"]["share"]}
json.dump({"features": features, "dataset": dataset}, sys.stdout)
"""


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    stdout: str


# A small launcher forks the measured process, so its peak RSS is its own, not inherited from
# this (large) benchmark process; it reports wall time and RUSAGE_CHILDREN's max RSS.
LAUNCHER = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(sys.argv[1:])
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stderr.write(f"\\n@@measure {elapsed} {peak}\\n")
sys.exit(code)
"""


def run_process(argv: list[str]) -> Run:
    """Run a whole process: its wall time and its peak RSS."""
    result = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *argv], capture_output=True, text=True, cwd=REPO
    )
    if result.returncode not in (0, 1):
        raise SystemExit(f"{argv[0]} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    measure = [line for line in result.stderr.splitlines() if line.startswith("@@measure ")][-1]
    _, seconds, peak_kb = measure.split()
    return Run(float(seconds), int(peak_kb) / 1024, result.stdout)


# ---- data -------------------------------------------------------------------------------


def column_plan(cols: int) -> list[tuple[str, str, str]]:
    """(name, kind, drift) per column: every 5th categorical; drift strong, weak or none."""
    plan = []
    numeric = 0
    for j in range(cols):
        drift = ("strong", "weak", "none")[j % 3]
        if j % 5 == 4:
            plan.append((f"cat{j:02d}", "categorical", drift))
        else:
            plan.append((f"num{j:02d}", NUMERIC_KINDS[numeric % len(NUMERIC_KINDS)], drift))
            numeric += 1
    return plan


def make_column(kind: str, drift: str, current: bool, n: int, rng: np.random.Generator) -> pa.Array:
    shift = {"strong": 0.25, "weak": 0.04, "none": 0.0}[drift] if current else 0.0
    if kind == "categorical":
        p = {"strong": STRONG_P, "weak": WEAK_P, "none": BASE_P}[drift] if current else BASE_P
        return pa.array(CATEGORIES[rng.choice(len(CATEGORIES), n, p=p)])
    if kind == "normal":
        return pa.array(rng.normal(50 + 10 * shift, 10, n))
    if kind == "lognormal":
        return pa.array(rng.lognormal(1 + shift, 0.5, n))
    if kind == "uniform":
        return pa.array(rng.uniform(0 + 0.29 * shift, 1 + 0.29 * shift, n))
    if kind == "integer":
        return pa.array(rng.integers(0, 1000, n) + int(289 * shift))
    values = rng.normal(10 * shift, 1, n)
    values[rng.random(n) < 0.01] = np.nan
    return pa.array(values)


def generate(folder: Path, rows: int, cols: int, seed: int) -> tuple[Path, Path]:
    """Write the two files, or reuse them when a previous run left the same shape there."""
    folder.mkdir(parents=True, exist_ok=True)
    plan = column_plan(cols)
    done = folder / f"done-{rows}x{cols}-{seed}"
    if done.exists():
        return folder / "reference.parquet", folder / "current.parquet"
    paths = []
    for index, name in enumerate(("reference", "current")):
        path = folder / f"{name}.parquet"
        paths.append(path)
        writer = None
        for chunk, start in enumerate(range(0, rows, CHUNK_ROWS)):
            n = min(CHUNK_ROWS, rows - start)
            arrays = []
            for j, (_, kind, drift) in enumerate(plan):
                rng = np.random.default_rng([seed, index, chunk, j])
                arrays.append(make_column(kind, drift, index == 1, n, rng))
            table = pa.table(arrays, names=[name for name, _, _ in plan])
            writer = writer or pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=CHUNK_ROWS)
        if writer is not None:
            writer.close()
    done.touch()
    return paths[0], paths[1]


# ---- Evidently --------------------------------------------------------------------------


def evidently_python() -> Path:
    """The Evidently virtualenv's interpreter, created (and Evidently installed) if needed."""
    python = EVIDENTLY_VENV / "bin" / "python"
    check = [
        str(python),
        "-c",
        "import evidently, pandas; assert evidently.__version__ == '0.7.23'",
    ]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    print(f"creating {EVIDENTLY_VENV} with {' '.join(EVIDENTLY_PINS)} ...", flush=True)
    subprocess.run(["python3", "-m", "venv", str(EVIDENTLY_VENV)], check=True)
    pip = [str(EVIDENTLY_VENV / "bin" / "pip"), "install", "-q", *EVIDENTLY_PINS]
    subprocess.run(pip, check=True)
    subprocess.run(check, check=True)
    return python


def evidently_drifted(test: str, score: float, threshold: float) -> bool:
    if test == "ks":
        return score <= threshold
    if test in ("chisquare", "z"):
        return score < threshold
    return score >= threshold


def compare(ours: dict[str, object], theirs: dict[str, object]) -> tuple[int, float, list[str]]:
    """Features with the same test, decision and score (relative 1e-6), the largest relative
    score difference, and a line per disagreement."""
    agree, worst, problems = 0, 0.0, []
    their_features: dict[str, dict[str, object]] = theirs["features"]  # type: ignore[assignment]
    for feature in ours["features"]:  # type: ignore[attr-defined]
        name = feature["name"]
        other = their_features.get(name)
        if other is None:
            problems.append(f"{name}: not tested by Evidently")
            continue
        test = EVIDENTLY_TESTS.get(str(other["method"]), str(other["method"]))
        score, threshold = float(other["score"]), float(other["threshold"])  # type: ignore[arg-type]
        drifted = evidently_drifted(test, score, threshold)
        diff = abs(feature["statistic"] - score) / max(abs(score), 1e-300)
        if score == feature["statistic"]:
            diff = 0.0
        worst = max(worst, diff)
        same = test == feature["test"] and drifted == feature["drifted"] and diff <= 1e-6
        agree += same
        if not same:
            problems.append(
                f"{name}: ours {feature['test']} {feature['statistic']:.6g} {feature['drifted']}; "
                f"evidently {test} {score:.6g} {drifted}"
            )
    return agree, worst, problems


# ---- main -------------------------------------------------------------------------------


def median(argv: list[str], repeat: int) -> tuple[Run, list[float]]:
    """`repeat` whole-process runs; the median run (by wall time) and every run's time."""
    runs = sorted((run_process(argv) for _ in range(repeat)), key=lambda r: r.seconds)
    return runs[len(runs) // 2], [r.seconds for r in runs]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each side (the median is kept)"
    )
    parser.add_argument(
        "--evidently",
        choices=("auto", "yes", "no"),
        default="auto",
        help="auto: only up to 50M cells (Evidently needs ~100 bytes per cell)",
    )
    parser.add_argument(
        "--summaries",
        action="store_true",
        help="also run the dask (in-process cluster) and chunked engines and compare their "
        "decisions with the exact engine's",
    )
    parser.add_argument(
        "--scratch",
        type=Path,
        default=None,
        help="where to write the data (kept, and reused by the next run with the same shape)",
    )
    args = parser.parse_args()

    threads = max(1, min(4, os.cpu_count() or 1))
    scratch = args.scratch or Path(
        tempfile.mkdtemp(prefix="drift-bench-", dir=BENCH_DIR if BENCH_DIR.exists() else None)
    )
    plan = column_plan(args.cols)
    started = time.perf_counter()
    reference, current = generate(scratch, args.rows, args.cols, args.seed)
    categorical = sum(kind == "categorical" for _, kind, _ in plan)
    size_mb = (reference.stat().st_size + current.stat().st_size) / 2**20
    print(
        f"data: {args.rows} rows x {args.cols} columns ({args.cols - categorical} numerical, "
        f"{categorical} categorical), 2 parquet files, {size_mb:.0f} MB, in {scratch} "
        f"(generated in {time.perf_counter() - started:.1f} s)"
    )
    print("drift injected: strong in " + ", ".join(n for n, _, d in plan if d == "strong"))
    print("                below threshold in " + ", ".join(n for n, _, d in plan if d == "weak"))

    python = sys.executable
    files = [str(reference), str(current)]
    tool = str(Path(python).parent / "modelops-gitops")
    cli = [tool, "gate", "drift", "--reference", files[0], "--current", files[1]]
    ours, ours_times = median([*cli, "--format", "json"], args.repeat)
    report = json.loads(ours.stdout)
    floor, floor_times = median([python, "-c", FLOOR, *files, str(threads)], args.repeat)
    drifted = [f["name"] for f in report["features"] if f["drifted"]]
    print(
        f"ours (`gate drift`, local engine, whole process, median): {ours.seconds:.2f} s, peak RSS "
        f"{ours.peak_mb:.0f} MB (runs: {', '.join(f'{t:.2f}' for t in ours_times)})"
    )
    print(
        f"  verdict: {report['n_drifted']}/{report['n_features']} features drifted "
        f"(share {report['share']:.3f}), dataset drift {report['dataset_drift']}; drifted: {', '.join(drifted)}"
    )
    print(
        f"floor (each file read once + a sort per numerical column, {threads} threads, median): {floor.seconds:.2f} s, "
        f"peak RSS {floor.peak_mb:.0f} MB (runs: {', '.join(f'{t:.2f}' for t in floor_times)})"
    )

    if args.summaries:
        for engine in ("dask", "chunked"):
            other = run_process([python, "-c", OURS, *files, engine])
            features = json.loads(other.stdout)["features"]
            pairs = list(zip(report["features"], features, strict=True))
            same = sum((a["test"], a["drifted"]) == (b["test"], b["drifted"]) for a, b in pairs)
            slack = 1e-9
            within = sum(
                abs(a["statistic"] - b["statistic"])
                <= b["error_bound"] * (1 + slack) + slack * abs(a["statistic"])
                for a, b in pairs
            )
            print(
                f"{engine} engine (whole process): {other.seconds:.2f} s, peak RSS "
                f"{other.peak_mb:.0f} MB; same test and decision as the exact engine: "
                f"{same}/{len(features)}; statistic within its stated bound: "
                f"{within}/{len(features)} (largest bound {max(b['error_bound'] for b in features):.1e})"
            )

    ratio = f"ratio: ours/floor {ours.seconds / floor.seconds:.2f}x (target <= 2x)"
    cells = args.rows * args.cols
    if args.evidently == "yes" or (args.evidently == "auto" and cells <= 50_000_000):
        evidently, their_times = median(
            [str(evidently_python()), "-c", EVIDENTLY, *files], args.repeat
        )
        theirs = json.loads(evidently.stdout)
        agree, worst, problems = compare(report, theirs)
        their_share = theirs["dataset"]["share"]
        print(
            f"evidently 0.7.23 DataDriftPreset (whole process, median): {evidently.seconds:.2f} s, "
            f"peak RSS {evidently.peak_mb:.0f} MB (runs: {', '.join(f'{t:.2f}' for t in their_times)})"
        )
        print(
            f"agreement: {agree}/{report['n_features']} features with the same test, decision and "
            f"score (largest relative score difference {worst:.1e}); dataset drift: ours "
            f"{report['dataset_drift']} (share {report['share']:.3f}), evidently "
            f"{their_share >= 0.5} (share {their_share:.3f})"
        )
        for line in problems:
            print(f"  disagreement: {line}")
        ratio = (
            f"ratio: evidently/ours {evidently.seconds / ours.seconds:.1f}x (target >= 40x); "
            + ratio.removeprefix("ratio: ")
        )
    else:
        print(f"evidently: skipped ({cells} cells; it would need ~{cells * 116 / 2**30:.0f} GB)")
        ratio += f"; ours {ours.seconds:.2f} s (target < 10 s), peak {ours.peak_mb:.0f} MB (target < 1024 MB)"
    print(ratio)
    if args.scratch is None:
        shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
