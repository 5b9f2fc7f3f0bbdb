"""The repository format reference: one markdown page per kind, generated from its JSON Schema.

    reference_page(schema)   -> markdown (pure: the schema's fields, types, required, defaults,
                                descriptions, enums, patterns and bounds, part by part)
    reference_pages(schemas) -> file name -> markdown, with an index (README.md)

The input is the schema as written by `schema --out` (schema.rendered_schemas), so the pages
say exactly what editors and `validate` enforce. `schema --docs DIR` writes them; a test fails
when docs/reference/ is stale.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

Schema = Mapping[str, Any]
INDEX = "README.md"
REGENERATE = "modelops-gitops schema --out schemas --docs docs/reference"
_REF_PREFIX = "#/$defs/"
_BOUNDS = (
    ("minimum", ">= {}"),
    ("exclusiveMinimum", "> {}"),
    ("maximum", "<= {}"),
    ("exclusiveMaximum", "< {}"),
    ("minLength", "length >= {}"),
    ("maxLength", "length <= {}"),
    ("minItems", "at least {}"),
    ("maxItems", "at most {}"),
)


def page_name(schema_file: str) -> str:
    """`model.json` -> `model.md`."""
    return schema_file.rsplit(".", 1)[0] + ".md"


def kind_of(schema: Schema) -> str:
    """The kind a schema describes: its `kind` constant."""
    return str(schema["properties"]["kind"]["const"])


def reference_pages(schemas: Mapping[str, str]) -> dict[str, str]:
    """Schema file name -> JSON text (as `schema --out` writes) => page name -> markdown."""
    parsed = {name: json.loads(text) for name, text in sorted(schemas.items())}
    pages = {page_name(name): reference_page(schema) for name, schema in parsed.items()}
    pages[INDEX] = index_page(parsed)
    return pages


def index_page(schemas: Mapping[str, Schema]) -> str:
    lines = [
        "# Repository format reference",
        "",
        _generated_note(),
        "",
        "Every document has `apiVersion: modelops-gitops/v1`, a `kind`, `metadata.name` (a "
        "lowercase DNS label) and a `spec`. Unknown fields are errors, everywhere.",
        "",
        "| kind | page | JSON Schema |",
        "|---|---|---|",
    ]
    for name, schema in sorted(schemas.items(), key=lambda item: kind_of(item[1])):
        kind = kind_of(schema)
        lines.append(f"| `{kind}` | [{page_name(name)}]({page_name(name)}) | `schemas/{name}` |")
    lines += [
        "",
        "Point your editor at the schemas (yaml-language-server) with a first line such as",
        "`# yaml-language-server: $schema=../../schemas/model.json`.",
        "",
    ]
    return "\n".join(lines)


def reference_page(schema: Schema) -> str:
    """One kind's page: the document's top-level fields, then each part it is made of, in the
    order a reader meets them, each with where it is used."""
    kind = kind_of(schema)
    defs: Mapping[str, Schema] = schema.get("$defs", {})
    used = usages(schema)
    lines = [f"# {kind}", "", _generated_note(), ""]
    lines += [f"JSON Schema: `schemas/{schema['$id'].rsplit('/', 1)[-1]}` (`{schema['$id']}`).", ""]
    lines += _part(f"`kind: {kind}`", schema, [])
    for name in used:
        lines += _part(name, defs[name], used[name])
    return "\n".join(lines).rstrip("\n") + "\n"


def usages(schema: Schema) -> dict[str, list[str]]:
    """Each part ($defs entry) -> the field paths where it appears, parts in the order a walk of
    the document meets them (required fields first)."""
    defs: Mapping[str, Schema] = schema.get("$defs", {})
    found: dict[str, list[str]] = {}

    def visit(node: Schema, path: str) -> None:
        for name, where in _refs(node, path):
            first = name not in found
            found.setdefault(name, [])
            if where not in found[name]:
                found[name].append(where)
            if first:
                visit(defs[name], where)

    visit(schema, "")
    return found


def _refs(node: Schema, path: str) -> Iterator[tuple[str, str]]:
    """($defs name, path) of every reference reachable from `node` without another part."""
    for field, sub in _fields(node):
        yield from _refs_in(sub, f"{path}.{field}" if path else field)


def _refs_in(node: Schema, path: str) -> Iterator[tuple[str, str]]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
        yield ref[len(_REF_PREFIX) :], path
    for option in node.get("anyOf", []) + node.get("oneOf", []):
        yield from _refs_in(option, path)
    if isinstance(node.get("items"), dict):
        yield from _refs_in(node["items"], f"{path}[]")
    values = [node.get("additionalProperties"), *node.get("patternProperties", {}).values()]
    for value in values:
        if isinstance(value, dict):
            yield from _refs_in(value, f"{path}.<key>")


def _fields(node: Schema) -> list[tuple[str, Schema]]:
    """Properties, required ones first, each group in name order."""
    properties: Mapping[str, Schema] = node.get("properties", {})
    required = set(node.get("required", []))
    return sorted(properties.items(), key=lambda item: (item[0] not in required, item[0]))


def _part(title: str, node: Schema, where: list[str]) -> list[str]:
    lines = [f"## {title}", ""]
    if where:
        lines += ["Used at: " + ", ".join(f"`{w}`" for w in where) + ".", ""]
    if node.get("description"):
        lines += [_one_line(node["description"]), ""]
    fields = _fields(node)
    if not fields:
        lines += [f"Type: {type_of(node)}.", ""]
        return lines
    required = set(node.get("required", []))
    lines += ["| field | type | required | default | description |", "|---|---|---|---|---|"]
    for name, sub in fields:
        cells = [
            f"`{name}`",
            _cell(type_of(sub)),
            "yes" if name in required else "",
            _cell(f"`{json.dumps(sub['default'])}`") if "default" in sub else "",
            _cell(_description(sub)),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    extra = node.get("additionalProperties")
    lines += ["", "Other fields: " + ("allowed." if extra is not False else "refused."), ""]
    return lines


def type_of(node: Schema) -> str:
    """A reader's description of the values a schema node accepts."""
    if "const" in node:
        return f"`{json.dumps(node['const'])}`"
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
        name = ref[len(_REF_PREFIX) :]
        return f"[{name}](#{name.lower()})"
    if "discriminator" in node:
        key = node["discriminator"]["propertyName"]
        mapping = node["discriminator"]["mapping"]
        tagged = [f"{type_of({'$ref': t})} (`{key}: {tag}`)" for tag, t in sorted(mapping.items())]
        return "one of: " + ", ".join(tagged)
    options = node.get("anyOf") or node.get("oneOf")
    if options:
        return " or ".join(type_of(o) for o in options)
    kind = node.get("type")
    if kind == "array":
        return f"list{_constraints(node)} of {type_of(node.get('items', {}))}"
    if kind == "object":
        return _object_type(node)
    if "enum" in node:
        return "one of " + ", ".join(f"`{json.dumps(v)}`" for v in node["enum"])
    return (str(kind) if kind else "any") + _constraints(node)


