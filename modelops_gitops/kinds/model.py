"""kind: Model — one file per model at models/<name>/model.yaml.

The version list is append-only: a registered version's artifact, datasets and metrics never
change (only `deprecated: true` may be set). `spec.stages` is the DESIRED stage -> version map;
what is applied lives in the audit ledger.
"""

from __future__ import annotations

from datetime import date as Day
from typing import Annotated, Literal

from pydantic import Field, model_validator

from modelops_gitops.kinds.common import (
    ApiVersion,
    GitSha,
    Location,
    Metadata,
    Name,
    RelPath,
    RiskTier,
    SemVer,
    Sha256,
    Strict,
)

Task = Literal["binary_classification", "multiclass_classification", "regression"]
ArtifactFormat = Literal["skops", "onnx", "pickle", "joblib"]
SAFE_FORMATS: tuple[ArtifactFormat, ...] = ("skops", "onnx")
ParamValue = str | int | float | bool | None


class Pinned(Strict):
    """A file pinned by location and content: read only after its sha256 matches."""

    path: Location
    sha256: Sha256


class Artifact(Pinned):
    format: ArtifactFormat
    size: int | None = Field(default=None, ge=0, description="Size in bytes, when known.")


class Datasets(Strict):
    train: Pinned
    eval: Pinned


class Training(Strict):
    code_commit: GitSha | None = None
    params: dict[str, ParamValue] = Field(default_factory=dict)


class Version(Strict):
    version: SemVer
    artifact: Artifact
    datasets: Datasets
    training: Training = Field(default_factory=Training)
    metrics: dict[str, float] = Field(default_factory=dict)
    description: str = ""
    deprecated: bool = False


class ModelCard(Strict):
    """Model card fields (Mitchell et al., 2019). Policies may require them to be non-empty."""

    intended_use: str = ""
    out_of_scope_use: str = ""
    limitations: str = ""
    ethical_considerations: str = ""
    training_data: str = ""
    evaluation_data: str = ""
    caveats: str = ""
    contact: str = ""


class LabelledSnapshot(Pinned):
    """Production data with its ground truth (the features and the target column), pinned.
    `monitor` scores the production version on the latest one."""

    date: Annotated[Day, Field(strict=False)] | None = Field(
        default=None, description="The day the labels describe; the latest dated one is scored."
    )


class LabelledFolder(Strict):
    """A folder of dated labelled snapshots, `YYYY-MM-DD.parquet` (or `.pq`, `.csv`), pinned by
    the sha256 of its `SHA256SUMS` manifest (the `sha256sum` format: `<sha256>  <file name>`),
    which pins each snapshot in turn. New labels arrive as a new file and manifest line."""

    folder: RelPath
    manifest_sha256: Sha256


ServiceFigure = Literal[
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_p99_ms",
    "error_rate",
    "throughput_rps",
    "uptime",
    "cost_per_1000",
]
SERVICE_FIGURES: tuple[str, ...] = ServiceFigure.__args__  # type: ignore[attr-defined]


class Prometheus(Strict):
    """Service figures read from a Prometheus server's HTTP API: one instant query per figure,
    each answering one number (a scalar, or a vector of exactly one sample)."""

    url: str = Field(
        pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$", description="The server's base URL."
    )
    queries: dict[ServiceFigure, str] = Field(min_length=1, description="Figure -> PromQL.")
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)


class Service(Strict):
    """Where `monitor` reads the serving side's figures: a pinned metrics snapshot (one row per
    prediction served: timestamp, latency_ms, error, optional cost; CSV, parquet or JSON) or a
    Prometheus server. Exactly one."""

    snapshot: Pinned | None = None
    prometheus: Prometheus | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Service:
        if (self.snapshot is None) == (self.prometheus is None):
            raise ValueError("give exactly one of snapshot and prometheus")
        return self


class Monitoring(Strict):
    """What `monitor` watches: the monitoring snapshot the drift gate compares with training
    data, labelled production snapshots the production version is scored on, and the serving
    side's service figures."""

    current: Pinned | None = None
    labelled: list[LabelledSnapshot] = Field(
        default_factory=list, description="Labelled production snapshots (path or URI, sha256)."
    )
    labelled_folder: LabelledFolder | None = None
    service: Service | None = None


class ModelSpec(Strict):
    owner: Name = Field(description="The owning team (a name in policies/teams.yaml).")
    risk_tier: RiskTier
    description: str = ""
    task: Task
    target: str = Field(min_length=1)
    features: list[str] = Field(default_factory=list)
    sensitive_features: list[str] = Field(default_factory=list)
    card: ModelCard = Field(default_factory=ModelCard)
    monitoring: Monitoring = Field(default_factory=Monitoring)
    versions: list[Version] = Field(default_factory=list)
    stages: dict[Name, SemVer] = Field(default_factory=dict)

    def version(self, version: str) -> Version | None:
        return next((v for v in self.versions if v.version == version), None)


class Model(Strict):
    apiVersion: ApiVersion
    kind: Literal["Model"]
    metadata: Metadata
    spec: ModelSpec
