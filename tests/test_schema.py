"""JSON Schemas: `schema --out`, the committed copies under schemas/, and what they accept."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CHURN_MODEL, PROJECT_ROOT, Result, snapshot, valid_files
from jsonschema import Draft202012Validator

from modelops_gitops.kinds import KINDS
from modelops_gitops.schema import SCHEMA_DIALECT, rendered_schemas, schema_file
from modelops_gitops.tree import is_document_path
from modelops_gitops.yaml_source import parse

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
