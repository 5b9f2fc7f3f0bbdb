"""The field names a kind allows at a key path, read from its JSON Schema: what an "unknown
field" message offers as "did you mean". Discriminated unions (rules by `type`) follow the
branch whose discriminator matches the document."""

from __future__ import annotations

from functools import cache
from typing import Any

from modelops_gitops.repo.schema import schema_for

KeyPath = tuple[str | int, ...]


@cache
def _schema(kind: str) -> dict[str, Any]:
    return schema_for(kind)


def allowed_fields(kind: str, data: Any, path: KeyPath) -> list[str]:
    """The property names the schema of `kind` allows in the mapping at `path` of `data`
    (the path of the mapping itself, not of the unknown key); [] when it cannot tell."""
    root = _schema(kind)
    node: dict[str, Any] | None = root
    value = data
    for step in path:
        node = _resolve(root, node, value)
        if node is None:
            return []
        if isinstance(step, int):
            node = node.get("items") if isinstance(node.get("items"), dict) else None
            value = value[step] if isinstance(value, list) and step < len(value) else None
        else:
            props = node.get("properties", {})
            extra = node.get("additionalProperties")
            node = props.get(step) or (extra if isinstance(extra, dict) else None)
            value = value.get(step) if isinstance(value, dict) else None
    node = _resolve(root, node, value)
    return sorted(node.get("properties", {})) if node else []


def _resolve(
    root: dict[str, Any], node: dict[str, Any] | None, value: Any
) -> dict[str, Any] | None:
    """Follow $ref and pick the union branch that fits `value`."""
    for _ in range(32):  # refs and unions nest a few levels at most
        if node is None:
            return None
        if "$ref" in node:
            node = _ref(root, node["$ref"])
            continue
        branches = node.get("oneOf") or node.get("anyOf")
        if branches:
            node = _branch(root, branches, value)
            continue
        return node
    return None


def _ref(root: dict[str, Any], ref: str) -> dict[str, Any] | None:
    target: Any = root
    for part in ref.removeprefix("#/").split("/"):
        target = target.get(part) if isinstance(target, dict) else None
    return target if isinstance(target, dict) else None


def _branch(root: dict[str, Any], branches: list[Any], value: Any) -> dict[str, Any] | None:
    objects = []
    for branch in branches:
        resolved = _resolve(root, branch, value)
        if resolved is not None and "properties" in resolved:
            objects.append(resolved)
    if isinstance(value, dict):
        for candidate in objects:
            tag = candidate["properties"].get("type", {})
            if "const" in tag and tag["const"] == value.get("type"):
                return candidate
    return objects[0] if len(objects) == 1 else None
