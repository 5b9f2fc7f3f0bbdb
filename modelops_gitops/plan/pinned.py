"""Pinned bytes are immutable: a file a registered version pins (its artifact, its datasets,
the model's monitoring snapshot, labelled snapshots and the labelled folder's manifest) must not change under the same sha256. A PR that rewrites
such a file and leaves the YAML alone gets a blocking finding at the pin's line in the model
file: the version is immutable, register a new one.

    pins(model)                                   -> every (path, sha256, yaml path, what)
    pinned_findings(base, head, changed, locator) -> the blocking findings

Only the paths the PR changed are looked at (git already says their bytes differ), so the
check costs nothing on a PR that touches only documents; on one that touches other files the
base's models are all loaded to learn what they pin.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import NamedTuple

from modelops_gitops.kinds import Model
from modelops_gitops.kinds.common import URI_PATTERN
from modelops_gitops.plan.result import BUILTIN_POLICY, Finding
from modelops_gitops.repo.state import RepoState
from modelops_gitops.repo.yaml_locator import Locator
from modelops_gitops.repo.yaml_source import Path as YamlPath


class Pin(NamedTuple):
    path: str  # normalized, repository-relative
    sha256: str
    where: YamlPath  # the key path of `path` in the model file
    what: str  # "version 1.2.0 artifact", "the monitoring snapshot"


def pins(model: Model) -> Iterator[Pin]:
    spec = model.spec
    for i, version in enumerate(spec.versions):
        at: YamlPath = ("spec", "versions", i)
        name = f"version {version.version}"
        yield _pin(version.artifact.path, version.artifact.sha256, (*at, "artifact"), name, "")
        for part in ("train", "eval"):
            pinned = getattr(version.datasets, part)
            yield _pin(pinned.path, pinned.sha256, (*at, "datasets", part), name, f" {part}")
    current = spec.monitoring.current
    if current is not None:
        where: YamlPath = ("spec", "monitoring", "current")
        yield _pin(current.path, current.sha256, where, "the monitoring snapshot", "")
    for i, labelled in enumerate(spec.monitoring.labelled):
        where = ("spec", "monitoring", "labelled", i)
        yield _pin(labelled.path, labelled.sha256, where, "a labelled snapshot", "")
    service = spec.monitoring.service
    if service is not None and service.snapshot is not None:
        where = ("spec", "monitoring", "service", "snapshot")
        yield _pin(
            service.snapshot.path, service.snapshot.sha256, where, "the service snapshot", ""
        )
    folder = spec.monitoring.labelled_folder
    if folder is not None:
        manifest = posixpath.normpath(f"{folder.folder}/SHA256SUMS")
        where = ("spec", "monitoring", "labelled_folder", "folder")
        yield Pin(manifest, folder.manifest_sha256, where, "the labelled folder's SHA256SUMS")


def _pin(location: str, sha256: str, at: YamlPath, name: str, part: str) -> Pin:
    kind = "artifact" if at[-1] == "artifact" else ("dataset" if part else "")
    what = f"{name} {kind}{part}".rstrip() if kind else name
    return Pin(posixpath.normpath(location), sha256, (*at, "path"), what)


def is_document(path: str) -> bool:
    return path == "modelops.yaml" or path.startswith(("models/", "policies/"))


def pinned_findings(
    base: RepoState, head: RepoState, changed: list[str], locator: Locator
) -> list[Finding]:
    """`base`: every model of the base; `head`: the models the PR touched (others are as in
    the base)."""
    changed_set = set(changed)
    out: list[Finding] = []
    for name, before in sorted(base.models.items()):
        after = head.models.get(name)
        if after is None:
            if base.file_of("Model", name) in changed_set:
                continue  # the PR deletes the model: its pins go with it
            after = before  # the model file is untouched
        still = {(p.path, p.sha256) for p in pins(after)}
        seen: set[str] = set()
        for pin in pins(before):
            if URI_PATTERN.match(pin.path) or pin.path not in changed_set or pin.path in seen:
                continue
            if (pin.path, pin.sha256) not in still:
                continue  # the PR changed the pin itself: version.modified judges that
            seen.add(pin.path)
            file = (
                head.file_of("Model", name) if name in head.models else base.file_of("Model", name)
            )
            line, column = locator.position(file, _in(after, pin))
            out.append(
                Finding(
                    policy=BUILTIN_POLICY,
                    rule="pinned-bytes",
                    rule_type="builtin",
                    result="fail",
                    message=(
                        f"{pin.path}: the bytes of {name} {pin.what} changed under its pinned "
                        f"sha256 {pin.sha256[:12]}: a registered version is immutable; "
                        "register a new version for new bytes"
                    ),
                    file=file,
                    line=line,
                    column=column,
                )
            )
    return out


def _in(model: Model, pin: Pin) -> YamlPath:
    """The key path of the same pin in `model` (versions may have moved)."""
    for found in pins(model):
        if (found.path, found.sha256) == (pin.path, pin.sha256):
            return found.where
    return pin.where
