"""kind: Policy — what it governs (selector) and the rules that must hold.

Each rule has a `type` (the discriminator), an optional `id` (defaults to the type with '-'
for '_'; unique in its policy: waivers name rules by it) and `enforcement: block | warn`. Rule types:

    approvals       minimum approvals from teams (author excluded, stale ones ignored)
    previous_stage  the version must have been applied in a stage, for a soak time
    freeze          no changes in date or weekly windows, unless a break-glass team approves
    documentation   model card fields that must be non-empty
    artifact        allowed formats and size limit
    require         a JSON Schema the model document must satisfy
    test            metric thresholds on the evaluation data, claimed metrics reproduced
    champion        the candidate beats the version applied in the stage
    fairness        group metrics over a sensitive column under a maximum
    drift           reference vs current data, Evidently-compatible per-column tests
    explainability  permutation importance on the evaluation data: bounds on named features,
                    the top features among declared ones
    performance     (checked by `monitor`) metrics on labelled production data may not fall
                    below the evaluation metrics by more than an allowed degradation
    service_level   (checked by `monitor`) latency, error rate, throughput, uptime and cost
                    of the serving side within limits
"""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from modelops_gitops.kinds.common import (
    ApiVersion,
    DateOrDateTime,
    Duration,
    Enforcement,
    Metadata,
    Name,
    RiskTier,
    Strict,
)
from modelops_gitops.kinds.drift import DriftConfig
from modelops_gitops.kinds.model import SAFE_FORMATS, ArtifactFormat

ChangeKind = Literal[
    "model.created",
    "model.deleted",
    "version.registered",
    "version.modified",
    "version.deprecated",
    "stage.promoted",
    "stage.rollback",
    "stage.removed",
    "policy.changed",
    "governance.changed",
    "metadata.changed",
]
CHANGE_KINDS: tuple[str, ...] = ChangeKind.__args__  # type: ignore[attr-defined]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Selector(Strict):
    """Which changes a policy governs. An empty list means "any"."""

    stages: list[Name] = Field(default_factory=list)
    risk_tiers: list[RiskTier] = Field(default_factory=list)
    models: list[str] = Field(default_factory=list, description="Glob patterns over model names.")
    change_kinds: list[ChangeKind] = Field(default_factory=list)


class RuleBase(Strict):
    id: Name | None = None
    enforcement: Enforcement = "block"
    description: str = ""


class ApprovalsRule(RuleBase):
    type: Literal["approvals"]
    min: int = Field(default=1, ge=1)
    teams: list[Name] = Field(
        default_factory=list, description="Approvers must be in one of these."
    )
    each_team: bool = Field(default=False, description="Require `min` approvals from EACH team.")
    allow_stale: bool = Field(default=False, description="Count approvals of older commits.")
    allow_pushers: bool = Field(
        default=False,
        description="Count approvals from people who authored or committed a commit of the PR.",
    )


class PreviousStageRule(RuleBase):
    type: Literal["previous_stage"]
    stage: Name
    min_soak: Duration | None = None


class DateWindow(Strict):
    start: DateOrDateTime = Field(description="Start (date or date-time).")
    end: DateOrDateTime = Field(description="End, exclusive (date or date-time).")
    reason: str = ""


class WeeklyWindow(Strict):
    days: list[Weekday] = Field(min_length=1)
    start: Annotated[time, Field(strict=False)] = time(0, 0)
    end: Annotated[time, Field(strict=False)] = time(23, 59, 59)


class FreezeRule(RuleBase):
    type: Literal["freeze"]
    timezone: str | None = Field(default=None, description="IANA zone; default: modelops.yaml's.")
    windows: list[DateWindow] = Field(default_factory=list)
    weekly: list[WeeklyWindow] = Field(default_factory=list)
    override_team: Name | None = Field(
        default=None, description="Break-glass: an approval from this team lets a change through."
    )
    exempt_rollbacks: bool = Field(
        default=False,
        description="Let rollbacks (a step back to the previous holder) through a freeze.",
    )


class DocumentationRule(RuleBase):
    type: Literal["documentation"]
    fields: list[
        Literal[
            "intended_use",
            "out_of_scope_use",
            "limitations",
            "ethical_considerations",
            "training_data",
            "evaluation_data",
            "caveats",
            "contact",
        ]
    ] = Field(min_length=1)


class ArtifactRule(RuleBase):
    type: Literal["artifact"]
    formats: list[ArtifactFormat] = Field(default_factory=lambda: list(SAFE_FORMATS))
    max_bytes: int | None = Field(default=None, ge=1)
    allow_unsafe_formats: bool = False


class RequireRule(RuleBase):
    type: Literal["require"]
    schema_: dict[str, Any] = Field(alias="schema", description="A JSON Schema over the model.")
    message: str = ""


class Threshold(Strict):
    min: float | None = None
    max: float | None = None


class TestRule(RuleBase):
    __test__ = False  # not a pytest test class, whatever its name

    type: Literal["test"]
    thresholds: dict[str, Threshold] = Field(default_factory=dict)
    reproduce: bool = Field(default=True, description="Claimed metrics must reproduce.")
    tolerance: float = Field(default=0.005, ge=0)


class Bootstrap(Strict):
    samples: int = Field(default=1000, ge=100, le=100_000)
    seed: int = 0
    confidence: float = Field(default=0.95, gt=0, lt=1)


class ChampionRule(RuleBase):
    type: Literal["champion"]
    metric: str
    min_absolute_change: float | None = None
    min_relative_change: float | None = None
    require_significant: bool = Field(
        default=False, description="The bootstrap interval of the difference must exclude zero."
    )
    bootstrap: Bootstrap = Field(default_factory=Bootstrap)


