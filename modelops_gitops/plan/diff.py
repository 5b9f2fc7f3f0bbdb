"""Base state + head state -> the changes a PR makes, in the closed vocabulary of kinds.policy.

model.created / model.deleted         a model file appeared / disappeared
version.registered                    a new entry in spec.versions
version.modified                      a registered version changed (or vanished): never allowed
version.deprecated                    `deprecated: true` set (the one allowed edit)
stage.promoted / stage.rollback       spec.stages.S changed; rollback only when the new
                                      version held S immediately before the current holder
                                      (or up to the Lifecycle's `rollback_steps` back) and was
                                      never rolled back out of it (history.is_rollback)
stage.removed                         spec.stages.S deleted
metadata.changed                      anything else in a model (owner, risk tier, card...)
policy.changed                        any file under policies/
governance.changed                    modelops.yaml, CODEOWNERS (wherever GitHub reads it) or
                                      anything under .github/: what configures the judge
"""

from __future__ import annotations

from collections.abc import Iterable

from modelops_gitops.kinds import Model
from modelops_gitops.kinds.model import Version
from modelops_gitops.plan.result import Change
from modelops_gitops.repo.history import StageHistory, is_rollback
from modelops_gitops.repo.state import RepoState, model_file
from modelops_gitops.repo.tree import MODELOPS_FILE, POLICIES_DIR

CODEOWNERS_FILES = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS")  # GitHub reads these


def is_governance_file(path: str) -> bool:
    """The files that configure the judge itself: settings, code owners, workflows."""
    return path == MODELOPS_FILE or path in CODEOWNERS_FILES or path.startswith(".github/")


_MODEL_METADATA_FIELDS = (
    "owner",
    "risk_tier",
    "description",
    "task",
    "target",
    "features",
    "sensitive_features",
    "card",
    "monitoring",
)


def diff_states(
    base: RepoState, head: RepoState, changed_paths: Iterable[str], history: StageHistory
) -> list[Change]:
    changes: list[Change] = []
    for path in sorted(set(changed_paths)):
        if is_governance_file(path):
            changes.append(Change(kind="governance.changed", file=path))
        elif path.startswith(f"{POLICIES_DIR}/") and path.count("/") == 1:
            changes.append(Change(kind="policy.changed", file=path))
    names = sorted(set(base.models) | set(head.models))
    steps = base.lifecycle.spec.rollback_steps if base.lifecycle else 1
    for name in names:
        before, after = base.models.get(name), head.models.get(name)
        changes += diff_model(name, before, after, history, rollback_steps=steps)
    return changes


def diff_model(
    name: str,
    before: Model | None,
    after: Model | None,
    history: StageHistory,
    *,
    rollback_steps: int = 1,
) -> list[Change]:
    file = model_file(name)
    if before is None and after is None:
        return []
    if after is None:
        return [Change(kind="model.deleted", model=name, file=file, path=("metadata", "name"))]
    out: list[Change] = []
    if before is None:
        out.append(Change(kind="model.created", model=name, file=file, path=("metadata", "name")))
    out += _versions(name, file, before, after)
    out += _stages(name, file, before, after, history, rollback_steps)
    if before is not None and _metadata(before) != _metadata(after):
        changed = [
            f for f in _MODEL_METADATA_FIELDS if getattr(before.spec, f) != getattr(after.spec, f)
        ]
        if before.metadata != after.metadata:
            changed.insert(0, "metadata")
        path = ("spec", changed[0]) if changed and changed[0] != "metadata" else ("metadata",)
        out.append(
            Change(
                kind="metadata.changed",
                model=name,
                file=file,
                path=path,
                from_=None,
                to=", ".join(changed),
            )
        )
    return out


def _metadata(model: Model) -> tuple[object, ...]:
    return (model.metadata, *(getattr(model.spec, f) for f in _MODEL_METADATA_FIELDS))


def _immutable(version: Version) -> Version:
    return version.model_copy(update={"deprecated": False})


def _versions(name: str, file: str, before: Model | None, after: Model) -> list[Change]:
    old = {v.version: v for v in before.spec.versions} if before else {}
    out: list[Change] = []
    for index, version in enumerate(after.spec.versions):
        at = ("spec", "versions", index)
        previous = old.get(version.version)
        if previous is None:
            out.append(
                Change(
                    kind="version.registered",
                    model=name,
                    version=version.version,
                    file=file,
                    path=(*at, "version"),
                    to=version.version,
                )
            )
        elif _immutable(previous) != _immutable(version):
            out.append(
                Change(
                    kind="version.modified",
                    model=name,
                    version=version.version,
                    file=file,
                    path=at,
                    to=version.version,
                )
            )
        elif previous.deprecated != version.deprecated:
            kind = "version.deprecated" if version.deprecated else "version.modified"
            out.append(
                Change(
                    kind=kind,
                    model=name,
                    version=version.version,
                    file=file,
                    path=(*at, "deprecated"),
                    to=version.version,
                )
            )
    present = {v.version for v in after.spec.versions}
    out += [
        Change(
            kind="version.modified",
            model=name,
            version=gone,
            file=file,
            path=("spec", "versions"),
            from_=gone,
        )
        for gone in sorted(set(old) - present)
    ]
    return out


def _stages(
    name: str,
    file: str,
    before: Model | None,
    after: Model,
    history: StageHistory,
    rollback_steps: int,
) -> list[Change]:
    old = before.spec.stages if before else {}
    new = after.spec.stages
    out: list[Change] = []
    for stage in sorted(set(old) | set(new)):
        was, now = old.get(stage), new.get(stage)
        if was == now:
            continue
        path = ("spec", "stages", stage)
        if now is None:
            out.append(
                Change(
                    kind="stage.removed",
                    model=name,
                    stage=stage,
                    file=file,
                    path=("spec", "stages"),
                    from_=was,
                )
            )
            continue
        back = is_rollback(history, name, stage, was, now, steps=rollback_steps)
        kind = "stage.rollback" if back else "stage.promoted"
        out.append(
            Change(
                kind=kind,
                model=name,
                version=now,
                stage=stage,
                file=file,
                path=path,
                from_=was,
                to=now,
            )
        )
    return out
