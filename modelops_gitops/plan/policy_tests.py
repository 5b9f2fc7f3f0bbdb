"""Table-driven policy tests (like `kyverno test` / `conftest verify`), run by `policy test`.

A file under policies/tests/*.yaml holds cases. Each case states a change, the facts that
decide it (clock, approvals, gate outcomes, what held which stage since when, edits to the
model) and the expected result per `policy/rule`. The case is judged by the SAME evaluator
`plan` uses, against the policies in the repository, so a policy edit that breaks an
expectation fails here first. Coverage lists every rule whose result no case asserts.

    apiVersion: modelops-gitops/v1
    kind: PolicyTest
    metadata: {name: production}
    spec:
      cases:
        - name: two approvals and passing gates promote
          change: {kind: stage.promoted, model: credit, stage: production, from: 1.1.0, to: 1.2.0}
          now: 2026-11-20T10:00:00Z
          approvals: {author: alice, reviews: [{login: carol, state: APPROVED}]}
          held: {staging: {version: 1.2.0, since: 2026-11-10T00:00:00Z}}
          gates: {test: pass, champion: pass, fairness: fail}
          model: {spec: {risk_tier: high}}          # deep-merged into the model at head
                                                    # (a whole document when the repo lacks it)
          expect:
            result: fail
            rules: {production/approvals: pending, production/fairness: fail}
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from modelops_gitops import API_VERSION
from modelops_gitops.errors import InputError
from modelops_gitops.gates.result import GateResult
from modelops_gitops.kinds import Model, Teams
from modelops_gitops.kinds.common import Name
from modelops_gitops.kinds.policy import MONITOR_RULE_TYPES, ChangeKind, rule_id
from modelops_gitops.kinds.teams import Login, Team
from modelops_gitops.plan.approvals import ApprovalsInput, Review
from modelops_gitops.plan.policy import evaluate_change
from modelops_gitops.plan.result import BUILTIN_POLICY, Change, ChangeResult
from modelops_gitops.plan.rules.base import Context
from modelops_gitops.repo.history import Holding
from modelops_gitops.repo.state import RepoState, model_file
from modelops_gitops.repo.yaml_locator import Locator

TESTS_DIR = "policies/tests"
HEAD_SHA = "0" * 40


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CaseChange(_Strict):
    kind: ChangeKind
    model: Name | None = None
    version: str | None = None
    stage: Name | None = None
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None


class CaseApprovals(_Strict):
    author: str = "author"
    reviews: list[dict[str, str]] = Field(default_factory=list)


class Held(_Strict):
    version: str
    since: Annotated[datetime, Field(strict=False)]


class Expect(_Strict):
    result: Literal["pass", "fail", "pending"] | None = None
    rules: dict[str, Literal["pass", "fail", "warn", "pending", "waived", "absent"]] = Field(
        default_factory=dict, description="policy/rule -> expected result"
    )


TeamMembers = dict[Name, list[Login]]
TEAMS_HELP = (
    "Team -> the logins in it for these cases, in place of policies/teams.yaml's members (other "
    "teams keep theirs), so the cases do not break when the real teams change."
)


class Case(_Strict):
    name: str = Field(min_length=1)
    teams: TeamMembers = Field(default_factory=dict, description=TEAMS_HELP)
    change: CaseChange
    now: Annotated[datetime, Field(strict=False)]
    approvals: CaseApprovals | None = None
    held: dict[str, Held | list[Held]] = Field(default_factory=dict)
    gates: dict[str, Literal["pass", "fail"]] = Field(default_factory=dict)
    model: dict[str, Any] = Field(default_factory=dict)
    expect: Expect


class PolicyTestSpec(_Strict):
    teams: TeamMembers = Field(default_factory=dict, description=TEAMS_HELP)
    cases: list[Case] = Field(min_length=1)


class PolicyTest(_Strict):
    apiVersion: Literal["modelops-gitops/v1"]
    kind: Literal["PolicyTest"]
    metadata: dict[str, Any]
    spec: PolicyTestSpec


@dataclass(frozen=True)
class CaseOutcome:
    file: str
    case: str
    failures: tuple[str, ...]
    exercised: frozenset[str]

    @property
    def passed(self) -> bool:
        return not self.failures


def parse_tests(file: str, data: Any) -> list[Case]:
    """The cases of one file, each with the file's `spec.teams` under its own `teams`."""
    try:
        spec = PolicyTest.model_validate(data).spec
        return [
            case.model_copy(update={"teams": {**spec.teams, **case.teams}}) for case in spec.cases
        ]
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError.at(file, first["msg"], field=".".join(map(str, first["loc"]))) from None


