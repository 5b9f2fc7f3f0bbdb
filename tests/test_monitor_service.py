"""`monitor` service levels: latency percentiles, error rate, throughput, uptime and cost per
1,000 predictions from a pinned metrics snapshot (CSV, parquet, JSON), checked against numpy
on the same rows, judged by `type: service_level` rules; bad snapshots are exit 2 with
nothing written. The Prometheus source is tested against a real server in
tests/test_monitor_prometheus.py."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import Result, make_repo
from plan_fixtures import CREDIT, example_files

from modelops_gitops.monitor.records import load_records

Cli = Callable[..., Result]
POLICY = "policies/production-high-risk.yaml"
START = 1_720_000_000.0  # 2024-07-03T09:46:40Z


def traffic(rows: int = 3000, seed: int = 7) -> pd.DataFrame:
    """An hour of predictions: lognormal latency, 2% errors, and minutes 20-24 down (every
    request failed), with a cost per prediction."""
    rng = np.random.default_rng(seed)
    stamps = np.sort(START + rng.uniform(0, 3600, rows))
    failed = rng.random(rows) < 0.02
    minute = np.floor((stamps - START) / 60)
    failed |= (minute >= 20) & (minute < 25)
    return pd.DataFrame(
        {
            "timestamp": stamps,
            "latency_ms": rng.lognormal(3.5, 0.6, rows),
            "error": failed,
            "cost": rng.uniform(0.0001, 0.0003, rows),
        }
    )


def numpy_figures(frame: pd.DataFrame) -> dict[str, float]:
    stamps = frame["timestamp"].to_numpy()
    failed = frame["error"].to_numpy()
    minutes = np.floor(stamps / 60)
    return {
        "latency_p50_ms": float(np.percentile(frame["latency_ms"], 50)),
        "latency_p95_ms": float(np.percentile(frame["latency_ms"], 95)),
        "latency_p99_ms": float(np.percentile(frame["latency_ms"], 99)),
        "error_rate": float(failed.mean()),
        "throughput_rps": len(frame) / float(stamps.max() - stamps.min()),
        "uptime": len(np.unique(minutes[~failed])) / len(np.unique(minutes)),
        "cost_per_1000": 1000 * float(frame["cost"].sum()) / len(frame),
    }


def write(repo: Path, rel: str, frame: pd.DataFrame) -> str:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if rel.endswith(".csv"):
        frame.to_csv(path, index=False)
    elif rel.endswith(".json"):
        path.write_text(json.dumps(frame.to_dict(orient="records")), encoding="utf-8")
    else:
        frame.to_parquet(path, index=False)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def service_repo(tmp_path: Path, rule: str = "") -> Path:
    files = example_files()
    policy = files[POLICY]
    assert isinstance(policy, bytes)
    files[POLICY] = policy + rule.lstrip("\n").encode()
    return make_repo(tmp_path, files)


def pin_service(repo: Path, rel: str, digest: str) -> None:
    text = (repo / CREDIT).read_text(encoding="utf-8")
    block = f"    service:\n      snapshot:\n        path: {rel}\n        sha256: {digest}\n"
    (repo / CREDIT).write_text(text.replace("  versions:\n", block + "  versions:\n", 1), "utf-8")


def monitor(cli: Cli, repo: Path, *extra: str) -> Result:
    result = cli("monitor", "--repo", str(repo), "--no-github", *extra)
    assert "Traceback" not in result.output, result.output
    return result


def credit_json(result: Result) -> dict[str, Any]:
    [credit] = [m for m in json.loads(result.out)["models"] if m["model"] == "credit"]
    return credit


@pytest.mark.parametrize("suffix", ["csv", "parquet", "json"])
def test_figures_match_numpy_in_every_format(tmp_path: Path, cli: Cli, suffix: str) -> None:
    repo = service_repo(tmp_path)
    frame = traffic()
    rel = f"data/credit/service.{suffix}"
    pin_service(repo, rel, write(repo, rel, frame))

    result = monitor(cli, repo, "--format", "json")

    assert result.code == 0, result.output
    found = credit_json(result)["service"]
    expected = numpy_figures(frame)
    assert set(found) == set(expected)
    for name, value in expected.items():
        assert found[name] == pytest.approx(value, rel=1e-12), name
    assert 0.9 < found["uptime"] < 0.95  # 5 of 60 minutes down
    assert load_records(repo)["credit"].service_source == rel


LIMITS = """
    - id: service
      type: service_level
      max_latency_p95_ms: {p95}
      max_error_rate: 0.2
      min_uptime: 0.9
      max_cost_per_1000: 0.5
      enforcement: {enforcement}
