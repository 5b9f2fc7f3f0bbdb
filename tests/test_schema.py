"""JSON Schemas: `schema --out`, the committed copies under schemas/, and what they accept."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CHURN_MODEL, PROJECT_ROOT, Result, snapshot, valid_files
from jsonschema import Draft202012Validator

from modelops_gitops.kinds import KINDS
from modelops_gitops.repo.schema import SCHEMA_DIALECT, rendered_schemas, schema_file
from modelops_gitops.repo.schema_docs import reference_page, reference_pages, type_of
from modelops_gitops.repo.tree import is_document_path
from modelops_gitops.repo.yaml_source import parse

Cli = Callable[..., Result]
COMMITTED = PROJECT_ROOT / "schemas"
REGENERATE = ".venv/bin/modelops-gitops schema --out schemas"
WAIVER = (
    "apiVersion: modelops-gitops/v1\nkind: Waiver\nmetadata: {name: w}\n"
    "spec: {model: churn, policy: production, rule: test, reason: r, expires: 2030-01-31}\n"
)


def validator(kind: str) -> Draft202012Validator:
    schema = json.loads(rendered_schemas()[schema_file(kind)])
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def data_of(file: str, raw: bytes) -> Any:
    """The document as our own parser reads it (YAML 1.2), which is what editors should see."""
    return parse(file, raw, max_bytes=1 << 20).data


def errors(data: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator(data["kind"]).iter_errors(data)
    ]


def test_schema_command_writes_one_schema_per_kind(tmp_path: Path, cli: Cli) -> None:
    out = tmp_path / "out" / "schemas"
    result = cli("schema", "--out", str(out))
    assert result.code == 0, result
    assert result.out == f"schema: wrote {len(KINDS)} schemas to {out}\n"
    assert sorted(p.name for p in out.iterdir()) == sorted(schema_file(k) for k in KINDS)
    for name, text in rendered_schemas().items():
        assert (out / name).read_text() == text
    assert cli("schema", "--out", str(out)).code == 0  # again: same bytes
    assert {p.name: p.read_text() for p in out.iterdir()} == rendered_schemas()


def test_schema_out_that_is_a_file_is_refused(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "schemas").write_text("not a folder")
    before = snapshot(tmp_path)
    result = cli("schema", "--out", str(tmp_path / "schemas"))
    assert result.code == 2
    assert "--out: exists and is not a directory" in result.err
    assert snapshot(tmp_path) == before


def test_committed_schemas_are_current() -> None:
    expected = rendered_schemas()
    assert COMMITTED.is_dir(), f"no schemas/ at the project root: run `{REGENERATE}`"
    found = {p.name: p.read_text(encoding="utf-8") for p in COMMITTED.glob("*.json")}
    stale = sorted(
        name for name in expected.keys() | found.keys() if expected.get(name) != found.get(name)
    )
    assert not stale, (
        f"schemas/ is stale ({', '.join(stale)}): the pydantic models changed. "
        f"Regenerate with `{REGENERATE}` and commit the result "
        "(delete schemas that no kind produces any more)."
    )


def test_rendering_is_deterministic() -> None:
    assert rendered_schemas() == rendered_schemas()
    for text in rendered_schemas().values():
        assert text.endswith("}\n")
        assert json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n" == text


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_schema_is_a_valid_draft_2020_12_schema(kind: str) -> None:
    schema = json.loads(rendered_schemas()[schema_file(kind)])
    assert schema["$schema"] == SCHEMA_DIALECT
    assert schema["$id"].endswith(f"/{schema_file(kind)}")
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["kind"] == {"const": kind, "title": "Kind", "type": "string"}
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) >= {"apiVersion", "kind", "metadata"}


def test_ids_are_unique() -> None:
    ids = [json.loads(text)["$id"] for text in rendered_schemas().values()]
    assert len(set(ids)) == len(ids)


def scaffold_documents() -> dict[str, bytes]:
    files = {k: v for k, v in valid_files().items() if isinstance(v, bytes)}
    docs = {k: v for k, v in files.items() if is_document_path(k)}
    docs["models/churn/model.yaml"] = CHURN_MODEL.encode()
    docs["policies/waiver.yaml"] = WAIVER.encode()
    return docs


@pytest.mark.parametrize("file", sorted(scaffold_documents()))
def test_scaffold_documents_validate_against_the_schemas(file: str) -> None:
    assert errors(data_of(file, scaffold_documents()[file])) == []


def example_documents() -> list[str]:
    found = ["modelops.yaml"]
    found += [
        p.relative_to(PROJECT_ROOT).as_posix() for p in PROJECT_ROOT.glob("models/*/model.yaml")
    ]
    found += [p.relative_to(PROJECT_ROOT).as_posix() for p in PROJECT_ROOT.glob("policies/*.yaml")]
    return sorted(found)


def test_the_bundled_example_has_documents() -> None:
    assert len(example_documents()) >= 6, "the bundled example is missing at the project root"


@pytest.mark.parametrize("file", example_documents())
def test_bundled_example_documents_validate_against_the_schemas(file: str) -> None:
    assert errors(data_of(file, (PROJECT_ROOT / file).read_bytes())) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("  risk_tier: medium", "  risk_teir: medium", "Additional properties are not allowed"),
        ("sha256: " + "a" * 64, "sha256: abc", "does not match"),
        ("  name: churn", "  name: Churn", "does not match"),
        ("- version: 1.1.0", "- version: 1.1", "is not of type 'string'"),
        (
            "a" * 64 + "\n        format: skops",
            "a" * 64 + "\n        format: pickle5",
            "is not one of",
        ),
    ],
)
def test_schemas_flag_what_validate_refuses(old: str, new: str, expected: str) -> None:
    """Editors see the same mistakes early: unknown keys, patterns, types, enums."""
    assert CHURN_MODEL.count(old) == 1
    found = errors(data_of("m.yaml", CHURN_MODEL.replace(old, new).encode()))
    assert any(expected in e for e in found), found


# The format reference (docs/reference/), generated from the schemas by `schema --docs DIR`.

REFERENCE = PROJECT_ROOT / "docs" / "reference"
REGENERATE_DOCS = ".venv/bin/modelops-gitops schema --out schemas --docs docs/reference"


def test_schema_docs_writes_the_reference_next_to_the_schemas(tmp_path: Path, cli: Cli) -> None:
    out, docs = tmp_path / "schemas", tmp_path / "docs" / "reference"
    result = cli("schema", "--out", str(out), "--docs", str(docs))
    assert result.code == 0, result
    pages = reference_pages(rendered_schemas())
    assert result.out == (
        f"schema: wrote {len(KINDS)} schemas to {out}\n"
        f"schema: wrote {len(pages)} reference pages to {docs}\n"
    )
    assert {p.name: p.read_text() for p in docs.iterdir()} == pages
    assert sorted(pages) == sorted(["README.md", *(f"{k.lower()}.md" for k in KINDS)])
    assert cli("schema", "--out", str(out), "--docs", str(docs)).code == 0  # again: same bytes
    assert {p.name: p.read_text() for p in docs.iterdir()} == pages


@pytest.mark.parametrize("blocked", ["--out", "--docs"])
def test_schema_docs_that_is_a_file_writes_nothing(tmp_path: Path, cli: Cli, blocked: str) -> None:
    paths = {"--out": tmp_path / "schemas", "--docs": tmp_path / "reference"}
    paths[blocked].write_text("not a folder")
    before = snapshot(tmp_path)
    result = cli("schema", "--out", str(paths["--out"]), "--docs", str(paths["--docs"]))
    assert result.code == 2
    assert f"{paths[blocked]}: {blocked}: exists and is not a directory" in result.err
    assert snapshot(tmp_path) == before  # neither the schemas nor the pages were written


def test_schema_docs_refuses_a_symlinked_page(tmp_path: Path, cli: Cli) -> None:
    docs = tmp_path / "reference"
    docs.mkdir()
    (tmp_path / "elsewhere.md").write_text("keep me")
    (docs / "model.md").symlink_to(tmp_path / "elsewhere.md")
    result = cli("schema", "--out", str(tmp_path / "schemas"), "--docs", str(docs))
    assert result.code == 2
    assert "refusing to write: not a regular file" in result.err
    assert (tmp_path / "elsewhere.md").read_text() == "keep me"


def test_committed_reference_is_current() -> None:
    expected = reference_pages(rendered_schemas())
    assert REFERENCE.is_dir(), f"no docs/reference/: run `{REGENERATE_DOCS}`"
    found = {p.name: p.read_text(encoding="utf-8") for p in REFERENCE.glob("*.md")}
    stale = sorted(
        name for name in expected.keys() | found.keys() if expected.get(name) != found.get(name)
    )
    assert not stale, (
        f"docs/reference/ is stale ({', '.join(stale)}): the schemas changed. "
        f"Regenerate with `{REGENERATE_DOCS}` and commit the result "
        "(delete pages that no kind produces any more)."
    )


def walk_schema(node: Any) -> Any:
    """Every mapping inside a schema."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk_schema(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk_schema(value)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_reference_page_says_everything_the_schema_says(kind: str) -> None:
    schema = json.loads(rendered_schemas()[schema_file(kind)])
    page = reference_page(schema)
    assert page.startswith(f"# {kind}\n")
    for name in schema["$defs"]:  # every part has its section and is reachable
        assert f"\n## {name}\n" in page, name
    for node in walk_schema(schema):
        for field, sub in node.get("properties", {}).items():
            if isinstance(sub, dict):
                assert f"| `{field}` |" in page, field
                if "default" in sub:
                    assert f"`{json.dumps(sub['default'])}`" in page, (field, sub["default"])
        for value in node.get("enum", []):
            assert f"`{json.dumps(value)}`" in page, value
        if isinstance(node.get("pattern"), str):
            assert f"`{node['pattern']}`".replace("|", "\\|") in page, node["pattern"]
        if isinstance(node.get("description"), str) and node is not schema:
            assert " ".join(node["description"].split()) in page, node["description"]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_reference_links_point_at_sections_of_the_page(kind: str) -> None:
    page = reference_page(json.loads(rendered_schemas()[schema_file(kind)]))
    anchors = {line[3:].lower() for line in page.splitlines() if line.startswith("## ")}
    links = re.findall(r"\]\(#([^)]+)\)", page)
    assert links
    assert set(links) <= anchors


