"""kind: Repository — the repo settings file, modelops.yaml at the root."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import Field, field_validator

from modelops_gitops.kinds.common import ApiVersion, Duration, Enforcement, Metadata, Strict
from modelops_gitops.kinds.deploy import KServeSettings, MlflowSettings
from modelops_gitops.kinds.limits import DEFAULT_MAX_BYTES, MAX_FILE_LIMIT, MIN_FILE_LIMIT


class Provider(Strict):
    type: Literal["github", "none"] = "github"
    owner: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]+$")
    repo: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._-]+$")
    api_url: str | None = Field(default=None, description="GitHub Enterprise: https://HOST/api/v3")


class Governance(Strict):
    allow_policy_and_stage_changes: bool = Field(
        default=False, description="May one PR change policies AND promote or roll back models?"
    )


class Deploy(Strict):
    targets: list[str] = Field(
        default_factory=lambda: ["manifest"],
        description=(
            "Deploy targets `apply` hands each applied change to, by name: the built-ins "
            "`manifest` (deploy/<stage>/<model>.json), `kserve` (an InferenceService per "
            "stage) and `mlflow` (registry aliases), or a plugin registered under the "
            "`modelops_gitops.deploy_targets` entry point group."
        ),
    )
    mlflow: MlflowSettings = Field(default_factory=MlflowSettings)
    kserve: KServeSettings = Field(default_factory=KServeSettings)
    plugins: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Settings of plugin targets, by target name; each plugin checks its own.",
    )


class Trust(Strict):
    """What a PR's timestamps, uncovered changes and data may claim (issue: the judge is never
    the judged)."""

    max_clock_skew: Duration = Field(
        default=timedelta(minutes=5),
        description=(
            "A commit dated further than this in the future is refused at plan and apply "
            "(soak and freeze are never satisfied by a forged date)."
        ),
    )
    dataset_max_bytes: int = Field(
        default=4 << 30,
        ge=1024,
        description="The most a dataset may hold once decompressed, enforced while reading.",
    )
    dataset_max_rows: int = Field(
        default=100_000_000, ge=1, description="The most rows a dataset may hold."
    )
    uncovered_changes: Enforcement = Field(
        default="warn",
        description="A change no policy selects: `warn` (reported) or `block` (fails the plan).",
    )


SSH_KEY_PATTERN = (
    r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|"
    r"sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\x00-\x1f\x7f]*)?$"
)


class AuditSigner(Strict):
    """One key allowed to sign ledger commits: a line of an OpenSSH allowed-signers file
    (`<principal> namespaces="git" <key>`)."""

    principal: str = Field(
        pattern=r"^[A-Za-z0-9._@+-]+$",
        description="Who holds the key, e.g. the apply bot's e-mail address.",
    )
    key: str = Field(
        pattern=SSH_KEY_PATTERN,
        description="The OpenSSH public key (the .pub file's line: type, base64, comment).",
    )


class Audit(Strict):
    signers: list[AuditSigner] = Field(
        default_factory=list,
        description=(
            "Keys allowed to sign the commits that change audit/ or deploy/ (SSH signing). "
            "Read from the parent of each commit checked, so no commit can add its own key. "
            "Empty: the ledger is tamper-evident but not anchored."
        ),
    )


class RepositorySpec(Strict):
    provider: Provider = Field(default_factory=Provider)
    default_branch: str = "main"
    timezone: str = "UTC"
    governance: Governance = Field(default_factory=Governance)
    max_file_bytes: int = Field(default=DEFAULT_MAX_BYTES, ge=MIN_FILE_LIMIT, le=MAX_FILE_LIMIT)
    deploy: Deploy = Field(default_factory=Deploy)
    trust: Trust = Field(default_factory=Trust)
    audit: Audit = Field(default_factory=Audit)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class Repository(Strict):
    apiVersion: ApiVersion
    kind: Literal["Repository"]
    metadata: Metadata
    spec: RepositorySpec = Field(default_factory=RepositorySpec)