class _Facts:
    def __init__(self, case: Case) -> None:
        self.case = case

    def holdings(self, model: str, stage: str) -> list[Holding]:
        held = self.case.held.get(stage)
        if held is None or model != self.case.change.model:
            return []
        entries = held if isinstance(held, list) else [held]
        return [Holding(h.version, h.since) for h in entries]

    def gate(self, rule: Any, change: Change, ctx: Context) -> GateResult:
        outcome = self.case.gates.get(rule.type)
        if outcome is None:
            raise InputError(f"case {self.case.name!r}: no outcome given for the {rule.type} gate")
        return GateResult(
            gate=rule.type, status=outcome, summary=f"{outcome} (given by the test case)"
        )


def with_teams(state: RepoState, members: TeamMembers) -> RepoState:
    """`state` with the named teams' members replaced (a team not in teams.yaml is added)."""
    if not members:
        return state
    named = {name: list(logins) for name, logins in members.items()}
    if state.teams is None:
        teams = Teams.model_validate(
            {
                "apiVersion": API_VERSION,
                "kind": "Teams",
                "metadata": {"name": "policy-test"},
                "spec": {"teams": [{"name": n, "members": m} for n, m in sorted(named.items())]},
            }
        )
    else:
        kept = [
            team.model_copy(update={"members": named.pop(team.name)})
            if team.name in named
            else team
            for team in state.teams.spec.teams
        ]
        added = [Team(name=n, members=m) for n, m in sorted(named.items())]
        spec = state.teams.spec.model_copy(update={"teams": [*kept, *added]})
        teams = state.teams.model_copy(update={"spec": spec})
    return replace(state, teams=teams)


def run_case(file: str, case: Case, base: RepoState) -> CaseOutcome:
    base = with_teams(base, case.teams)
    head = _head(base, case, file)
    facts = _Facts(case)
    approvals = None
    if case.approvals is not None:
        reviews = [
            Review.model_validate({"commit_id": HEAD_SHA, **r}) for r in case.approvals.reviews
        ]
        approvals = ApprovalsInput(author=case.approvals.author, head_sha=HEAD_SHA, reviews=reviews)
    ctx = Context(
        base=base,
        head=head,
        approvals=approvals,
        now=_aware(case.now),
        history=facts,
        gates=facts.gate,
    )
    c = case.change
    change = Change(
        kind=c.kind,
        model=c.model,
        version=c.version,
        stage=c.stage,
        from_=c.from_,
        to=c.to,
        file=model_file(c.model) if c.model else "",
    )
    result = evaluate_change(change, ctx, Locator(head, base))
    return CaseOutcome(
        file,
        case.name,
        tuple(_compare(case.expect, result)),
        frozenset(case.expect.rules),
    )


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _head(base: RepoState, case: Case, file: str) -> RepoState:
    name = case.change.model
    if name is None:
        return base
    model = base.models.get(name)
    if model is None and not case.model:
        raise InputError.at(
            file,
            f"case {case.name!r}: no model {name!r} in the repository "
            "(give the whole model document under `model:`)",
            field="change.model",
        )
    data = _merge(model.model_dump(mode="json", by_alias=True), case.model) if model else case.model
    try:
        edited = Model.model_validate(data)
    except ValidationError as exc:
        raise InputError.at(
            file,
            f"case {case.name!r}: the edited model is invalid: {exc.errors()[0]['msg']}",
            field="model",
        ) from None
    models = {**base.models, name: edited}
    return RepoState(
        label="case",
        settings=base.settings,
        models=models,
        lifecycle=base.lifecycle,
        teams=base.teams,
        policies=base.policies,
        waivers=base.waivers,
        files=base.files,
        raw=base.raw,
    )


def _merge(into: Any, patch: Any) -> Any:
    if isinstance(into, dict) and isinstance(patch, dict):
        return {**into, **{k: _merge(into.get(k), v) for k, v in patch.items()}}
    return patch


def _compare(expect: Expect, result: ChangeResult) -> list[str]:
    failures = []
    if expect.result is not None and expect.result != result.result:
        failures.append(f"result: expected {expect.result}, got {result.result}")
    found = {f"{f.policy}/{f.rule}": f for f in result.findings}
    for key, wanted in sorted(expect.rules.items()):
        finding = found.get(key)
        got = finding.result if finding else "absent"
        if got != wanted:
            detail = f" ({finding.message})" if finding else ""
            failures.append(f"{key}: expected {wanted}, got {got}{detail}")
    return failures


def all_rules(state: RepoState) -> set[str]:
    """Every rule plan judges (rules `monitor` judges on production never meet a case)."""
    return {
        f"{name}/{rule_id(rule)}"
        for name, policy in state.policies.items()
        for rule in policy.spec.rules
        if rule.type not in MONITOR_RULE_TYPES
    }


def coverage(state: RepoState, outcomes: list[CaseOutcome]) -> list[str]:
    """policy/rule ids whose result no case asserts (built-in rules are not counted): a rule
    that merely ran in a case is not covered, one whose expected result is written down is."""
    exercised = {key for o in outcomes for key in o.exercised if not key.startswith(BUILTIN_POLICY)}
    return sorted(all_rules(state) - exercised)