def test_reference_marks_required_fields_and_where_parts_are_used() -> None:
    page = reference_page(json.loads(rendered_schemas()["policy.json"]))
    assert "| `min` | integer (>= 1) |  | `1` |  |" in page
    assert "| `metric` | string | yes |  |  |" in page
    assert "Used at: `spec.rules[].weekly[]`." in page
    assert "(`type: previous_stage`)" in page
    model = reference_page(json.loads(rendered_schemas()["model.json"]))
    assert (
        "Used at: `spec.monitoring.current`, `spec.monitoring.service.snapshot`, "
        "`spec.versions[].datasets.eval`, `spec.versions[].datasets.train`." in model
    )
    assert "Other fields: refused." in model


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ({"const": "Model"}, '`"Model"`'),
        ({"$ref": "#/$defs/Pinned"}, "[Pinned](#pinned)"),
        (
            {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]},
            "integer (>= 0) or null",
        ),
        (
            {"type": "array", "minItems": 1, "items": {"type": "string"}},
            "list (at least 1) of string",
        ),
        ({"enum": ["block", "warn"], "type": "string"}, 'one of `"block"`, `"warn"`'),
        ({"type": "string", "format": "time"}, "string (time)"),
        ({"type": "string", "pattern": "^a|b$"}, "string (pattern `^a|b$`)"),
        ({"type": "object", "additionalProperties": {"type": "number"}}, "map of string to number"),
        (
            {"type": "object", "patternProperties": {"^k$": {"type": "string"}}},
            "map of string (pattern `^k$`) to string",
        ),
        ({"type": "object", "additionalProperties": True}, "object"),
        ({}, "any"),
    ],
)
def test_type_of(node: dict[str, Any], expected: str) -> None:
    assert type_of(node) == expected


def test_reference_table_cells_escape_bars() -> None:
    schema = {
        "$id": "https://example.test/x.json",
        "properties": {
            "kind": {"const": "X"},
            "name": {"type": "string", "pattern": "^(a|b)$", "description": "a | b"},
        },
        "required": ["kind"],
        "additionalProperties": False,
    }
    page = reference_page(schema)
    assert "| `name` | string (pattern `^(a\\|b)$`) |  |  | a \\| b |" in page
    assert "Other fields: refused." in page
