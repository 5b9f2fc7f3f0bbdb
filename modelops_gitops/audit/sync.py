"""`status`, the view: two axes per model and stage, as Argo CD shows an application.

    sync    in sync | out of sync (a merged change awaits apply, or an uncommitted edit)
            | unapproved drift (a change pushed without a reviewed merge)
    health  the model's latest monitor result (healthy / drifting / degraded / unknown), and
            its waivers: expiring soon, expired

Pure: the desired and applied states, how each difference came about (verify.check_drift),
the monitor records and waivers come in as values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from modelops_gitops.audit.provenance import Introduction
from modelops_gitops.audit.queries import in_order
from modelops_gitops.audit.replay import AppliedState, Difference, differences
from modelops_gitops.audit.verify import check_drift
from modelops_gitops.kinds import Waiver

IN_SYNC, OUT_OF_SYNC, DRIFT = "in sync", "out of sync", "unapproved drift"
_SYNC_OF = {"not-applied": OUT_OF_SYNC, "uncommitted": OUT_OF_SYNC, "unapproved-drift": DRIFT}


class MonitorResult(Protocol):
    """What status reads of a monitor record (monitor_state.MonitorRecord)."""

    @property
    def stage(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def checked_at(self) -> str: ...
    @property
    def drifted(self) -> bool: ...
    @property
    def drift_share(self) -> float | None: ...
    @property
    def drifted_features(self) -> list[str]: ...
    @property
    def labelled_snapshot(self) -> str | None: ...
    @property
    def performance(self) -> dict[str, float]: ...
    @property
    def service(self) -> dict[str, float]: ...
    @property
    def breaches(self) -> list[str]: ...
    @property
    def degraded(self) -> bool: ...
    @property
    def issue_url(self) -> str | None: ...


@dataclass(frozen=True)
class StageSync:
    stage: str
    desired: str | None
    applied: str | None
    sync: str
    detail: str = ""
    applied_since: str | None = None
    applied_seq: int | None = None


@dataclass(frozen=True)
class Health:
    status: str  # healthy | drifting | degraded | unknown
    detail: str
    checked_at: str | None = None
    issue_url: str | None = None
    waivers: tuple[str, ...] = ()  # "expiring soon: ..." / "expired: ..."


@dataclass(frozen=True)
class ModelStatus:
    model: str
    stages: list[StageSync]
    health: Health

    @property
    def in_sync(self) -> bool:
        return all(s.sync == IN_SYNC for s in self.stages)


@dataclass(frozen=True)
class StatusInputs:
    desired: Mapping[str, Mapping[str, str]]
    applied: AppliedState
    intro_of: Callable[[Difference], Introduction | None]
    records: Mapping[str, MonitorResult] = field(default_factory=dict)
    waivers: Sequence[Waiver] = ()
    today: date = date.min
    horizon_days: int = 14
    stage_order: Sequence[str] = ()
    files: Mapping[str, str] = field(default_factory=dict)


def model_statuses(inputs: StatusInputs, models: Iterable[str]) -> list[ModelStatus]:
    wanted = sorted(models)
    desired = {m: inputs.desired.get(m, {}) for m in wanted}
    applied = {m: inputs.applied[m] for m in wanted if m in inputs.applied}
    diffs = {(d.model, d.stage): d for d in differences(applied, desired)}
    out = []
    for model in wanted:
        have = applied.get(model, {})
        stages = in_order(set(desired[model]) | set(have), inputs.stage_order)
        rows = []
        for stage in stages:
            held = have.get(stage)
            diff = diffs.get((model, stage))
            sync, detail = IN_SYNC, ""
            if diff is not None:
                found = check_drift([diff], inputs.intro_of, inputs.files)[0]
                sync = _SYNC_OF[found.kind]
                detail = found.message.removeprefix(f"{DRIFT}: ")
            rows.append(
                StageSync(
                    stage,
                    desired[model].get(stage),
                    held.version if held else None,
                    sync,
                    detail,
                    held.time if held else None,
                    held.seq if held else None,
                )
            )
        out.append(ModelStatus(model, rows, _health(model, have, inputs)))
    return out


def _health(model: str, have: Mapping[str, Any], inputs: StatusInputs) -> Health:
    waivers = tuple(_waiver_notes(model, inputs))
    record = inputs.records.get(model)
    if record is None:
        return Health("unknown", "no monitor result yet", waivers=waivers)
    held = have.get(record.stage)
    if held is None or held.version != record.version:
        detail = (
            f"the last check ({record.checked_at}) was of {record.stage} {record.version}, "
            "not the version applied there now"
        )
        return Health("unknown", detail, record.checked_at, record.issue_url, waivers)
    said = []
    if record.degraded:
        said.append(f"breach in {record.stage} {record.version}: " + "; ".join(record.breaches))
    if record.drifted:
        features = ", ".join(record.drifted_features) or "none named"
        share = record.drift_share or 0.0
        said.append(
            f"data drift in {record.stage} {record.version}: "
            f"{share:.0%} of features drifted ({features})"
        )
    if said:
        status = "degraded" if record.degraded else "drifting"
        return Health(status, "; ".join(said), record.checked_at, record.issue_url, waivers)
    checks = []
    if record.drift_share is not None:
        checks.append("no data drift")
    if record.labelled_snapshot is not None:
        figures = ", ".join(f"{m} {v:.4g}" for m, v in sorted(record.performance.items()))
        checks.append(f"performance within its rules ({figures})")
    if record.service:
        checks.append("service levels within their rules")
    detail = f"{' and '.join(checks) or 'nothing checked'} in {record.stage} {record.version}"
    return Health("healthy", detail, record.checked_at, record.issue_url, waivers)


def _waiver_notes(model: str, inputs: StatusInputs) -> Iterable[str]:
    for waiver in sorted(inputs.waivers, key=lambda w: w.metadata.name):
        spec = waiver.spec
        if spec.model != model:
            continue
        what = f"waiver {waiver.metadata.name} ({spec.policy}/{spec.rule})"
        left = (spec.expires - inputs.today).days
        if left < 0:
            yield f"expired: {what} ended on {spec.expires.isoformat()}"
        elif left <= inputs.horizon_days:
            days = "today" if left == 0 else f"in {left} day{'s' if left != 1 else ''}"
            yield f"expiring soon: {what} ends {days} ({spec.expires.isoformat()})"
