"""The `mlflow` deploy target: the MLflow model registry says what the ledger says.

For each (model, stage) the ledger sets:

    registered model   spec.deploy.mlflow.models.<model>.name, else the model's name
    model version      the one tagged modelops_gitops.version/.sha256 with the artifact's;
                       created when absent (tags in the same call, so a crash cannot leave
                       an untagged copy): a local artifact is read, its sha256 checked
                       against the pin, and uploaded to a run of `experiment`; a URI
                       artifact is used as the version's source as it is
    alias              spec.deploy.mlflow.aliases.<stage>, else the stage's name, set to
                       that version (a rollback moves it; a removed stage deletes it)

Every step sets a state, so delivering twice changes nothing. `mlflow` is the [mlflow]
extra: imported only here, inside the methods, after `extras.require`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from modelops_gitops import extras
from modelops_gitops.apply.targets import DeployFile
from modelops_gitops.audit.ledger import LedgerEntry
from modelops_gitops.digest import sha256_bytes
from modelops_gitops.errors import InputError
from modelops_gitops.kinds import Model
from modelops_gitops.kinds.common import URI_PATTERN
from modelops_gitops.kinds.deploy import MlflowSettings
from modelops_gitops.repo.state import RepoState

TAG = "modelops_gitops"
# MLflow's own HTTP retries would wait minutes on a server that is down; the delivery loop
# (apply/delivery.py) retries with its own backoff instead.
HTTP_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "20",
}


class MlflowTarget:
    name = "mlflow"

    def __init__(self, settings: MlflowSettings, models: dict[str, Model]) -> None:
        self.settings = settings
        self.models = models

    @classmethod
    def from_state(cls, state: RepoState) -> MlflowTarget:
        return cls(state.spec.deploy.mlflow, dict(state.models))

    def ready(self) -> None:
        """Checked by apply before it writes anything: a missing extra or tracking server is
        exit 2 there, not after the push. (Reading the trail, e.g. `audit verify`, never
        needs the extra: this target writes no files.)"""
        extras.require("mlflow", "the mlflow deploy target")
        self._uri()

    def files(self, entry: LedgerEntry, model: Model | None) -> list[DeployFile]:
        return []  # nothing in the apply commit: the registry is told after the push

    # --- names -------------------------------------------------------------------------

    def registered_name(self, model: str) -> str:
        chosen = self.settings.models.get(model)
        return chosen.name if chosen is not None and chosen.name else model

    def alias(self, stage: str) -> str:
        return self.settings.aliases.get(stage, stage)

    # --- the registry ------------------------------------------------------------------

    def observe(
        self, root: Path, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], str | None]:
        out: dict[tuple[str, str], str | None] = {}
        with _quiet():
            client = self._client()
            for model, stage in keys:
                version = _by_alias(client, self.registered_name(model), self.alias(stage))
                out[(model, stage)] = (
                    None if version is None else _held(version, self.models.get(model))
                )
        return out

    def deliver(self, root: Path, entries: Sequence[LedgerEntry]) -> None:
        with _quiet():
            client = self._client()
            for entry in entries:
                change = entry.change
                name = self.registered_name(change.model)
                alias = self.alias(change.stage)
                if change.to is None:
                    if _by_alias(client, name, alias) is not None:
                        client.delete_registered_model_alias(name, alias)
                    continue
                version = self._version(client, root, name, entry)
                client.set_registered_model_alias(name, alias, version)

    def _version(self, client: Any, root: Path, name: str, entry: LedgerEntry) -> str:
        """The registry's version number for entry's model version: found by its tags, or
        created from the pinned artifact; its ledger tags brought up to date."""
        from mlflow.exceptions import MlflowException

        change = entry.change
        assert change.to is not None
        model = self.models.get(change.model)
        spec = model.spec.version(change.to) if model is not None else None
        if spec is None:
            raise InputError(f"mlflow: {change.model} {change.to} is not registered at HEAD")
        try:
            client.get_registered_model(name)
        except MlflowException:
            with contextlib.suppress(MlflowException):  # another delivery made it meanwhile
                client.create_registered_model(name)
        tags = {
            f"{TAG}.version": change.to,
            f"{TAG}.sha256": spec.artifact.sha256,
            f"{TAG}.ledger_seq": str(entry.seq),
            f"{TAG}.pr": str(entry.pr.number) if entry.pr.number is not None else "",
            f"{TAG}.merge_commit": entry.merge_commit,
        }
        found = _find(client, name, change.to, spec.artifact.sha256)
        if found is None:
            source, run_id = self._source(client, root, spec.artifact.path, spec.artifact.sha256)
            made = client.create_model_version(name, source, run_id=run_id, tags=tags)
            return str(made.version)
        for key, value in tags.items():
            if found.tags.get(key) != value:
                client.set_model_version_tag(name, found.version, key, value)
        return str(found.version)

    def _source(self, client: Any, root: Path, path: str, sha256: str) -> tuple[str, str | None]:
        if URI_PATTERN.match(path):
            return path, None
        file = (root / path).resolve()
        if not file.is_relative_to(root.resolve()) or not file.is_file():
            raise InputError(f"mlflow: artifact {path} is not a file in the repository")
        data = file.read_bytes()
        if sha256_bytes(data) != sha256:
            raise InputError(f"mlflow: artifact {path}: sha256 differs from the pinned one")
        experiment = client.get_experiment_by_name(self.settings.experiment)
        ident = (
            experiment.experiment_id
            if experiment is not None
            else client.create_experiment(
                self.settings.experiment, artifact_location=self.settings.artifact_location
            )
        )
        run = client.create_run(ident, tags={f"{TAG}.sha256": sha256})
        client.log_artifact(run.info.run_id, str(file), "model")
        client.set_terminated(run.info.run_id)
        return f"{run.info.artifact_uri}/model", run.info.run_id

    def _client(self) -> Any:
        extras.require("mlflow", "the mlflow deploy target")
        for key, value in HTTP_DEFAULTS.items():
            os.environ.setdefault(key, value)
        from mlflow import MlflowClient

        logging.getLogger("mlflow").setLevel(logging.WARNING)  # no INFO lines in apply's output
        uri = self._uri()
        return MlflowClient(tracking_uri=uri, registry_uri=uri)

    def _uri(self) -> str:
        uri = self.settings.tracking_uri or os.environ.get("MLFLOW_TRACKING_URI", "")
        if not uri:
            raise InputError.at(
                "modelops.yaml",
                "the mlflow deploy target needs a tracking server: set "
                "spec.deploy.mlflow.tracking_uri or $MLFLOW_TRACKING_URI",
                field="spec.deploy.mlflow.tracking_uri",
            )
        return uri


def _by_alias(client: Any, name: str, alias: str) -> Any:
    """The version `alias` points at, or None (no such model or alias)."""
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version_by_alias(name, alias)
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"):
            return None
        raise


def _find(client: Any, name: str, version: str, sha256: str) -> Any:
    for found in client.search_model_versions(f"name='{_quote(name)}'"):
        if (
            found.tags.get(f"{TAG}.version") == version
            and found.tags.get(f"{TAG}.sha256") == sha256
        ):
            return found
    return None


def _held(version: Any, model: Model | None) -> str:
    """What an alias serves, in the ledger's terms: our version when the tags match the
    model's pin, else a description that cannot equal a version."""
    ours = version.tags.get(f"{TAG}.version")
    if not ours:
        return f"registry version {version.version} (not delivered by modelops-gitops)"
    spec = model.spec.version(ours) if model is not None else None
    if spec is not None and version.tags.get(f"{TAG}.sha256") != spec.artifact.sha256:
        return f"{ours} (registry version {version.version}, sha256 differs from the pin)"
    return str(ours)


def _quote(name: str) -> str:
    return name.replace("'", "\\'")


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """MLflow prints run links to stdout; apply's stdout is its report (and JSON)."""
    with contextlib.redirect_stdout(sys.stderr):
        yield
