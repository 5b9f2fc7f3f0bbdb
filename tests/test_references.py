"""references + facts: checks inside one document, then across documents on facts alone."""

from __future__ import annotations

from conftest import CHURN_MODEL, valid_files
from pydantic import BaseModel

from modelops_gitops.repo.facts import Facts, Ref, cross_check
from modelops_gitops.repo.load import load_document
from modelops_gitops.repo.references import facts_of

HEAD = "apiVersion: modelops-gitops/v1\n"
SCAFFOLD = {k: v.decode() for k, v in valid_files().items() if isinstance(v, bytes)}


def doc(file: str, text: str) -> BaseModel:
    document, problems = load_document(file, text.encode())
    assert problems == [], problems
    assert document is not None
    return document


def facts(file: str, text: str) -> tuple[Facts, list[tuple[tuple[str | int, ...], str]]]:
    return facts_of(file, doc(file, text))


def policy(rules: str, selector: str = "") -> str:
    return f"{HEAD}kind: Policy\nmetadata: {{name: p}}\nspec:\n{selector}  rules:\n{rules}"


def lifecycle(stages: str, transitions: str = "") -> str:
    return f"{HEAD}kind: Lifecycle\nmetadata: {{name: l}}\nspec:\n  stages:\n{stages}{transitions}"


# -- facts of one document -----------------------------------------------------------------------


def test_model_facts() -> None:
    found, issues = facts("models/churn/model.yaml", CHURN_MODEL)
    assert issues == []
    assert (found.kind, found.name, found.provides) == ("Model", "churn", ())
    assert found.refs == (
        Ref(("spec", "owner"), "team", "ml-team"),
        Ref(("spec", "stages", "staging"), "stage", "staging"),
        Ref(("spec", "stages", "production"), "stage", "production"),
    )


def test_model_stage_issues() -> None:
    text = CHURN_MODEL.replace("staging: 1.1.0", "staging: 3.0.0").replace(
        "      metrics: {roc_auc: 0.81", "      deprecated: true\n      metrics: {roc_auc: 0.81"
    )
    _, issues = facts("models/churn/model.yaml", text)
    assert issues == [
        (("spec", "stages", "staging"), "version 3.0.0 is not registered (known: 1.0.0, 1.1.0)"),
        (("spec", "stages", "production"), "version 1.0.0 is deprecated"),
    ]


def test_duplicate_versions() -> None:
    text = CHURN_MODEL.replace("- version: 1.1.0", "- version: 1.0.0").replace(
        "staging: 1.1.0", "staging: 1.0.0"
    )
    _, issues = facts("models/churn/model.yaml", text)
    assert issues == [(("spec", "versions", 1, "version"), "version '1.0.0' is defined twice")]


def test_policy_facts_provide_rule_ids_and_reference_teams_and_stages() -> None:
    text = policy(
        "    - {type: approvals, teams: [a, b]}\n"
        "    - {type: previous_stage, stage: staging}\n"
        "    - {type: freeze, id: holidays, override_team: oncall, timezone: Europe/Berlin}\n"
        "    - {type: documentation, id: card, fields: [limitations]}\n",
        selector="  selector: {stages: [production]}\n",
    )
    found, issues = facts("policies/p.yaml", text)
    assert issues == []
    assert found.provides == ("approvals", "previous-stage", "holidays", "card")
    assert set(found.refs) == {
        Ref(("spec", "selector", "stages", 0), "stage", "production"),
        Ref(("spec", "rules", 0, "teams", 0), "team", "a"),
        Ref(("spec", "rules", 0, "teams", 1), "team", "b"),
        Ref(("spec", "rules", 1, "stage"), "stage", "staging"),
        Ref(("spec", "rules", 2, "override_team"), "team", "oncall"),
    }


def test_policy_issues() -> None:
    text = policy(
        "    - {type: artifact}\n"
        "    - {type: artifact, formats: [onnx]}\n"
        "    - {type: require, schema: {type: object, minProperties: -1}}\n"
        "    - {type: freeze, id: f1, timezone: Moon/Base}\n"
        "    - {type: freeze, id: f2, windows: [{start: 2024-12-24, end: 2024-12-24}]}\n"
        "    - {type: require, id: ok, schema: {type: object, required: [spec]}}\n"
    )
    _, issues = facts("policies/p.yaml", text)
    assert issues == [
        (("spec", "rules", 1, "id"), "rule id 'artifact' is defined twice"),
        (
            ("spec", "rules", 2, "schema"),
            "not a valid JSON Schema: -1 is less than the minimum of 0",
        ),
        (("spec", "rules", 3, "timezone"), "unknown time zone 'Moon/Base'"),
        (("spec", "rules", 4, "windows", 0, "end"), "the window ends before it starts"),
    ]


def test_freeze_window_with_a_date_and_a_zoned_datetime() -> None:
    text = policy(
        "    - type: freeze\n"
        "      windows: [{start: 2024-12-20, end: '2024-12-21T10:00:00+01:00'}]\n"
    )
    assert facts("policies/p.yaml", text)[1] == []


def test_waiver_facts() -> None:
    text = (
        f"{HEAD}kind: Waiver\nmetadata: {{name: w}}\n"
        "spec: {model: churn, policy: production, rule: card, reason: r, expires: 2030-01-01}\n"
    )
    found, issues = facts("policies/w.yaml", text)
    assert issues == []
    assert found.refs == (
        Ref(("spec", "model"), "model", "churn"),
        Ref(("spec", "policy"), "policy", "production"),
        Ref(("spec", "rule"), "rule", "card", scope="production"),
    )


