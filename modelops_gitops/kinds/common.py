"""Types shared by every document kind: names, versions, digests, paths, durations, metadata.

Every model is frozen, forbids unknown fields (a typo must never silently disable a rule) and
validates strictly: a YAML `no` is the string "no", never a boolean, and a string is never
coerced into a number. Dates and durations are the only fields parsed from strings.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from modelops_gitops import API_VERSION

NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
SEMVER_PATTERN = (
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
SHA256_PATTERN = r"^[0-9a-f]{64}$"
GIT_SHA_PATTERN = r"^[0-9a-f]{40}([0-9a-f]{24})?$"
URI_PATTERN = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


class Strict(BaseModel):
    """Base of every document part: frozen, no unknown fields, strict scalars."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, populate_by_name=False)


Name = Annotated[
    str,
    Field(pattern=NAME_PATTERN, description="A lowercase DNS label: a-z, 0-9 and '-', at most 63."),
]
SemVer = Annotated[str, Field(pattern=SEMVER_PATTERN, description="A semantic version (2.0.0).")]
Sha256 = Annotated[
    str, Field(pattern=SHA256_PATTERN, description="A sha256 digest: 64 lowercase hex characters.")
]
GitSha = Annotated[str, Field(pattern=GIT_SHA_PATTERN, description="A full git commit id.")]


def _check_relative_path(value: str) -> str:
    # Plain string tests: this runs for every path of every version, so no PurePosixPath.
    if not value:
        raise ValueError("empty path")
    if "\\" in value or "\x00" in value:
        raise ValueError("path must use '/' and hold no NUL or backslash")
    if value[0] == "/":
        raise ValueError("path must be relative to the repository, not absolute")
    if value == ".." or value.startswith("../") or value.endswith("/..") or "/../" in value:
        raise ValueError("path must stay inside the repository ('..' is not allowed)")
    return value


# URI schemes an artifact or dataset may use: the remote filesystems fsspec serves through
# an extra of this package (scheme -> extra). Anything else (file://, local://, memory://,
# http:// ...) could reach outside the repository or the reviewed storage.
REMOTE_SCHEMES = {"s3": "s3", "s3a": "s3"}


def _check_location(value: str) -> str:
    """A repository-relative path, or a URI of an allowed remote scheme (s3://)."""
    if URI_PATTERN.match(value):
        scheme = value.split("://", 1)[0].lower()
        if scheme not in REMOTE_SCHEMES:
            allowed = ", ".join(f"{s}://" for s in sorted(REMOTE_SCHEMES))
            raise ValueError(
                f"{scheme}:// URIs are not allowed: use a path relative to the repository "
                f"or one of {allowed}"
            )
        return value
    if ":" in value.split("/", 1)[0]:
        raise ValueError(
            "a path's first part may not hold ':' (a URI scheme without '//'): "
            "use a path relative to the repository"
        )
    return _check_relative_path(value)


RelPath = Annotated[
    str,
    AfterValidator(_check_relative_path),
    Field(description="A path relative to the repository root, without '..'."),
]
Location = Annotated[
    str,
    AfterValidator(_check_location),
    Field(description="A path relative to the repository root, or an s3:// URI."),
]

_DURATION = re.compile(r"^\s*(\d+)\s*(w|d|h|m|s)\s*$")
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(value: Any) -> Any:
    """`30m`, `24h`, `7d`, `2w` -> timedelta; anything else is left to pydantic (ISO 8601)."""
    if isinstance(value, str) and (match := _DURATION.match(value)):
        return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    return value


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    Field(strict=False, description="A duration: '30m', '24h', '7d', '2w' or ISO 8601 ('P1D')."),
    WithJsonSchema({"type": "string", "pattern": r"^(\s*\d+\s*[wdhms]\s*|P[0-9WDTHMS.]+)$"}),
]
DateOrDateTime = Annotated[
    datetime,
    Field(strict=False),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]}
    ),
]

Enforcement = Literal["block", "warn"]
RiskTier = Literal["low", "medium", "high"]


class Metadata(Strict):
    name: Name
    labels: dict[Annotated[str, Field(max_length=63)], str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)


ApiVersion = Literal["modelops-gitops/v1"]
assert API_VERSION == "modelops-gitops/v1"
