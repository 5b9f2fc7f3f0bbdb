"""Failure injection: rate limits, bad gateways, slow answers.

A fault matches requests by method and a substring of the path and fires `times` times
(then it is spent). A fault with a `status` answers instead of the emulator; one with only
a `delay` makes the real answer late. Delays are capped at MAX_DELAY so a test cannot hang.

Injected answers are not checked against the OpenAPI description: GitHub's description does
not describe what its proxies send (a 502 from the edge, for example).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

MAX_DELAY = 2.0


@dataclass
class Fault:
    path: str = ""
    method: str | None = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)
    delay: float = 0.0
    times: int = 1
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (
            self.fired < self.times
            and (self.method is None or self.method == method)
            and self.path in path
        )


class Faults:
    """The faults of one emulator; thread-safe, consulted once per request."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.fired += 1
                    return fault
        return None

    def rate_limit(
        self, path: str = "", *, reset_at: int | None = None, times: int = 1, status: int = 403
    ) -> Fault:
        """GitHub's primary rate limit: remaining 0 and the epoch second it resets
        (`reset_at`, by default one second from now)."""
        reset = int(time.time()) + 1 if reset_at is None else reset_at
        headers = {
            "X-RateLimit-Limit": "5000",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Used": "5000",
            "X-RateLimit-Reset": str(reset),
            "X-RateLimit-Resource": "core",
        }
        body = {
            "message": "API rate limit exceeded for user ID 1.",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        }
        return self.add(Fault(path, status=status, headers=headers, body=body, times=times))

    def secondary_rate_limit(
        self, path: str = "", *, retry_after: int = 1, times: int = 1
    ) -> Fault:
        body = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes."}
        headers = {"Retry-After": str(retry_after)}
        return self.add(Fault(path, status=429, headers=headers, body=body, times=times))

    def server_error(
        self, path: str = "", *, status: int = 502, times: int = 1, method: str | None = None
    ) -> Fault:
        body = {"message": "Server Error"}
        return self.add(Fault(path, method, status=status, body=body, times=times))

    def slow(self, path: str = "", *, delay: float = 0.2, times: int = 1) -> Fault:
        return self.add(Fault(path, delay=min(delay, MAX_DELAY), times=times))
