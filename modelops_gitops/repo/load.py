"""Bytes of one file -> a validated document, or every problem in it with file:line:col and field.

pydantic's errors never leave this module without a location: a failing file is read a
second time with positions (`yaml_source.parse(locate=True)`), and each error's path is
turned into the line and column of the key it names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from modelops_gitops import API_VERSION
from modelops_gitops.kinds import kind_class
from modelops_gitops.kinds.limits import DEFAULT_MAX_BYTES
from modelops_gitops.problems import Problem
from modelops_gitops.repo.tree import (
    MODELOPS_FILE,
    MODELS_DIR,
    POLICIES_DIR,
    Tree,
    document_paths,
    model_folder,
)
from modelops_gitops.repo.yaml_source import (
    Parsed,
    Path,
    YamlProblem,
    format_path,
    parse,
    problem_of,
)
from modelops_gitops.suggest import did_you_mean

D = TypeVar("D", bound=BaseModel)
POLICY_KINDS = ("Lifecycle", "Teams", "Policy", "Waiver")


@dataclass(frozen=True)
class Document(Generic[D]):
    """A validated document and the file it came from."""

    file: str
    doc: D


def expected_kinds(path: str) -> tuple[str, ...]:
    if path == MODELOPS_FILE:
        return ("Repository",)
    if path.startswith(f"{MODELS_DIR}/"):
        return ("Model",)
    return POLICY_KINDS


def load_document(
    file: str, raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[BaseModel | None, list[Problem]]:
    """Parse and validate one document file; on failure every problem, located."""
    doc, problems, _ = load_with_data(file, raw, max_bytes=max_bytes)
    return doc, problems


def load_with_data(
    file: str, raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[BaseModel | None, list[Problem], Any]:
    """`load_document`, with the parsed YAML (plain data) the document was validated from."""
    try:
        parsed = parse(file, raw, max_bytes=max_bytes)
    except YamlProblem as exc:
        return None, [problem_of(file, exc)], None
    doc, issues = _validate(file, parsed.data)
    if not issues:
        return doc, [], parsed.data
    located = parse(file, raw, max_bytes=max_bytes, locate=True)
    return None, [_at(located, path, message) for path, message in issues], parsed.data


def document_of(file: str, data: Any) -> BaseModel | None:
    """The document a file's parsed YAML describes (None when it has a problem, which
    `load_document` of its bytes locates): validating kept data skips the YAML parse."""
    doc, issues = _validate(file, data)
    return doc if not issues else None


def locate(file: str, raw: bytes, issues: list[tuple[Path, str]], max_bytes: int) -> list[Problem]:
    """Problems at the positions of the given key paths (for checks made after loading)."""
    located = parse(file, raw, max_bytes=max_bytes, locate=True)
    return [_at(located, path, message) for path, message in issues]


def stage_order(tree: Tree) -> list[str]:
    """The stage names of the first valid Lifecycle under policies/, in order ([] when
    there is none): how edits place a stage and reports list stages."""
    from modelops_gitops.kinds import Lifecycle  # that kind's models only

    for path in document_paths(tree.paths()):
        if path.startswith(f"{POLICIES_DIR}/"):
            doc, _ = load_document(path, tree.read(path))
            if isinstance(doc, Lifecycle):
                return doc.spec.stage_names()
    return []


def _at(located: Parsed, path: Path, message: str) -> Problem:
    line, column = located.position(path)
    return Problem(located.file, line, column, format_path(path), message)


def _validate(file: str, data: Any) -> tuple[BaseModel | None, list[tuple[Path, str]]]:
    if data is None:
        return None, [((), "the file is empty: expected a document with apiVersion and kind")]
    if not isinstance(data, dict):
        return None, [((), f"expected a mapping at the top level, found {type(data).__name__}")]
    allowed = expected_kinds(file)
    if data.get("apiVersion") != API_VERSION:
        return None, [
            (("apiVersion",), f"must be {API_VERSION!r}, found {data.get('apiVersion')!r}")
        ]
    kind = data.get("kind")
    if kind not in allowed:
        where = " or ".join(allowed)
        return None, [(("kind",), f"expected kind {where} in this file, found {kind!r}")]
    try:
        doc = kind_class(kind).model_validate(data)  # only that kind's models are built
    except ValidationError as exc:
        return None, [_issue(data, err, kind) for err in exc.errors()]
    folder = model_folder(file)
    name = data["metadata"]["name"]
    if folder is not None and name != folder:
        return None, [
            (("metadata", "name"), f"must equal the folder name {folder!r}, found {name!r}")
        ]
    return doc, []


def _data_path(data: Any, loc: tuple[int | str, ...]) -> Path:
    """pydantic's error location -> the key path in the YAML data.

    Discriminated unions insert the tag ('approvals') into the location; drop such steps.
    """
    path: list[str | int] = []
    node = data
    for step in loc:
        skip = isinstance(node, dict) and isinstance(step, str) and step not in node
        if skip and (node.get("type") == step or str(step).startswith("function-")):
            continue
        path.append(step)
        node = (
            node.get(step)
            if isinstance(node, dict)
            else (
                node[step]
                if isinstance(node, list) and isinstance(step, int) and step < len(node)
                else None
            )
        )
    return tuple(path)


_PATTERN_MESSAGES = {
    "^[0-9a-f]{64}$": "not a sha256 digest (64 lowercase hex characters)",
    "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$": "not a lowercase DNS label (a-z, 0-9, '-', at most 63)",
    "^[0-9a-f]{40}([0-9a-f]{24})?$": "not a full git commit id (40 lowercase hex characters)",
}
_YAML11_BOOLS = frozenset(
    {"yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"}
    | {"y", "Y", "n", "N"}
)


def _issue(data: Any, err: Any, doc_kind: str) -> tuple[Path, str]:
    path = _data_path(data, tuple(err["loc"]))
    kind, value = err["type"], err.get("input")
    if kind == "extra_forbidden":
        from modelops_gitops.repo.field_names import allowed_fields  # every kind's schema

        valid = allowed_fields(doc_kind, data, path[:-1])
        hint = did_you_mean(str(path[-1]), valid) if valid and path else ""
        return path, f"unknown field{hint or ' (check the spelling; unknown fields are errors)'}"
    if kind == "missing":
        return path, "required field is missing"
    if kind == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern", "")
        if pattern in _PATTERN_MESSAGES:
            return path, f"{_PATTERN_MESSAGES[pattern]}: {value!r}"
        if pattern.startswith("^(0|[1-9]"):
            return path, f"not a semantic version (MAJOR.MINOR.PATCH): {value!r}"
        return path, f"{value!r} does not match {pattern}"
    if kind == "bool_type" and isinstance(value, str) and value in _YAML11_BOOLS:
        return path, f"{value!r} is not a boolean in YAML 1.2: write true or false"
    if kind == "string_type" and isinstance(value, int | float | bool):
        return path, f"expected a string, found {value!r}: quote it"
    message = err["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return path, message
