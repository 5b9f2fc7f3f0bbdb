"""The bytes behind what is deployed: every version that holds a stage in the applied state
must still find, at its artifact path, the bytes whose sha256 its model file pins.

    artifact_pins(state, applied)  -> (path, sha256, "model stage version") per local artifact
    check_artifacts(pins, kinds, digests) -> breaks: artifact-changed (missing or other bytes)

Pure: the files' kinds and digests come from verify_source (work tree: by stat signature;
a commit: by blob id), so a warm run reads no artifact.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import NamedTuple

from modelops_gitops.audit.replay import AppliedState
from modelops_gitops.audit.verdict import Break
from modelops_gitops.audit.verify import REGULAR
from modelops_gitops.kinds.common import URI_PATTERN
from modelops_gitops.repo.state import RepoState


class ArtifactPin(NamedTuple):
    path: str
    sha256: str
    holder: str  # "credit production 1.1.0"


def artifact_pins(state: RepoState, applied: AppliedState) -> list[ArtifactPin]:
    pins = []
    for model, stages in sorted(applied.items()):
        found = state.models.get(model)
        for stage, held in sorted(stages.items()):
            version = found.spec.version(held.version) if found is not None else None
            if version is None or URI_PATTERN.match(version.artifact.path):
                continue  # not registered at HEAD (verify's drift checks say so) or remote
            path = posixpath.normpath(version.artifact.path)
            pins.append(
                ArtifactPin(path, version.artifact.sha256, f"{model} {stage} {held.version}")
            )
    return pins


def check_artifacts(
    pins: list[ArtifactPin], kinds: Mapping[str, str | None], digests: Mapping[str, str]
) -> list[Break]:
    breaks = []
    for pin in pins:
        kind = kinds.get(pin.path)
        if kind != REGULAR:
            what = "missing" if kind is None else f"a {kind}, not a regular file"
            message = f"{pin.path}: the artifact of {pin.holder} is {what}"
        elif digests.get(pin.path) != pin.sha256:
            message = (
                f"{pin.path}: the artifact of {pin.holder} changed: its sha256 is not the "
                f"pinned {pin.sha256[:12]} (a registered version is immutable)"
            )
        else:
            continue
        breaks.append(Break(0, "artifact-changed", message, path=pin.path))
    return breaks
