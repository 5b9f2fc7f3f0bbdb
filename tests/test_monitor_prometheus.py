"""Service figures from a real Prometheus (the Debian package's binary) on 127.0.0.1, scraping
a small exporter written with prometheus_client that serves a known batch of predictions:
the error rate it answers is numpy's on the same flags, the p95 falls in the histogram bucket
that holds numpy's p95, and a query that does not answer one number is exit 2.

Skipped where the prometheus binary is missing, unless MODELOPS_REQUIRE_PROMETHEUS is set
(.ci/run installs it and sets it, so CI never skips this)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import Result, make_repo
from plan_fixtures import CREDIT, example_files

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
REQUIRED = bool(os.environ.get("MODELOPS_REQUIRE_PROMETHEUS"))
if not os.access(PROMETHEUS, os.X_OK) and not REQUIRED:
    pytest.skip("no prometheus binary (apt-get install prometheus)", allow_module_level=True)

Cli = Callable[..., Result]
BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
ERROR_RATE = "sum(predictions_failed_total) / sum(predictions_total)"
P95 = "1000 * histogram_quantile(0.95, sum by (le) (prediction_latency_seconds_bucket))"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Exporter:
    """prometheus_client serving one batch of predictions: their latencies in a histogram,
    the counts of served and failed ones."""

    def __init__(self, latency_s: np.ndarray[Any, Any], failed: np.ndarray[Any, Any]) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server

        registry = CollectorRegistry()
        served = Counter("predictions", "Predictions served", registry=registry)
        errors = Counter("predictions_failed", "Predictions that failed", registry=registry)
        latency = Histogram(
            "prediction_latency_seconds", "Latency", buckets=BUCKETS, registry=registry
        )
        for seconds, bad in zip(latency_s, failed, strict=True):
            served.inc()
            errors.inc(int(bad))
            latency.observe(float(seconds))
        self.port = free_port()
        self.server, self.thread = start_http_server(self.port, "127.0.0.1", registry=registry)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def batch() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    rng = np.random.default_rng(11)
    return rng.lognormal(-3.2, 0.7, 2000), rng.random(2000) < 0.031


@pytest.fixture(scope="module")
def prometheus(
    tmp_path_factory: pytest.TempPathFactory,
    batch: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]],
) -> Iterator[str]:
    exporter = Exporter(*batch)
    folder = tmp_path_factory.mktemp("prometheus")
    config = folder / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n  - job_name: model\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{exporter.port}']\n",
        encoding="utf-8",
    )
    port = free_port()
    log = (folder / "log").open("wb")
    proc = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_samples(url)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        exporter.close()


def wait_for_samples(url: str, seconds: float = 60) -> None:
    """Until Prometheus has scraped the exporter once."""
    deadline = time.monotonic() + seconds
    query = urllib.request.quote("sum(predictions_total)")
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/api/v1/query?query={query}", timeout=2) as r:
                if json.loads(r.read())["data"]["result"]:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"Prometheus at {url} scraped nothing in {seconds}s")


def prometheus_repo(tmp_path: Path, url: str, queries: dict[str, str]) -> Path:
    repo = make_repo(tmp_path, example_files())
    lines = ["    service:", "      prometheus:", f"        url: {url}", "        queries:"]
    lines += [f"          {name}: {json.dumps(q)}" for name, q in queries.items()]
    text = (repo / CREDIT).read_text(encoding="utf-8")
    block = "\n".join(lines) + "\n"
    (repo / CREDIT).write_text(text.replace("  versions:\n", block + "  versions:\n", 1), "utf-8")
    return repo


def test_figures_come_from_prometheus_and_match_numpy(
    tmp_path: Path,
    cli: Cli,
    prometheus: str,
    batch: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]],
) -> None:
    repo = prometheus_repo(tmp_path, prometheus, {"error_rate": ERROR_RATE, "latency_p95_ms": P95})

    result = cli("monitor", "--repo", str(repo), "--no-github", "--format", "json")

    assert result.code == 0, result.output
    [credit] = [m for m in json.loads(result.out)["models"] if m["model"] == "credit"]
    latency, failed = batch
    assert credit["service"]["error_rate"] == pytest.approx(float(failed.mean()), rel=1e-12)
    true_p95 = float(np.percentile(latency, 95))
    upper = min(b for b in BUCKETS if b >= true_p95)
    lower = max((b for b in BUCKETS if b < true_p95), default=0.0)
    assert lower * 1000 <= credit["service"]["latency_p95_ms"] <= upper * 1000
    assert credit["service_source"] == prometheus


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("prediction_latency_seconds_bucket", "must answer one number, got a vector with 8"),
        ("sum(no_such_metric)", "must answer one number, got a vector with 0"),
        ("sum(", "Prometheus answered 400"),
    ],
)
def test_a_query_that_does_not_answer_one_number_is_exit_2(
    tmp_path: Path, cli: Cli, prometheus: str, query: str, message: str
) -> None:
    repo = prometheus_repo(tmp_path, prometheus, {"error_rate": query})

    result = cli("monitor", "--repo", str(repo), "--no-github")

    assert result.code == 2, result.output
    assert f"{CREDIT}: spec.monitoring.service.prometheus.queries.error_rate: " in result.err
    assert message in result.err


def test_an_unreachable_server_is_exit_2(tmp_path: Path, cli: Cli) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    repo = prometheus_repo(tmp_path, url, {"error_rate": ERROR_RATE})

    result = cli("monitor", "--repo", str(repo), "--no-github")

    assert result.code == 2
    assert f"cannot query Prometheus at {url}" in result.err
