"""Bounded retries of GitHub answers that say "later": rate limits and gateway errors.

- 403/429 with `Retry-After`: wait that many seconds (secondary rate limit).
- 403/429 with `X-RateLimit-Remaining: 0`: wait until `X-RateLimit-Reset` (epoch seconds).
- 502/503/504 on GET/PATCH/PUT/DELETE: exponential backoff. Never for POST: a POST that
  timed out at the gateway may have been applied, and creating a comment or issue twice is
  worse than failing (re-running the command finds it by its marker).
A wait longer than `max_wait` is not taken: the answer goes back to the caller, which
reports when the limit resets. At most `attempts` requests in all.

The retry is a requests response hook: it re-sends the same prepared request on the same
adapter, so pagination and github3.py's own calls are retried request by request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

log = logging.getLogger(__name__)

RATE_LIMITED = frozenset({403, 429})
GATEWAY_ERRORS = frozenset({502, 503, 504})
NOT_RETRIED_ON_GATEWAY_ERRORS = frozenset({"POST"})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # requests in all, the first included
    backoff: float = 1.0  # first pause after a gateway error, doubled each time
    max_backoff: float = 30.0
    max_wait: float = 120.0  # the longest pause taken for a rate limit
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time  # epoch seconds, to read X-RateLimit-Reset


def rate_limit_wait(response: requests.Response, clock: Callable[[], float]) -> float | None:
    """Seconds GitHub asks us to wait, or None when the answer is not a rate limit."""
    if response.status_code not in RATE_LIMITED:
        return None
    headers = response.headers
    retry_after = headers.get("Retry-After", "")
    if retry_after.strip().isdigit():
        return float(retry_after)
    reset = headers.get("X-RateLimit-Reset", "")
    if headers.get("X-RateLimit-Remaining") == "0" and reset.strip().isdigit():
        return max(float(reset) - clock(), 0.0) + 1.0  # the reset is a whole second
    return None


def is_rate_limited(response: requests.Response) -> bool:
    return rate_limit_wait(response, lambda: 0.0) is not None


def retry_delay(response: requests.Response, attempt: int, policy: RetryPolicy) -> float | None:
    """Seconds to wait before trying again after `attempt` requests, or None to stop."""
    if attempt >= policy.attempts:
        return None
    wait = rate_limit_wait(response, policy.clock)
    if wait is not None:
        return wait if wait <= policy.max_wait else None
    method = (response.request.method or "GET") if response.request else "GET"
    if response.status_code in GATEWAY_ERRORS and method not in NOT_RETRIED_ON_GATEWAY_ERRORS:
        return min(policy.backoff * 2.0 ** (attempt - 1), policy.max_backoff)
    return None


def attempts_of(response: requests.Response) -> int:
    """How many requests produced this answer (retried answers are kept in `history`)."""
    return 1 + sum(1 for earlier in response.history if earlier.status_code >= 400)


class RetryHook:
    """A requests response hook applying a RetryPolicy."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy

    def __call__(self, response: requests.Response, **send_kwargs: Any) -> requests.Response:
        attempt = 1
        while (delay := retry_delay(response, attempt, self.policy)) is not None:
            request = response.request
            log.info(
                "GitHub answered %s to %s %s; retrying in %.1f s (attempt %d of %d)",
                response.status_code,
                request.method,
                urlsplit(request.url or "").path,
                delay,
                attempt + 1,
                self.policy.attempts,
            )
            response.content  # noqa: B018 - read the body so the connection can be reused
            response.close()
            self.policy.sleep(delay)
            retried: requests.Response = response.connection.send(request, **send_kwargs)
            retried.history = [*response.history, response]
            retried.request = request
            response = retried
            attempt += 1
        return response
