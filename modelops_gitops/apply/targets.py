"""Deploy targets: what `apply` hands each applied change to.

A target is a plugin, found by name in the entry point group `modelops_gitops.deploy_targets`
(the built-in `manifest` is registered there too) and chosen in modelops.yaml:

    spec:
      deploy:
        targets: [manifest]        # the default

    class MyTarget:                # registered as  my-target = "my_pkg.module:MyTarget"
        name = "my-target"
        def files(self, entry: LedgerEntry, model: Model | None) -> list[DeployFile]: ...
        def deliver(self, root: Path, entries: Sequence[LedgerEntry]) -> None: ...  # optional
        def observe(self, root: Path, keys: Sequence[tuple[str, str]]) -> dict[...]: ...  # optional

A target class with a `from_state(state)` classmethod is built from the repository state at
HEAD (its settings in modelops.yaml `spec.deploy`, the models); otherwise with no argument.
docs/deploy-targets.md is the contract in full; `modelops_gitops.testing.deploy_targets`
checks a target against it.

`files` is pure: the files to add to (bytes) or remove from (None) the apply commit, so
they land atomically with the ledger entry. `deliver`, when a target has it, runs after the
commit reached the remote (`apply --push`) to tell an external system (an MLflow alias, a
KServe cluster); it may run more than once for the same entries (a retried apply, a
re-delivery after a crash) and MUST be idempotent: set the state the entries describe,
never "add one more". `observe` says what the serving system holds now (the version each
(model, stage) serves, None for nothing); apply/delivery.py compares it with the ledger, and
delivers what differs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol, runtime_checkable

from modelops_gitops.audit.ledger import LedgerEntry, canonical
from modelops_gitops.errors import InputError
from modelops_gitops.kinds import Model
from modelops_gitops.kinds.common import URI_PATTERN
from modelops_gitops.repo.state import RepoState
from modelops_gitops.repo.tree import MODELOPS_FILE
from modelops_gitops.repo.yaml_locator import Locator

ENTRY_POINT_GROUP = "modelops_gitops.deploy_targets"
DEPLOY_DIR = "deploy"


class TargetSettingsError(InputError):
    """A target's settings cannot make its files (an invalid field): always bad input, never
    skipped like an entry whose version is no longer registered."""


@dataclass(frozen=True)
class DeployFile:
    """A file a target adds to the apply commit (`data`), or removes from it (None)."""

    path: str
    data: bytes | None


class DeployTarget(Protocol):
    name: str

    def files(self, entry: LedgerEntry, model: Model | None) -> list[DeployFile]:
        """The files that make the target reflect `entry` (model: the model at HEAD)."""
        ...


@runtime_checkable
class Deliverer(Protocol):
    def deliver(self, root: Path, entries: Sequence[LedgerEntry]) -> None:
        """After a successful push: make the external system match `entries`. Idempotent."""
        ...


@runtime_checkable
class Observer(Protocol):
    def observe(
        self, root: Path, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], str | None]:
        """What serves each (model, stage) now: the version, or None (nothing). A value that
        is not the ledger's version (e.g. "1.2.0 (sha256 differs)") is a difference. Raises
        when the system cannot be reached."""
        ...


class ManifestTarget:
    """deploy/<stage>/<model>.json: what a stage of a model serves, as canonical JSON."""

    name = "manifest"

    def files(self, entry: LedgerEntry, model: Model | None) -> list[DeployFile]:
        change = entry.change
        path = manifest_path(change.stage, change.model)
        if change.to is None:
            return [DeployFile(path, None)]
        version = model.spec.version(change.to) if model is not None else None
        if version is None:
            raise InputError(f"{change.model}: version {change.to} is not registered at HEAD")
        location = version.artifact.path
        artifact: dict[str, object] = {
            "uri" if URI_PATTERN.match(location) else "path": location,
            "sha256": version.artifact.sha256,
            "format": version.artifact.format,
        }
        if version.artifact.size is not None:
            artifact["size"] = version.artifact.size
        manifest = {
            "model": change.model,
            "stage": change.stage,
            "version": change.to,
            "artifact": artifact,
            "ledger_seq": entry.seq,
        }
        return [DeployFile(path, canonical(manifest) + b"\n")]

    def observe(
        self, root: Path, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], str | None]:
        """The manifests in the work tree (HEAD's, after apply): the version each names."""
        out: dict[tuple[str, str], str | None] = {}
        for model, stage in keys:
            file = root / manifest_path(stage, model)
            out[(model, stage)] = _named_version(file.read_bytes()) if file.is_file() else None
        return out


def _named_version(data: bytes) -> str:
    try:
        value = json.loads(data)
    except ValueError:
        return "(unreadable)"
    version = value.get("version") if isinstance(value, dict) else None
    return version if isinstance(version, str) else "(no version)"


def manifest_path(stage: str, model: str) -> str:
    return f"{DEPLOY_DIR}/{stage}/{model}.json"


Factory = Callable[[RepoState], DeployTarget]


def _kserve(state: RepoState) -> DeployTarget:
    from modelops_gitops.apply.kserve_target import KServeTarget

    return KServeTarget.from_state(state)


def _mlflow(state: RepoState) -> DeployTarget:
    from modelops_gitops.apply.mlflow_target import MlflowTarget

    return MlflowTarget.from_state(state)


BUILTIN: dict[str, Factory] = {
    "manifest": lambda state: ManifestTarget(),
    "kserve": _kserve,
    "mlflow": _mlflow,
}


def available() -> dict[str, Factory]:
    """Every installed target by name: the built-ins, then the entry points."""
    found = dict(BUILTIN)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.name not in found:
            found[point.name] = _loader(point.load)
    return found


def _loader(load: Callable[[], object]) -> Factory:
    def make(state: RepoState) -> DeployTarget:
        return build(load(), state)

    return make


def build(factory: object, state: RepoState) -> DeployTarget:
    """A target from what an entry point names: a class (or callable) with `from_state`
    gets the state, any other callable is called bare, anything else is the target."""
    from_state = getattr(factory, "from_state", None)
    if callable(from_state):
        made: DeployTarget = from_state(state)
        return made
    target: DeployTarget = factory() if callable(factory) else factory  # type: ignore[assignment]
    return target


def configured(state: RepoState) -> list[DeployTarget]:
    """The targets modelops.yaml names; an unknown name is bad input at its line."""
    known = available()
    names = state.spec.deploy.targets
    unknown = [(i, name) for i, name in enumerate(names) if name not in known]
    if unknown:
        locator = Locator(state)
        problems = []
        for index, name in unknown:
            line, column = locator.position(MODELOPS_FILE, ("spec", "deploy", "targets", index))
            problems.append(
                InputError.at(
                    MODELOPS_FILE,
                    f"unknown deploy target {name!r}; installed: {', '.join(sorted(known))}",
                    line=line,
                    column=column,
                    field=f"spec.deploy.targets[{index}]",
                ).problems[0]
            )
        raise InputError(problems)
    return [known[name](state) for name in dict.fromkeys(names)]


def deploy_files(
    targets: Sequence[DeployTarget], entries: Sequence[LedgerEntry], models: Mapping[str, Model]
) -> dict[str, bytes | None]:
    """path -> bytes (write) or None (remove) after every entry, in order; a later entry's
    file replaces an earlier one's."""
    out: dict[str, bytes | None] = {}
    for entry in entries:
        for target in targets:
            for file in target.files(entry, models.get(entry.change.model)):
                out[_inside_deploy(target.name, file.path)] = file.data
    return out


def _inside_deploy(target: str, path: str) -> str:
    """Targets write only under deploy/ (the folder apply owns and cleans after a crash)."""
    parts = path.split("/")
    if len(parts) < 2 or parts[0] != DEPLOY_DIR or any(p in ("", ".", "..") for p in parts):
        raise InputError(f"deploy target {target!r} returned {path!r}: not a path under deploy/")
    return path