"""


@pytest.mark.parametrize(("enforcement", "code"), [("block", 1), ("warn", 0)])
def test_a_latency_over_its_limit_breaches(
    tmp_path: Path, cli: Cli, enforcement: str, code: int
) -> None:
    frame = traffic()
    p95 = numpy_figures(frame)["latency_p95_ms"]
    limit = round(p95 - 1, 3)
    repo = service_repo(tmp_path, LIMITS.format(p95=limit, enforcement=enforcement))
    pin_service(
        repo, "data/credit/service.parquet", write(repo, "data/credit/service.parquet", frame)
    )

    result = monitor(cli, repo)

    assert result.code == code, result.output
    assert (
        f"production-high-risk/service: ok: error_rate {frame['error'].mean():.4g} meets <= 0.2"
        in (result.out)
    )
    assert f"latency_p95_ms {p95:.4g} violates <= {limit:g}" in result.out
    assert result.out.endswith("monitor: breach in credit\n")
    record = load_records(repo)["credit"]
    assert (record.degraded, record.blocking) == (True, enforcement == "block")


def test_a_limit_on_a_figure_the_snapshot_cannot_give_breaches(tmp_path: Path, cli: Cli) -> None:
    repo = service_repo(tmp_path, LIMITS.format(p95=10_000, enforcement="block"))
    frame = traffic().drop(columns=["cost"])
    pin_service(repo, "data/credit/service.csv", write(repo, "data/credit/service.csv", frame))

    result = monitor(cli, repo)

    assert result.code == 1
    assert (
        "BREACH: cost_per_1000: cannot be checked: the source gives no cost_per_1000" in result.out
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns=["latency_ms"]), "missing column(s): latency_ms"),
        (
            lambda f: f.assign(latency_ms=f["latency_ms"].where(f.index != 4)),
            "row 5: latency_ms is nan",
        ),
        (lambda f: f.assign(error=f["error"].astype(int) * 2), "error is not a boolean: 2"),
        (lambda f: f.assign(latency_ms=-f["latency_ms"]), "row 1: latency_ms is -"),
        (lambda f: f.iloc[:0], "dataset has no rows"),
    ],
)
def test_bad_snapshots_are_exit_2_naming_the_file(
    tmp_path: Path, cli: Cli, change: Callable[[pd.DataFrame], pd.DataFrame], message: str
) -> None:
    repo = service_repo(tmp_path)
    rel = "data/credit/service.parquet"
    pin_service(repo, rel, write(repo, rel, change(traffic(rows=50))))

    result = monitor(cli, repo)

    assert result.code == 2, result.output
    assert f"{rel}:" in result.err
    assert message in result.err
    assert load_records(repo) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"timestamp": 1}', "expected a JSON list of objects"),
        ("[{", "not JSON"),
        ("[]", "no prediction in the snapshot"),
        ('[{"timestamp": 1, "latency_ms": 2}]', "object 1: missing error"),
        ('[{"timestamp": 1, "latency_ms": "2", "error": false}]', "latency_ms is not a number"),
    ],
)
def test_bad_json_snapshots_are_exit_2(tmp_path: Path, cli: Cli, text: str, message: str) -> None:
    repo = service_repo(tmp_path)
    rel = "data/credit/service.json"
    (repo / rel).parent.mkdir(parents=True, exist_ok=True)
    (repo / rel).write_text(text, encoding="utf-8")
    pin_service(repo, rel, hashlib.sha256(text.encode()).hexdigest())

    result = monitor(cli, repo)

    assert result.code == 2, result.output
    assert message in result.err


def test_a_snapshot_that_does_not_match_its_pin_is_exit_2(tmp_path: Path, cli: Cli) -> None:
    repo = service_repo(tmp_path)
    rel = "data/credit/service.json"
    write(repo, rel, traffic(rows=20))
    pin_service(repo, rel, "ab" * 32)

    result = monitor(cli, repo)

    assert result.code == 2
    assert f"{rel}: sha256 mismatch: expected {'ab' * 32}" in result.err


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("    service: {}\n", "give exactly one of snapshot and prometheus"),
        (
            "    service:\n      prometheus:\n        url: file:///etc/passwd\n"
            "        queries: {error_rate: up}\n",
            "url",
        ),
        (
            "    service:\n      prometheus:\n        url: http://127.0.0.1:9090\n"
            "        queries: {latency_p90_ms: up}\n",
            "latency_p90_ms",
        ),
    ],
)
def test_malformed_service_sources_fail_validation(
    tmp_path: Path, cli: Cli, block: str, message: str
) -> None:
    repo = service_repo(tmp_path)
    text = (repo / CREDIT).read_text(encoding="utf-8")
    (repo / CREDIT).write_text(text.replace("  versions:\n", block + "  versions:\n", 1), "utf-8")

    result = cli("validate", "--repo", str(repo))

    assert result.code == 2, result.output
    assert f"{CREDIT}:" in result.out
    assert message in result.out


def test_a_service_level_rule_without_limits_fails_validation(tmp_path: Path, cli: Cli) -> None:
    repo = service_repo(tmp_path, "    - type: service_level\n      enforcement: warn\n")

    result = cli("validate", "--repo", str(repo))

    assert result.code == 2
    assert "give at least one limit" in result.out
