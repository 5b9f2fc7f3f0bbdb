"""How much a dataset may hold once decompressed, enforced while it streams (datasets.py).
Set per repository (`spec.trust.dataset_max_bytes`, `dataset_max_rows`) around a gate run
with `limited()`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from modelops_gitops.errors import GateInputError


@dataclass(frozen=True)
class Limits:
    """The most a dataset may hold once decompressed: bytes and rows."""

    max_bytes: int = 4 << 30
    max_rows: int = 100_000_000


DEFAULT_LIMITS = Limits()
LIMITS: ContextVar[Limits] = ContextVar("dataset_limits", default=DEFAULT_LIMITS)


@contextmanager
def limited(limits: Limits) -> Iterator[None]:
    """Read datasets under `limits` inside the block."""
    token = LIMITS.set(limits)
    try:
        yield
    finally:
        LIMITS.reset(token)


class Capped:
    """A binary stream that refuses to yield more than `limit` bytes in total."""

    def __init__(self, raw: Any, limit: int, location: str) -> None:
        self._raw, self._left, self._location, self._limit = raw, limit, location, limit
        self.closed = False

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size if size is not None and size >= 0 else self._left + 1)
        self._left -= len(data)
        if self._left < 0:
            raise GateInputError.at(
                self._location,
                f"dataset is larger than {self._limit:,} bytes once decompressed "
                "(spec.trust.dataset_max_bytes)",
            )
        return bytes(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True
        self._raw.close()


def too_many_rows(location: str, limit: int) -> Exception:
    return GateInputError.at(
        location, f"dataset has more than {limit:,} rows (spec.trust.dataset_max_rows)"
    )
