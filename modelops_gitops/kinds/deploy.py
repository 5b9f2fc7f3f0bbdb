"""The built-in deploy targets' settings: modelops.yaml `spec.deploy.mlflow` and
`spec.deploy.kserve`. Schema-checked like every kind (`extra="forbid"`): a misspelt field is
bad input at its line, before anything is written."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from modelops_gitops.kinds.common import Name, Strict

# A Kubernetes quantity (`500m`, `2Gi`, `1.5`): what resources.requests/limits accept.
QUANTITY_PATTERN = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+|[KMGTPE]i?|[numkMGTPE])?$"
Quantity = str | int
REGISTERED_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$"


class MlflowModel(Strict):
    name: str | None = Field(
        default=None,
        pattern=REGISTERED_NAME_PATTERN,
        description="The registered model's name in MLflow (default: the model's name).",
    )


class MlflowSettings(Strict):
    tracking_uri: str | None = Field(
        default=None,
        description=(
            "The MLflow tracking server (http://host:5000). Unset: $MLFLOW_TRACKING_URI. "
            "Credentials come from MLflow's own variables (MLFLOW_TRACKING_TOKEN, ...)."
        ),
    )
    aliases: dict[str, str] = Field(
        default_factory=dict,
        description="stage -> the registered model alias it sets (default: the stage's name).",
    )
    models: dict[Name, MlflowModel] = Field(
        default_factory=dict, description="Per model: the registered model's name."
    )
    experiment: str = Field(
        default="modelops-gitops",
        description="The experiment whose runs hold the artifacts uploaded for new versions.",
    )
    artifact_location: str | None = Field(
        default=None,
        description=(
            "Where that experiment keeps artifacts when modelops-gitops creates it (default: "
            "the server's artifact root)."
        ),
    )


class Resources(Strict):
    requests: dict[str, Quantity] = Field(default_factory=dict)
    limits: dict[str, Quantity] = Field(default_factory=dict)


class KServeStage(Strict):
    """The InferenceService fields one (model, stage) sets; unset: the model's, then none."""

    resources: Resources | None = None
    canary_traffic_percent: int | None = Field(default=None, ge=0, le=100)
    min_replicas: int | None = Field(default=None, ge=0)
    max_replicas: int | None = Field(default=None, ge=0)
    runtime: str | None = Field(default=None, description="spec.predictor.model.runtime")
    service_account: str | None = Field(default=None, description="serviceAccountName")
    predictor: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Any other spec.predictor fields, merged last; the result is validated against "
            "the InferenceService CRD schema."
        ),
    )


class KServeModel(KServeStage):
    name: Name | None = Field(
        default=None, description="The InferenceService's name (default: <model>-<stage>)."
    )
    namespace: Name | None = None
    stages: dict[str, KServeStage] = Field(default_factory=dict)


class KServeSettings(Strict):
    namespace: Name = "default"
    storage_base: str | None = Field(
        default=None,
        description=(
            "Where the cluster reads artifacts registered by repository path "
            "(s3://bucket/models): storageUri = storage_base/<path>. Artifacts registered "
            "by URI are used as they are."
        ),
    )
    formats: dict[str, str] = Field(
        default_factory=lambda: {"skops": "sklearn", "joblib": "sklearn", "pickle": "sklearn"},
        description="artifact format -> KServe modelFormat.name (onnx maps to itself).",
    )
    models: dict[Name, KServeModel] = Field(default_factory=dict)
