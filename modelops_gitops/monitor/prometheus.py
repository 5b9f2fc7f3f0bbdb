"""Edge: service figures from a Prometheus server's HTTP API (`GET /api/v1/query`, an instant
query per figure, evaluated at one moment so the figures agree with each other).

Each query must answer one number: a scalar, or a vector of exactly one sample. Anything
else (an error, no sample, several, NaN) is an InputError naming the model file, the figure
and the query: a dashboard of guesses is worse than none.

    read_figures(prometheus, at=moment, where="models/credit/model.yaml")
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from typing import Any

from modelops_gitops.errors import InputError
from modelops_gitops.kinds.model import Prometheus

FIELD = "spec.monitoring.service.prometheus"


def read_figures(prometheus: Prometheus, *, at: datetime, where: str) -> dict[str, float]:
    return {
        figure: query(prometheus, figure, promql, at=at, where=where)
        for figure, promql in sorted(prometheus.queries.items())
    }


def query(prometheus: Prometheus, figure: str, promql: str, *, at: datetime, where: str) -> float:
    params = urllib.parse.urlencode({"query": promql, "time": f"{at.timestamp():.3f}"})
    url = f"{prometheus.url.rstrip('/')}/api/v1/query?{params}"
    field = f"{FIELD}.queries.{figure}"
    try:
        with urllib.request.urlopen(url, timeout=prometheus.timeout_seconds) as response:
            data: Any = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        detail = _error_of(exc.read())
        raise InputError.at(
            where, f"Prometheus answered {exc.code}: {detail}", field=field
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InputError.at(
            where, f"cannot query Prometheus at {prometheus.url}: {reason}", field=field
        ) from None
    return _number(data, where, field)


def _error_of(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace")
    return str(data.get("error", data)) if isinstance(data, dict) else str(data)[:200]


def _number(data: Any, where: str, field: str) -> float:
    if not isinstance(data, dict) or data.get("status") != "success":
        raise InputError.at(where, f"Prometheus query failed: {data!r:.200}", field=field)
    result = data.get("data", {})
    kind, found = result.get("resultType"), result.get("result")
    if kind == "scalar":
        sample = found
    elif kind == "vector" and isinstance(found, list) and len(found) == 1:
        sample = found[0].get("value") if isinstance(found[0], dict) else None
    else:
        count = len(found) if isinstance(found, list) else "no"
        raise InputError.at(
            where,
            f"the query must answer one number, got a {kind} with {count} sample(s): "
            "aggregate it (sum, avg, histogram_quantile)",
            field=field,
        )
    try:
        value = float(sample[1])
    except (TypeError, ValueError, IndexError):
        raise InputError.at(where, f"not a sample: {sample!r:.100}", field=field) from None
    if not math.isfinite(value):
        raise InputError.at(where, f"the query answered {value} (no traffic?)", field=field)
    return value
