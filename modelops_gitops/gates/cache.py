"""A cache of gate results, so re-running `plan` on an unchanged pull request recomputes nothing.

A result is keyed by the sha256 of the canonical JSON of everything it depends on: the pinned
digests of the files the gate reads, the rule's config, the model fields the gate uses, the
gate's VERSION and the versions of the libraries that compute it (see `runner.cache_material`).
Entries are JSON files `<dir>/<gate>-<key>.json` holding the material and the result, written
atomically. Only "pass" and "fail" results are stored: an "error" (a missing file, a missing
optional dependency) must be retried. An unreadable entry is a miss.

A hit returns the result exactly as it was computed, key order included: the order of a
table row's keys is the order of its columns in plan comments and audit reports, so the
result is stored as dumped (never with sorted keys) and a report renders to the same bytes
whether its gate results were computed or read from here.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from modelops_gitops.digest import sha256_bytes
from modelops_gitops.gates.result import GateResult


def canonical_json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def cache_key(material: Mapping[str, Any]) -> str:
    return sha256_bytes(canonical_json(material))


class ResultCache:
    """Gate results on disk under `directory` (created on first write)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.hits = 0  # results served from the cache (what --verbose reports)

    def _path(self, gate: str, key: str) -> Path:
        return self.directory / f"{gate}-{key}.json"

    def get(self, gate: str, material: Mapping[str, Any]) -> GateResult | None:
        path = self._path(gate, cache_key(material))
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            if entry.get("material") != json.loads(canonical_json(material)):
                return None
            result = GateResult.model_validate(entry["result"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError, ValidationError):
            return None
        self.hits += 1
        return result

    def put(self, gate: str, material: Mapping[str, Any], result: GateResult) -> None:
        if result.status == "error":
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        entry = {"material": material, "result": result.model_dump(mode="json")}
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(_as_dumped(entry))
            os.replace(temporary, self._path(gate, cache_key(material)))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _as_dumped(data: Any) -> bytes:
    """JSON keeping every dict's insertion order (see the module docstring)."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
