"""The `kserve` deploy target: deploy/kserve/<stage>/<model>.yaml, one KServe
InferenceService (serving.kserve.io/v1beta1) per stage of a model, written in the apply commit
so that Argo CD or Flux syncs it into the cluster.

    metadata     name (settings, else <model>-<stage>), namespace (the model's, else the
                 target's), labels and annotations naming the model, stage, version, sha256
                 and ledger seq
    predictor    model.modelFormat from the artifact's format (spec.deploy.kserve.formats),
                 model.storageUri from the artifact (a URI as it is; a repository path under
                 storage_base); then the model's fields, then the stage's (resources,
                 canary_traffic_percent, min/max_replicas, runtime, service_account, and any
                 other predictor field under `predictor`)

Every manifest is validated against the InferenceService CRD's OpenAPI schema of KServe
KSERVE_RELEASE, vendored under kserve/ (SOURCE.md there says where it came from), before it is
written: a setting the cluster would refuse is bad input at apply time, not a failed sync.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from modelops_gitops.apply.targets import DEPLOY_DIR, DeployFile, TargetSettingsError
from modelops_gitops.audit.ledger import LedgerEntry
from modelops_gitops.errors import InputError
from modelops_gitops.kinds import Model
from modelops_gitops.kinds.common import URI_PATTERN
from modelops_gitops.kinds.deploy import KServeSettings, KServeStage
from modelops_gitops.repo.state import RepoState
from modelops_gitops.repo.tree import MODELOPS_FILE

KSERVE_RELEASE = "v0.20.0"
SCHEMA_FILE = Path(__file__).parent / "kserve" / "inferenceservice.v1beta1.schema.json.gz"
DNS_1035 = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
LABEL = "modelops-gitops"
SETTINGS = "spec.deploy.kserve"


def kserve_path(stage: str, model: str) -> str:
    return f"{DEPLOY_DIR}/kserve/{stage}/{model}.yaml"


class KServeTarget:
    name = "kserve"

    def __init__(self, settings: KServeSettings) -> None:
        self.settings = settings

    @classmethod
    def from_state(cls, state: RepoState) -> KServeTarget:
        return cls(state.spec.deploy.kserve)

    def files(self, entry: LedgerEntry, model: Model | None) -> list[DeployFile]:
        change = entry.change
        path = kserve_path(change.stage, change.model)
        if change.to is None:
            return [DeployFile(path, None)]
        version = model.spec.version(change.to) if model is not None else None
        if version is None:
            raise InputError(f"{change.model}: version {change.to} is not registered at HEAD")
        service = self.inference_service(entry, version.artifact.path, version.artifact.format)
        check(service, f"{change.model} {change.stage}")
        text = yaml.safe_dump(service, sort_keys=False, default_flow_style=False)
        return [DeployFile(path, text.encode())]

    def inference_service(self, entry: LedgerEntry, location: str, fmt: str) -> dict[str, Any]:
        change = entry.change
        assert change.to is not None
        per_model = self.settings.models.get(change.model)
        name = (per_model.name if per_model else None) or f"{change.model}-{change.stage}"
        if not DNS_1035.match(name):
            raise _bad(f"InferenceService name {name!r} is not a DNS-1035 label", change.model)
        namespace = (per_model.namespace if per_model else None) or self.settings.namespace
        predictor: dict[str, Any] = {
            "model": {
                "modelFormat": {"name": self.settings.formats.get(fmt, fmt)},
                "storageUri": self._storage_uri(location, change.model),
            }
        }
        layers: list[KServeStage] = []
        if per_model is not None:
            layers.append(per_model)
            if change.stage in per_model.stages:
                layers.append(per_model.stages[change.stage])
        for layer in layers:
            _governed_only(layer, change.model)
            predictor = _merge(predictor, _fields(layer))
        version = change.to
        return {
            "apiVersion": "serving.kserve.io/v1beta1",
            "kind": "InferenceService",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "labels": {
                    "app.kubernetes.io/managed-by": LABEL,
                    f"{LABEL}/model": change.model,
                    f"{LABEL}/stage": change.stage,
                },
                "annotations": {
                    f"{LABEL}/version": version,
                    f"{LABEL}/ledger-seq": str(entry.seq),
                },
            },
            "spec": {"predictor": predictor},
        }

    def _storage_uri(self, location: str, model: str) -> str:
        if URI_PATTERN.match(location):
            return location
        base = self.settings.storage_base
        if not base:
            raise TargetSettingsError.at(
                MODELOPS_FILE,
                f"kserve: {model}'s artifact {location} is a repository path; set "
                f"{SETTINGS}.storage_base to where the cluster reads it (s3://bucket/prefix)",
                field=f"{SETTINGS}.storage_base",
            )
        return f"{base.rstrip('/')}/{location}"

    def observe(
        self, root: Path, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], str | None]:
        """The InferenceServices in the work tree (HEAD's, after apply): the version each
        is annotated with."""
        out: dict[tuple[str, str], str | None] = {}
        for model, stage in keys:
            file = root / kserve_path(stage, model)
            out[(model, stage)] = _annotated_version(file.read_bytes()) if file.is_file() else None
        return out


# What would make the service serve something other than the artifact the ledger names: the
# storage URI and format, a framework block or custom containers with their own. Settings may
# not set them (a modelops.yaml change must not swap the governed artifact).
GOVERNED = ("storageUri", "storageUris", "modelFormat", "containers", "workerSpec")
FRAMEWORKS = (
    "sklearn", "xgboost", "lightgbm", "tensorflow", "pytorch", "onnx", "triton", "pmml",
    "paddle", "huggingface",
)  # fmt: skip


def _governed_only(layer: KServeStage, model: str) -> None:
    extra = layer.predictor
    found = extra.get("model")
    inner: dict[str, Any] = found if isinstance(found, dict) else {}
    taken = [k for k in (*GOVERNED, *FRAMEWORKS) if k in extra]
    taken += [f"model.{k}" for k in GOVERNED if k in inner]
    if taken:
        raise _bad(
            f"predictor sets {', '.join(taken)}: what a service serves comes from the "
            "ledger's version (its artifact and format), never from settings",
            model,
        )


def _fields(layer: KServeStage) -> dict[str, Any]:
    out: dict[str, Any] = {}
    model: dict[str, Any] = {}
    if layer.resources is not None:
        model["resources"] = layer.resources.model_dump(exclude_defaults=True)
    if layer.runtime is not None:
        model["runtime"] = layer.runtime
    if model:
        out["model"] = model
    if layer.canary_traffic_percent is not None:
        out["canaryTrafficPercent"] = layer.canary_traffic_percent
    if layer.min_replicas is not None:
        out["minReplicas"] = layer.min_replicas
    if layer.max_replicas is not None:
        out["maxReplicas"] = layer.max_replicas
    if layer.service_account is not None:
        out["serviceAccountName"] = layer.service_account
    return _merge(out, layer.predictor)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


@cache
def _validator() -> Any:
    import jsonschema

    return jsonschema.Draft7Validator(json.loads(gzip.decompress(SCHEMA_FILE.read_bytes())))


def check(service: dict[str, Any], what: str) -> None:
    """Validate against the CRD's openAPIV3Schema; every problem names its field."""
    validator = _validator()
    errors = sorted(validator.iter_errors(service), key=lambda e: list(map(str, e.path)))
    if errors:
        problems = [
            TargetSettingsError.at(
                MODELOPS_FILE,
                f"kserve: the InferenceService for {what} is not valid for KServe "
                f"{KSERVE_RELEASE}: {'.'.join(map(str, e.path)) or '(top)'}: {e.message}",
                field=SETTINGS,
            ).problems[0]
            for e in errors[:10]
        ]
        raise TargetSettingsError(problems)


def _bad(message: str, model: str) -> InputError:
    return TargetSettingsError.at(
        MODELOPS_FILE, f"kserve: {message}", field=f"{SETTINGS}.models.{model}"
    )


def _annotated_version(data: bytes) -> str:
    try:
        value = yaml.safe_load(data)
        version = value["metadata"]["annotations"][f"{LABEL}/version"]
    except (yaml.YAMLError, TypeError, KeyError):
        return "(unreadable InferenceService)"
    return version if isinstance(version, str) else "(no version)"