class FairnessRule(RuleBase):
    type: Literal["fairness"]
    sensitive_feature: str | None = Field(
        default=None,
        description="Column to compare groups on; default: the model's first sensitive feature.",
    )
    max_demographic_parity_difference: float | None = Field(default=None, ge=0)
    max_equalized_odds_difference: float | None = Field(default=None, ge=0)


class ExplainabilityRule(RuleBase):
    """The version's permutation importance on its evaluation data (the test gate's score,
    seeded shuffles): named features (a sensitive one, a known proxy) may weigh at most so
    much, and the `top` most important features must all be among `top_among`."""

    type: Literal["explainability"]
    max_importance: dict[str, Annotated[float, Field(ge=0)]] = Field(
        default_factory=dict, description="Feature -> the most its importance may be."
    )
    top: int | None = Field(default=None, ge=1, description="How many top features to check.")
    top_among: list[str] = Field(
        default_factory=list, description="The features the top ones must be among."
    )

    @model_validator(mode="after")
    def _something_to_check(self) -> ExplainabilityRule:
        if (self.top is None) != (not self.top_among):
            raise ValueError("top and top_among go together")
        if not self.max_importance and self.top is None:
            raise ValueError("give max_importance, or top with top_among")
        return self


class DriftRule(RuleBase, DriftConfig):
    """The drift gate's settings (gates/drift/config.py), Evidently's defaults unless overridden.
    `columns` defaults to the model's features."""

    type: Literal["drift"]


MetricName = Literal[
    "roc_auc", "accuracy", "f1", "precision", "recall", "log_loss", "rmse", "mae", "r2"
]  # the test gate's metrics (gates/metrics.py METRICS; a test keeps the two equal)
OnBreach = Literal["issue", "propose_rollback"]


class PerformanceRule(RuleBase):
    """Checked by `monitor`, never by plan: the version in the stage, scored on its latest
    labelled production snapshot with the test gate's scorer, against the same version scored
    on its evaluation data. A metric breaches when it degrades (falls, or rises for log_loss,
    rmse, mae) by more than either allowed degradation."""

    type: Literal["performance"]
    metrics: list[MetricName] = Field(min_length=1)
    max_absolute_degradation: float | None = Field(
        default=None, ge=0, description="Largest allowed worsening, in the metric's units."
    )
    max_relative_degradation: float | None = Field(
        default=None,
        ge=0,
        description="Largest allowed worsening as a share of the evaluation value.",
    )
    on_breach: OnBreach = Field(
        default="issue",
        description="issue: open the monitor issue; propose_rollback: also open a rollback PR.",
    )

    @model_validator(mode="after")
    def _bounded(self) -> PerformanceRule:
        if self.max_absolute_degradation is None and self.max_relative_degradation is None:
            raise ValueError("give max_absolute_degradation, max_relative_degradation or both")
        return self


class ServiceLevelRule(RuleBase):
    """Checked by `monitor`, never by plan: the serving side's figures (the model's
    `spec.monitoring.service`) within limits. A figure a limit names that the source cannot
    give (no cost column, one instant of traffic) breaches: nothing shows the limit holds."""

    type: Literal["service_level"]
    max_latency_p50_ms: float | None = Field(default=None, ge=0)
    max_latency_p95_ms: float | None = Field(default=None, ge=0)
    max_latency_p99_ms: float | None = Field(default=None, ge=0)
    max_error_rate: float | None = Field(default=None, ge=0, le=1)
    min_throughput_rps: float | None = Field(default=None, ge=0)
    min_uptime: float | None = Field(default=None, ge=0, le=1)
    max_cost_per_1000: float | None = Field(default=None, ge=0)
    on_breach: OnBreach = "issue"

    def limits(self) -> list[tuple[str, str, float]]:
        """(figure, "<=" or ">=", limit) for every limit given."""
        out = []
        for key, value in self.model_dump(exclude={"id", "type", "enforcement"}).items():
            if isinstance(value, int | float) and key.startswith(("max_", "min_")):
                op = "<=" if key.startswith("max_") else ">="
                out.append((key[4:], op, float(value)))
        return out

    @model_validator(mode="after")
    def _some_limit(self) -> ServiceLevelRule:
        if not self.limits():
            raise ValueError("give at least one limit (max_latency_p95_ms, max_error_rate, ...)")
        return self


Rule = Annotated[
    ApprovalsRule
    | PreviousStageRule
    | FreezeRule
    | DocumentationRule
    | ArtifactRule
    | RequireRule
    | TestRule
    | ChampionRule
    | FairnessRule
    | DriftRule
    | ExplainabilityRule
    | PerformanceRule
    | ServiceLevelRule,
    Field(discriminator="type"),
]
GATE_RULE_TYPES = ("test", "champion", "fairness", "drift", "explainability")
MONITOR_RULE_TYPES = (
    "performance",
    "service_level",
)  # judged by `monitor` on production, not by plan


def rule_id(rule: RuleBase) -> str:
    """The rule's `id`, else its type as a name (`previous_stage` -> `previous-stage`)."""
    return rule.id or str(rule.type).replace("_", "-")  # type: ignore[attr-defined]


class PolicySpec(Strict):
    description: str = ""
    selector: Selector = Field(default_factory=Selector)
    rules: list[Rule] = Field(min_length=1)


class Policy(Strict):
    apiVersion: ApiVersion
    kind: Literal["Policy"]
    metadata: Metadata
    spec: PolicySpec