def _object_type(node: Schema) -> str:
    if node.get("properties"):
        return "object"
    patterns: Mapping[str, Schema] = node.get("patternProperties", {})
    values = node.get("additionalProperties")
    if len(patterns) == 1:
        [(pattern, values)] = patterns.items()
        keys: Schema = {**node.get("propertyNames", {}), "type": "string", "pattern": pattern}
    elif isinstance(values, dict) and not patterns:
        keys = {"type": "string", **node.get("propertyNames", {})}
    else:
        return "object"
    return f"map of {type_of(keys)} to {type_of(values) if values else 'any'}"


def _constraints(node: Schema) -> str:
    parts = [node["format"]] if "format" in node else []
    parts += [template.format(node[key]) for key, template in _BOUNDS if key in node]
    if "pattern" in node:
        parts.append(f"pattern `{node['pattern']}`")
    return f" ({', '.join(parts)})" if parts else ""


def _description(node: Schema) -> str:
    if node.get("description"):
        return _one_line(node["description"])
    for option in node.get("anyOf", []):  # Optional[Name]: the description sits on the option
        if option.get("description"):
            return _one_line(option["description"])
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        return _one_line(node["items"].get("description", ""))
    keys = node.get("propertyNames", {}).get("description", "")
    values = [*node.get("patternProperties", {}).values(), node.get("additionalProperties")]
    value = next(
        (v["description"] for v in values if isinstance(v, dict) and "description" in v), ""
    )
    parts = [f"keys: {keys}" if keys else "", f"values: {value}" if value else ""]
    return _one_line(" ".join(p for p in parts if p))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell (GitHub reads `\\|` as a literal bar, even in
    code spans)."""
    return text.replace("|", "\\|")


def _generated_note() -> str:
    return (
        "Generated from the JSON Schemas in `schemas/` (themselves generated from the "
        f"pydantic models) by `{REGENERATE}`. Do not edit by hand: a test fails when it is stale."
    )
