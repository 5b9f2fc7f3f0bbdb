"""Rebuild `openapi-extract.json`: the slice of GitHub's REST description the emulator serves.

    .venv/bin/python tests/github_emulator/regenerate_openapi_extract.py [--tarball FILE]

Source: the npm package `@octokit/openapi` (MIT), file `generated/api.github.com.json`,
fetched with `npm pack` into a temporary directory (never `npm install`: 400 MB unpacked).
`@github/openapi` is the outdated legacy package and must not be used.

The extract keeps only the operations in OPERATIONS and every component they reference,
transitively, minus prose (descriptions, examples, x-github) so it stays near 100 KiB.
Response-object descriptions are kept because OpenAPI requires them.

Overrides, applied after the copy and listed in `info.x-overrides` of the output:
1. nullable enums: `nullable: true` with an `enum` lacking null (check-run `conclusion`,
   issue `state_reason`) gets null added; otherwise a real null fails validation.
2. organization fields: `company`, `blog`, `location`, `email` of `organization-full` and
   `team-organization` are declared non-nullable but GitHub sends null for unset values.
3. team membership path: github3.py's `Team.membership_for` follows the team's `url`,
   `/organizations/{org_id}/team/{team_id}`, which the description does not list. The
   operation is a copy of the legacy `/teams/{team_id}/memberships/{username}` with the
   extra `org_id` path parameter.
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PACKAGE = "@octokit/openapi"
VERSION = "23.0.2"
MEMBER = "package/generated/api.github.com.json"
OUT = Path(__file__).with_name("openapi-extract.json")

OPERATIONS: tuple[tuple[str, str], ...] = (
    ("/repos/{owner}/{repo}", "get"),
    ("/repos/{owner}/{repo}/pulls", "get"),
    ("/repos/{owner}/{repo}/pulls", "post"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}", "get"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}", "patch"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}/files", "get"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "get"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}/commits", "get"),
    ("/repos/{owner}/{repo}/issues", "get"),
    ("/repos/{owner}/{repo}/issues", "post"),
    ("/repos/{owner}/{repo}/issues/{issue_number}", "get"),
    ("/repos/{owner}/{repo}/issues/{issue_number}", "patch"),
    ("/repos/{owner}/{repo}/issues/{issue_number}/comments", "get"),
    ("/repos/{owner}/{repo}/issues/{issue_number}/comments", "post"),
    ("/repos/{owner}/{repo}/issues/comments/{comment_id}", "patch"),
    ("/repos/{owner}/{repo}/statuses/{sha}", "post"),
    ("/repos/{owner}/{repo}/check-runs", "post"),
    ("/repos/{owner}/{repo}/check-runs/{check_run_id}", "patch"),
    ("/repos/{owner}/{repo}/commits/{commit_sha}/pulls", "get"),
    ("/orgs/{org}", "get"),
    ("/orgs/{org}/teams/{team_slug}", "get"),
    ("/teams/{team_id}/memberships/{username}", "get"),
)
PROSE = frozenset({"description", "summary", "examples", "example", "externalDocs", "x-github"})
NULL_IN_REALITY = ("company", "blog", "location", "email")
LEGACY_MEMBERSHIP = "/teams/{team_id}/memberships/{username}"
GITHUB3_MEMBERSHIP = "/organizations/{org_id}/team/{team_id}/memberships/{username}"
OVERRIDES = [
    "nullable enums get null in their enum",
    f"{', '.join(NULL_IN_REALITY)} of organization-full and team-organization are nullable",
    f"GET {GITHUB3_MEMBERSHIP} is a copy of GET {LEGACY_MEMBERSHIP} (github3.py follows team.url)",
]


def strip_prose(node: Any, *, in_responses: bool = False) -> Any:
    """Copy `node` without prose; a response object keeps the description OpenAPI requires."""
    if isinstance(node, list):
        return [strip_prose(item) for item in node]
    if not isinstance(node, dict):
        return node
    keep = {"description"} if in_responses else set()
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in PROSE and key not in keep:
            continue
        if key == "responses":
            out[key] = {code: strip_prose(resp, in_responses=True) for code, resp in value.items()}
        else:
            out[key] = strip_prose(value)
    return out


def refs_in(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs_in(item)


def extract(full: dict[str, Any]) -> dict[str, Any]:
    """The operations in OPERATIONS and the components they reach, overrides applied."""
    paths: dict[str, dict[str, Any]] = {}
    for path, method in OPERATIONS:
        paths.setdefault(path, {})[method] = strip_prose(full["paths"][path][method])
    components: dict[str, dict[str, Any]] = {}
    pending, seen = set(refs_in(paths)), set[str]()
    while pending:
        ref = pending.pop()
        seen.add(ref)
        _, _, kind, name = ref.split("/")
        node = strip_prose(full["components"][kind][name], in_responses=kind == "responses")
        components.setdefault(kind, {})[name] = node
        pending |= set(refs_in(node)) - seen
    doc = {
        "openapi": full["openapi"],
        "info": {
            "title": f"{full['info']['title']} (extract for modelops-gitops tests)",
            "version": full["info"]["version"],
            "x-source": f"npm {PACKAGE}@{VERSION} {MEMBER.removeprefix('package/')}",
            "x-overrides": OVERRIDES,
        },
        "servers": full["servers"],
        "paths": paths,
        "components": {kind: dict(sorted(items.items())) for kind, items in components.items()},
    }
    apply_overrides(doc)
    return doc


def apply_overrides(doc: dict[str, Any]) -> None:
    _null_in_nullable_enums(doc)
    schemas = doc["components"]["schemas"]
    for name in ("organization-full", "team-organization"):
        for field in NULL_IN_REALITY:
            schemas[name]["properties"][field]["nullable"] = True
    operation = copy.deepcopy(doc["paths"][LEGACY_MEMBERSHIP]["get"])
    operation["operationId"] += "-github3-path"
    org_id = {"name": "org_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    operation["parameters"] = [org_id, *operation["parameters"]]
    doc["paths"][GITHUB3_MEMBERSHIP] = {"get": operation}


def _null_in_nullable_enums(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("nullable") is True and "enum" in node and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
        for value in node.values():
            _null_in_nullable_enums(value)
    elif isinstance(node, list):
        for item in node:
            _null_in_nullable_enums(item)


def npm_pack(directory: Path) -> Path:
    """Download the package tarball with `npm pack` (no install, no scripts run)."""
    result = subprocess.run(
        ["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent", "--ignore-scripts"],
        cwd=directory,
        check=True,
        capture_output=True,
        text=True,
    )
    return directory / result.stdout.strip().splitlines()[-1]


def read_description(tarball: Path) -> dict[str, Any]:
    with tarfile.open(tarball, "r:gz") as archive:
        member = archive.extractfile(MEMBER)
        if member is None:
            raise SystemExit(f"{tarball} has no {MEMBER}")
        with member:
            return json.load(member)  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help="an already downloaded npm pack tarball")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tarball or npm_pack(Path(tmp))
        doc = extract(read_description(tarball))
    text = json.dumps(doc, indent=1, sort_keys=True, separators=(",", ":")) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text.encode()) // 1024} KiB, {len(doc['paths'])} paths)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
