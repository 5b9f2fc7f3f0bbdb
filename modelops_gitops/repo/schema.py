"""JSON Schemas for every kind, generated from the pydantic models (editors autocomplete from them)."""

from __future__ import annotations

import json
from typing import Any

from modelops_gitops import API_VERSION
from modelops_gitops.kinds import KINDS

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_file(kind: str) -> str:
    return f"{kind.lower()}.json"


def schema_for(kind: str) -> dict[str, Any]:
    body = KINDS[kind].model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": f"https://modelops-gitops.dev/schemas/v1/{schema_file(kind)}",
        "title": f"{API_VERSION} {kind}",
        **{k: v for k, v in body.items() if k != "title"},
    }


def rendered_schemas() -> dict[str, str]:
    """File name -> JSON text, deterministic (stable key order, trailing newline)."""
    return {
        schema_file(kind): json.dumps(schema_for(kind), indent=2, sort_keys=True) + "\n"
        for kind in sorted(KINDS)
    }