def test_lifecycle_facts_and_issues() -> None:
    found, issues = facts("policies/lifecycle.yaml", SCAFFOLD["policies/lifecycle.yaml"])
    assert issues == []
    assert found.provides == ("development", "staging", "production")
    text = lifecycle(
        "    - {name: dev}\n"
        "    - {name: dev}\n"
        "    - {name: prod, requires: qa}\n"
        "    - {name: canary, min_soak: 1h}\n",
        "  transitions:\n    - {from: none, to: dev}\n    - {from: qa, to: uat}\n",
    )
    _, issues = facts("policies/l.yaml", text)
    assert issues == [
        (("spec", "stages", 1, "name"), "stage 'dev' is defined twice"),
        (("spec", "stages", 2, "requires"), "unknown stage 'qa' (known: canary, dev, prod)"),
        (("spec", "stages", 3, "min_soak"), "min_soak needs `requires`"),
        (("spec", "transitions", 1, "from"), "unknown stage 'qa' (known: canary, dev, prod)"),
        (("spec", "transitions", 1, "to"), "unknown stage 'uat' (known: canary, dev, prod)"),
    ]


def test_teams_facts_and_duplicates() -> None:
    found, issues = facts("policies/teams.yaml", SCAFFOLD["policies/teams.yaml"])
    assert issues == []
    assert found.provides == ("ml-team", "model-risk", "governance", "platform")
    text = f"{HEAD}kind: Teams\nmetadata: {{name: t}}\nspec:\n  teams: [{{name: a}}, {{name: a}}]\n"
    assert facts("policies/t.yaml", text)[1] == [
        (("spec", "teams", 1, "name"), "team 'a' is defined twice")
    ]


def test_repository_facts() -> None:
    found, issues = facts("modelops.yaml", SCAFFOLD["modelops.yaml"])
    assert (found.kind, found.name, found.refs, issues) == ("Repository", "models", (), [])


# -- across documents ---------------------------------------------------------------------------


def base() -> list[Facts]:
    return [
        Facts("policies/lifecycle.yaml", "Lifecycle", "l", provides=("staging", "production")),
        Facts("policies/teams.yaml", "Teams", "t", provides=("ml-team",)),
        Facts("policies/prod.yaml", "Policy", "prod", provides=("approvals", "card")),
        Facts("models/churn/model.yaml", "Model", "churn"),
    ]


def with_refs(*refs: Ref) -> Facts:
    return Facts("policies/x.yaml", "Waiver", "x", refs=refs)


def test_every_reference_that_resolves_is_fine() -> None:
    refs = (
        Ref(("a",), "stage", "staging"),
        Ref(("b",), "team", "ml-team"),
        Ref(("c",), "model", "churn"),
        Ref(("d",), "policy", "prod"),
        Ref(("e",), "rule", "card", scope="prod"),
    )
    assert cross_check([*base(), with_refs(*refs)]) == {}


def test_unresolved_references_are_named() -> None:
    refs = (
        Ref(("a",), "stage", "qa"),
        Ref(("b",), "team", "risk"),
        Ref(("c",), "model", "fraud"),
        Ref(("d",), "policy", "dev"),
        Ref(("e",), "rule", "fairness", scope="prod"),
    )
    assert cross_check([*base(), with_refs(*refs)]) == {
        "policies/x.yaml": [
            (("a",), "unknown stage 'qa', not in the Lifecycle (known: production, staging)"),
            (("b",), "unknown team 'risk', not in policies/teams.yaml (known: ml-team)"),
            (("c",), "unknown model 'fraud', not in models/ (known: churn)"),
            (("d",), "unknown policy 'dev', not in the policies (known: prod)"),
            (("e",), "policy 'prod' has no rule 'fairness'"),
        ]
    }


def test_a_rule_of_an_unknown_policy_is_reported_once() -> None:
    refs = (Ref(("p",), "policy", "dev"), Ref(("r",), "rule", "card", scope="dev"))
    assert cross_check([*base(), with_refs(*refs)]) == {
        "policies/x.yaml": [(("p",), "unknown policy 'dev', not in the policies (known: prod)")]
    }


def test_models_that_were_not_loaded_can_still_exist() -> None:
    found = [*base(), with_refs(Ref(("m",), "model", "fraud"))]
    assert cross_check(found, model_exists={"fraud"}.__contains__) == {}


def test_without_a_lifecycle_or_teams_their_references_are_not_doubted() -> None:
    """A broken lifecycle file is reported on its own; every stage is not also 'unknown'."""
    found = [f for f in base() if f.kind not in ("Lifecycle", "Teams")]
    found.append(with_refs(Ref(("a",), "stage", "qa"), Ref(("b",), "team", "risk")))
    assert cross_check(found) == {}


def test_singletons_and_duplicate_names() -> None:
    found = [
        *base(),
        Facts("policies/z-lifecycle.yaml", "Lifecycle", "l2", provides=("qa",)),
        Facts("policies/z-teams.yaml", "Teams", "t2"),
        Facts("policies/prod-2.yaml", "Policy", "prod"),
        Facts("policies/w1.yaml", "Waiver", "w"),
        Facts("policies/w2.yaml", "Waiver", "w"),
    ]
    issues = cross_check(found)
    assert issues["policies/z-lifecycle.yaml"] == [
        (("kind",), "a second Lifecycle document (first in policies/lifecycle.yaml)")
    ]
    assert issues["policies/z-teams.yaml"] == [
        (("kind",), "a second Teams document (first in policies/teams.yaml)")
    ]
    for file, kind, name in [
        ("policies/prod.yaml", "Policy", "prod"),
        ("policies/prod-2.yaml", "Policy", "prod"),
        ("policies/w1.yaml", "Waiver", "w"),
        ("policies/w2.yaml", "Waiver", "w"),
    ]:
        assert issues[file] == [(("metadata", "name"), f"{kind} name {name!r} is used twice")]
