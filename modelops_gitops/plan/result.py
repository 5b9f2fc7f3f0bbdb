"""What `plan` found: per change, every rule that applied and its result, with where to look.

These are the values every renderer (text, markdown, json, sarif, junit), the ledger and the
audit reports read. The JSON form is versioned (`PLAN_SCHEMA_VERSION`) and documented in
docs/plan-json.md.

Result of a finding:  pass | fail (blocking) | warn (failed, enforcement: warn) |
                      pending (approvals not there yet, or a gate not run) | waived
Result of a change:   fail if any finding fails, else pending if any is pending, else pass.
Result of the plan:   the same rule over its changes; exit code 1 / 3 / 0.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from modelops_gitops.errors import EXIT_OK, EXIT_PENDING, EXIT_VIOLATION
from modelops_gitops.gates.result import GateResult

PLAN_SCHEMA_VERSION = 1
FindingResult = Literal["pass", "fail", "warn", "pending", "waived"]
Outcome = Literal["pass", "fail", "pending"]
BUILTIN_POLICY = "builtin"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Approval(Frozen):
    """An approval that counted: who, as which team, on which commit, when."""

    login: str
    teams: tuple[str, ...]
    commit_id: str
    submitted_at: str


class Finding(Frozen):
    policy: str
    rule: str
    rule_type: str
    result: FindingResult
    message: str
    file: str = ""
    line: int = 0
    column: int = 0
    approvals: tuple[Approval, ...] = ()
    gate: GateResult | None = None
    waiver: str | None = None  # the waiver that turned a failure into "waived"
    override: str | None = None  # break-glass: who let a change through a freeze


class Change(Frozen):
    """One thing a PR changes. `kind` is the closed vocabulary shared by policies, plan output
    and the ledger (kinds.policy.ChangeKind)."""

    kind: str
    model: str | None = None
    version: str | None = None
    stage: str | None = None
    from_: str | None = Field(default=None, validation_alias="from", serialization_alias="from")
    to: str | None = None
    file: str = ""
    path: tuple[str | int, ...] = ()
    line: int = 0
    column: int = 0

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @property
    def key(self) -> str:
        """A stable identifier, e.g. `stage.promoted:credit:production:1.2.0`; a change without a
        model is named by its file (`policy.changed:policies/production.yaml`)."""
        if self.model is None and self.file:
            return f"{self.kind}:{self.file}"
        parts = [self.kind, self.model or "", self.stage or "", self.to or self.version or ""]
        return ":".join(parts)


class ChangeResult(Frozen):
    change: Change
    result: Outcome
    findings: tuple[Finding, ...]


class PlanResult(Frozen):
    schema_version: int = PLAN_SCHEMA_VERSION
    result: Outcome
    base: str
    head: str
    base_sha: str = ""
    head_sha: str = ""
    policy_set_sha256: str = ""
    changes: tuple[ChangeResult, ...]
    findings: tuple[Finding, ...] = ()  # about the PR as a whole (e.g. policies AND promotions)

    @property
    def exit_code(self) -> int:
        return {"pass": EXIT_OK, "fail": EXIT_VIOLATION, "pending": EXIT_PENDING}[self.result]


def combine(results: list[FindingResult] | list[Outcome]) -> Outcome:
    if "fail" in results:
        return "fail"
    if "pending" in results:
        return "pending"
    return "pass"
