"""OpenLineage run events from ledger entries (pure): `audit export --format openlineage`.

    events(entries, models, namespace)  -> one RunEvent per entry, as JSON objects
    run_id(entry)                       -> a UUIDv7 from the entry's time and hash
    problems(event)                     -> what the event's schema check found ([] when valid)
    checked(events)                     -> the events, or ModelOpsError (exit 4) on the first bad one
    lines(events)                       -> JSON lines: ASCII, sorted keys, compact

Naming (docs/auditors.md, "Lineage"):
  job      namespace = the repository (`owner/repo`, or the folder's name), name `<model>.<stage>`
  inputs   the version's datasets by content: namespace `sha256`, name the hex digest; facets
           `version` (datasetVersion `sha256:<hex>`) and `documentation` (role and path)
  outputs  the stage: namespace = the repository, name `<model>/<stage>`; facet `version`
           (the version the stage holds after the entry, `(removed)` when none)
  run      facet `modelopsGitops`: seq, kind, entry and previous hash, PR, approvers, merge
           commit, policy set (schema: openlineage_spec/ModelopsGitopsRunFacet.json)

Every event is checked against openlineage_spec/RunEvent.json (the RunEvent of OpenLineage
spec 2-0-2: the fields the published schema requires, with its types and formats) and the
facet's schema, offline: the schemas are resolved from the package, never fetched.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from modelops_gitops import __version__
from modelops_gitops.audit.ledger import LedgerEntry
from modelops_gitops.audit.replay import parse_time
from modelops_gitops.errors import ModelOpsError
from modelops_gitops.kinds import Model

SPEC_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
FACET = "modelopsGitops"
FACET_SCHEMA = "urn:modelops-gitops:openlineage:ModelopsGitopsRunFacet:1"
RUN_EVENT_SCHEMA = "urn:modelops-gitops:openlineage:RunEvent:2-0-2"
VERSION_FACET = "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json"
DOC_FACET = "https://openlineage.io/spec/facets/1-1-0/DocumentationDatasetFacet.json"
PRODUCER = f"urn:modelops-gitops:{__version__}"
SPEC_FILES = ("RunEvent.json", "ModelopsGitopsRunFacet.json")


def run_id(entry: LedgerEntry) -> str:
    """UUIDv7 (RFC 9562): the entry's time in milliseconds, then 74 bits of its hash."""
    millis = int(parse_time(entry.time).timestamp() * 1000)
    rest = int.from_bytes(hashlib.sha256(entry.hash.encode()).digest()[:10]) >> 6  # 74 bits
    value = (millis & (2**48 - 1)) << 80 | 0x7 << 76 | (rest >> 62) << 64 | 0b10 << 62
    value |= rest & (2**62 - 1)
    return str(uuid.UUID(int=value))


def _facet(url: str, **fields: Any) -> dict[str, Any]:
    return {"_producer": PRODUCER, "_schemaURL": url, **fields}


def _inputs(model: Model | None, version: str) -> list[dict[str, Any]]:
    spec = model.spec.version(version) if model is not None else None
    if spec is None:
        return []
    out: dict[str, dict[str, Any]] = {}
    for role, pinned in (("train", spec.datasets.train), ("eval", spec.datasets.eval)):
        known = out.get(pinned.sha256)
        text = f"{role}: {pinned.path}"
        if known is not None:
            doc = known["facets"]["documentation"]
            doc["description"] += f"; {text}"
            continue
        out[pinned.sha256] = {
            "namespace": "sha256",
            "name": pinned.sha256,
            "facets": {
                "version": _facet(
                    f"{VERSION_FACET}#/$defs/DatasetVersionDatasetFacet",
                    datasetVersion=f"sha256:{pinned.sha256}",
                ),
                "documentation": _facet(
                    f"{DOC_FACET}#/$defs/DocumentationDatasetFacet", description=text
                ),
            },
        }
    return list(out.values())


def event(entry: LedgerEntry, model: Model | None, namespace: str) -> dict[str, Any]:
    change = entry.change
    held = change.to if change.to is not None else "(removed)"
    return {
        "eventType": "COMPLETE",
        "eventTime": entry.time,
        "producer": PRODUCER,
        "schemaURL": f"{SPEC_URL}#/$defs/RunEvent",
        "run": {
            "runId": run_id(entry),
            "facets": {
                FACET: _facet(
                    FACET_SCHEMA,
                    seq=entry.seq,
                    kind=change.kind,
                    version=change.version,
                    **{"from": change.from_, "to": change.to},
                    hash=entry.hash,
                    prev_hash=entry.prev_hash,
                    pr=entry.pr.model_dump(),
                    approvers=[a.login for a in entry.approvals],
                    merge_commit=entry.merge_commit,
                    policy_set_sha256=entry.policy_set_sha256,
                )
            },
        },
        "job": {"namespace": namespace, "name": f"{change.model}.{change.stage}"},
        "inputs": _inputs(model, change.version),
        "outputs": [
            {
                "namespace": namespace,
                "name": f"{change.model}/{change.stage}",
                "facets": {
                    "version": _facet(
                        f"{VERSION_FACET}#/$defs/DatasetVersionDatasetFacet", datasetVersion=held
                    )
                },
            }
        ],
    }


def events(
    entries: Iterable[LedgerEntry], models: Mapping[str, Model], namespace: str
) -> list[dict[str, Any]]:
    """One COMPLETE RunEvent per entry, in ledger order. A model no longer in the repository
    gives events without inputs (its datasets are not known at HEAD)."""
    return [event(e, models.get(e.change.model), namespace) for e in entries]


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    folder = resources.files("modelops_gitops").joinpath("audit/openlineage_spec")
    schemas = [json.loads(folder.joinpath(name).read_text("utf-8")) for name in SPEC_FILES]
    registry: Registry[Any] = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas
    )
    root = schemas[0]
    return Draft202012Validator(
        root, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def problems(candidate: Mapping[str, Any]) -> list[str]:
    """Every schema violation of one event, as `path: message` (sorted); [] when valid."""
    found = []
    for error in _validator().iter_errors(candidate):
        where = "/".join(str(p) for p in error.absolute_path) or "(event)"
        found.append(f"{where}: {error.message}")
    return sorted(found)


def checked(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`found`, once every event matches its schema; else an internal error (exit 4) naming
    the first event that does not (its facet's seq) and what is wrong with it."""
    for n, candidate in enumerate(found, start=1):
        wrong = problems(candidate)
        if wrong:
            facet = candidate.get("run", {}).get("facets", {}).get(FACET, {})
            which = f"entry {facet['seq']}" if isinstance(facet.get("seq"), int) else f"event {n}"
            raise ModelOpsError(
                f"audit export: the OpenLineage event of {which} does not match its schema: "
                + "; ".join(wrong[:3])
            )
    return found


def lines(found: Iterable[Mapping[str, Any]]) -> str:
    return "".join(
        json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=True) + "\n"
        for e in found
    )
