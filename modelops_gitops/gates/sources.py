"""Where a pinned file is and whether it is the pinned one, without reading it as data: resolve
a dataset location (a path under the repository root, or a URI through fsspec) and check a
dataset's or an artifact's sha256.

Light on purpose (the standard library only): a gate result served from the cache re-checks
its pinned files through here, so a cache hit never imports pyarrow, skops or scikit-learn.
`datasets` reads the data, `artifacts` loads the models.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from modelops_gitops.digest import sha256_bytes, sha256_file
from modelops_gitops.errors import GateInputError
from modelops_gitops.kinds.model import Artifact

Format = Literal["parquet", "csv"]
_URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
_CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Source:
    """A resolved dataset: `location` as the user wrote it (used in every message), `path`
    (absolute local path, or the filesystem path for a URI), `fs` (fsspec filesystem for a
    URI, None for local) and `format`."""

    location: str
    path: str
    fs: Any
    format: Format
    is_dir: bool = False


Location = str | os.PathLike[str] | Source


def is_uri(location: str) -> bool:
    return bool(_URI_RE.match(location))


def open_source(location: Location, *, root: Path | None = None) -> Source:
    """Resolve a location. With `root`, a local path is taken relative to it and must stay
    inside it (symlinks resolved); without, it is taken as given (the user's own command
    line). Raises GateInputError when the file does not exist or has an unknown format."""
    if isinstance(location, Source):
        return location
    text = os.fspath(location)
    if is_uri(text) and not text.startswith("file://"):
        fs, path = _fsspec_fs(text)
        try:
            exists, is_dir = fs.exists(path), fs.isdir(path)
        except Exception as exc:  # any backend error (auth, network) is an input problem
            raise GateInputError.at(text, f"cannot access dataset: {exc}") from exc
        if not exists:
            raise GateInputError.at(text, "dataset not found")
        return Source(text, path, fs, _format(text, is_dir), is_dir)
    local = Path(text.removeprefix("file://"))
    if root is not None:
        base = root.resolve()
        local = (base / local).resolve()
        if not local.is_relative_to(base):
            raise GateInputError.at(text, f"dataset path escapes the repository root {base}")
    if not local.exists():
        raise GateInputError.at(text, "dataset not found")
    return Source(text, str(local), None, _format(text, local.is_dir()), local.is_dir())


def _fsspec_fs(uri: str) -> tuple[Any, str]:
    try:
        import fsspec
    except ImportError as exc:
        raise GateInputError.at(
            uri, "reading URIs needs fsspec: pip install 'modelops-gitops[s3]'"
        ) from exc
    try:
        fs, path = fsspec.core.url_to_fs(uri)
    except (ImportError, ValueError) as exc:
        raise GateInputError.at(uri, f"no filesystem for this URI: {exc}") from exc
    return fs, str(path)


def _format(location: str, is_dir: bool) -> Format:
    name = location.lower().rstrip("/")
    if is_dir or name.endswith(_PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(_CSV_SUFFIXES):
        return "csv"
    raise GateInputError.at(location, "unknown dataset format: expected .parquet, .pq or .csv")


def verify(location: Location, expected_sha256: str | None, *, root: Path | None = None) -> str:
    """The dataset's sha256, checked against `expected_sha256` when one is given.
    Raises GateInputError on a mismatch, naming the file and both digests."""
    source = open_source(location, root=root)
    if source.is_dir:
        raise GateInputError.at(source.location, "a sha256 can only pin a file, not a directory")
    actual = _sha256(source)
    if expected_sha256 is not None and actual != expected_sha256.lower():
        raise GateInputError.at(
            source.location,
            f"sha256 mismatch: expected {expected_sha256.lower()}, actual {actual}",
        )
    return actual


def _sha256(source: Source) -> str:
    if source.fs is None:
        return sha256_file(Path(source.path))
    digest = hashlib.sha256()
    with source.fs.open(source.path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_verified(location: str, expected_sha256: str, *, root: Path | None = None) -> bytes:
    """The artifact's bytes, after checking they hash to `expected_sha256`."""
    data = _read_bytes(location, root)
    actual = sha256_bytes(data)
    if actual != expected_sha256.lower():
        raise GateInputError.at(
            location, f"sha256 mismatch: expected {expected_sha256.lower()}, actual {actual}"
        )
    return data


def verify_artifact(artifact: Artifact, *, root: Path | None = None) -> str:
    """Check the artifact's sha256 without loading it (streamed for local files)."""
    if is_uri(artifact.path):
        read_verified(artifact.path, artifact.sha256, root=root)
        return artifact.sha256
    actual = sha256_file(_local_path(artifact.path, root))
    if actual != artifact.sha256:
        raise GateInputError.at(
            artifact.path, f"sha256 mismatch: expected {artifact.sha256}, actual {actual}"
        )
    return actual


def _local_path(location: str, root: Path | None) -> Path:
    path = Path(location)
    if root is not None:
        base = root.resolve()
        path = (base / path).resolve()
        if not path.is_relative_to(base):
            raise GateInputError.at(location, f"artifact path escapes the repository root {base}")
    if not path.is_file():
        raise GateInputError.at(location, "artifact not found")
    return path


def _read_bytes(location: str, root: Path | None) -> bytes:
    if not is_uri(location):
        return _local_path(location, root).read_bytes()
    try:
        import fsspec
    except ImportError as exc:
        raise GateInputError.at(
            location, "reading URIs needs fsspec: pip install 'modelops-gitops[s3]'"
        ) from exc
    try:
        with fsspec.open(location, "rb") as handle:
            return bytes(handle.read())
    except FileNotFoundError as exc:
        raise GateInputError.at(location, "artifact not found") from exc
    except Exception as exc:  # any backend error (auth, network) is an input problem
        raise GateInputError.at(location, f"cannot read artifact: {exc}") from exc
