"""load: one file's bytes -> a validated document, or every problem with file:line:col and field."""

from __future__ import annotations

import pytest
from conftest import CHURN_MODEL, valid_files

from modelops_gitops.kinds import Lifecycle, Model, Policy, Repository, Teams, Waiver
from modelops_gitops.problems import Problem
from modelops_gitops.repo.load import expected_kinds, load_document, locate

MODEL = "models/churn/model.yaml"
SCAFFOLD = {k: v.decode() for k, v in valid_files().items() if isinstance(v, bytes)}
POLICY_HEAD = (
    "apiVersion: modelops-gitops/v1\nkind: Policy\nmetadata:\n  name: p\nspec:\n  rules:\n"
)


def problems_of(file: str, text: str | bytes) -> list[str]:
    raw = text.encode() if isinstance(text, str) else text
    doc, problems = load_document(file, raw)
    assert (doc is None) == bool(problems)
    return [str(p) for p in problems]


def model_problems(old: str, new: str) -> list[str]:
    assert CHURN_MODEL.count(old) == 1
    return problems_of(MODEL, CHURN_MODEL.replace(old, new))


def rule_problems(rule: str) -> list[str]:
    return problems_of("policies/p.yaml", POLICY_HEAD + rule)


@pytest.mark.parametrize(
    ("file", "kind"),
    [
        ("modelops.yaml", Repository),
        ("policies/lifecycle.yaml", Lifecycle),
        ("policies/teams.yaml", Teams),
        ("policies/production.yaml", Policy),
    ],
)
def test_scaffold_documents_load(file: str, kind: type) -> None:
    doc, problems = load_document(file, SCAFFOLD[file].encode())
    assert problems == []
    assert isinstance(doc, kind)


def test_a_model_and_a_waiver_load() -> None:
    doc, problems = load_document(MODEL, CHURN_MODEL.encode())
    assert problems == []
    assert isinstance(doc, Model)
    assert doc.spec.stages == {"staging": "1.1.0", "production": "1.0.0"}
    assert doc.spec.versions[0].training.params == {"max_depth": 4, "fit_intercept": True}
    waiver = (
        "apiVersion: modelops-gitops/v1\nkind: Waiver\nmetadata: {name: w}\n"
        "spec: {model: churn, policy: p, rule: r, reason: because, expires: 2030-01-31}\n"
    )
    doc, problems = load_document("policies/w.yaml", waiver.encode())
    assert problems == []
    assert isinstance(doc, Waiver)
    assert str(doc.spec.expires) == "2030-01-31"


def test_expected_kinds_by_place() -> None:
    assert expected_kinds("modelops.yaml") == ("Repository",)
    assert expected_kinds("models/churn/model.yaml") == ("Model",)
    assert expected_kinds("policies/x.yaml") == ("Lifecycle", "Teams", "Policy", "Waiver")


def test_unknown_and_missing_fields() -> None:
    assert model_problems("  risk_tier: medium", "  risk_teir: medium") == [
        f"{MODEL}:8:1: spec.risk_tier: required field is missing",
        f"{MODEL}:10:3: spec.risk_teir: unknown field (did you mean 'risk_tier'?)",
    ]


def test_every_problem_of_a_file_is_reported_in_order() -> None:
    text = CHURN_MODEL.replace("sha256: " + "a" * 64, "sha256: A1").replace(
        "risk_tier: medium", "risk_tier: extreme"
    )
    assert problems_of(MODEL, text) == [
        f"{MODEL}:10:3: spec.risk_tier: Input should be 'low', 'medium' or 'high'",
        f"{MODEL}:22:9: spec.versions[0].artifact.sha256: "
        "not a sha256 digest (64 lowercase hex characters): 'A1'",
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("  name: churn", "  name: Churn", "metadata.name: not a lowercase DNS label"),
        ("  name: churn", "  name: -churn", "metadata.name: not a lowercase DNS label"),
        (
            "- version: 1.0.0",
            "- version: 1.0.0.0",
            "not a semantic version (MAJOR.MINOR.PATCH): '1.0.0.0'",
        ),
        ("- version: 1.0.0", "- version: '01.0.0'", "not a semantic version"),
        (
            "        params:",
            "        code_commit: abc\n        params:",
            "spec.versions[0].training.code_commit: not a full git commit id",
        ),
        ("owner: ml-team", "owner: 7", "spec.owner: expected a string, found 7: quote it"),
        ("target: churned", "target: true", "spec.target: expected a string, found True: quote it"),
        (
            "- version: 1.0.0",
            "- version: 1.0",
            "spec.versions[0].version: expected a string, found 1.0: quote it",
        ),
        ("path: artifacts/churn/1.0.0/model.skops", "path: ''", "artifact.path: empty path"),
        (
            "path: artifacts/churn/1.0.0/model.skops",
            'path: "artifacts\\\\model.skops"',
            "artifact.path: path must use '/' and hold no NUL or backslash",
        ),
        (
            "a" * 64 + "\n        format: skops",
            "a" * 64 + "\n        format: pickle5",
            "artifact.format: Input should be",
        ),
        (
            "roc_auc: 0.81",
            "roc_auc: high",
            "spec.versions[0].metrics.roc_auc: Input should be a valid number",
        ),
    ],
)
def test_field_messages(old: str, new: str, expected: str) -> None:
    problems = model_problems(old, new)
    assert len(problems) == 1, problems
    assert expected in problems[0]
    assert problems[0].startswith(f"{MODEL}:")


@pytest.mark.parametrize(
    "spelling",
    [
        "yes",
        "Yes",
        "YES",
        "no",
        "No",
        "NO",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
        "y",
        "Y",
        "n",
        "N",
    ],
)
def test_yaml_1_1_booleans_are_explained(spelling: str) -> None:
    problems = model_problems(
        "      metrics: {roc_auc: 0.83",
        f"      deprecated: {spelling}\n      metrics: {{roc_auc: 0.83",
    )
    assert problems == [
        f"{MODEL}:38:7: spec.versions[1].deprecated: "
        f"{spelling!r} is not a boolean in YAML 1.2: write true or false"
    ]


def test_a_quoted_boolean_is_a_string_not_a_boolean() -> None:
    problems = model_problems(
        "      metrics: {roc_auc: 0.83", "      deprecated: 'true'\n      metrics: {roc_auc: 0.83"
    )
    assert problems == [
        f"{MODEL}:38:7: spec.versions[1].deprecated: Input should be a valid boolean"
    ]


def test_rule_errors_name_the_rule_not_its_type_tag() -> None:
    """pydantic puts the discriminator ('approvals') in the error location; the YAML has no
    such key, so the field path must skip it."""
    assert rule_problems("    - type: approvals\n      minimum: 2\n") == [
        "policies/p.yaml:8:7: spec.rules[0].minimum: unknown field (did you mean 'min'?; known:"
        " allow_pushers, allow_stale, description, each_team, enforcement, id, min, teams, type)"
    ]
    assert rule_problems("    - type: approvals\n      min: 0\n") == [
        "policies/p.yaml:8:7: spec.rules[0].min: Input should be greater than or equal to 1"
    ]
    assert rule_problems("    - type: freeze\n      weekly: [{days: [someday]}]\n") == [
        "policies/p.yaml:8:24: spec.rules[0].weekly[0].days[0]: "
        "Input should be 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' or 'sun'"
    ]


def test_rule_without_a_known_type() -> None:
    (problem,) = rule_problems("    - type: artefact\n")
    assert problem.startswith("policies/p.yaml:7:7: spec.rules[0]: ")
    assert "'artefact'" in problem
    (problem,) = rule_problems("    - min: 2\n")
    assert problem.startswith("policies/p.yaml:7:7: spec.rules[0]: ")


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("    - type: previous_stage\n      stage: staging\n      min_soak: 24h\n", []),
        ("    - type: previous_stage\n      stage: staging\n      min_soak: P1DT2H\n", []),
        (
            "    - type: previous_stage\n      stage: staging\n      min_soak: soon\n",
            ["policies/p.yaml:9:7: spec.rules[0].min_soak: Input should be a valid timedelta"],
        ),
        (
            "    - type: freeze\n      windows: [{start: 2024-02-30, end: 2024-03-01}]\n",
            [
                "policies/p.yaml:8:18: spec.rules[0].windows[0].start: Input should be a valid datetime"
            ],
        ),
    ],
)
def test_durations_and_dates(rule: str, expected: list[str]) -> None:
    problems = rule_problems(rule)
    assert len(problems) == len(expected)
    for problem, prefix in zip(problems, expected, strict=True):
        assert problem.startswith(prefix)


def test_model_name_must_equal_its_folder() -> None:
    assert problems_of("models/attrition/model.yaml", CHURN_MODEL) == [
        "models/attrition/model.yaml:5:3: metadata.name: "
        "must equal the folder name 'attrition', found 'churn'"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "1:1: the file is empty: expected a document with apiVersion and kind"),
        ("~\n", "1:1: the file is empty"),
        ("- a\n", "1:1: expected a mapping at the top level, found list"),
        ("just text\n", "1:1: expected a mapping at the top level, found str"),
        ("kind: Model\n", "1:1: apiVersion: must be 'modelops-gitops/v1', found None"),
        (
            "apiVersion: modelops-gitops/v1\n",
            "1:1: kind: expected kind Model in this file, found None",
        ),
        (
            "apiVersion: modelops-gitops/v1\nkind: [Model]\n",
            "2:1: kind: expected kind Model in this file, found ['Model']",
        ),
    ],
)
def test_what_is_not_a_document(text: str, expected: str) -> None:
    (problem,) = problems_of(MODEL, text)
    assert problem.startswith(f"{MODEL}:{expected}")


def test_yaml_refusals_become_located_problems() -> None:
    assert problems_of(MODEL, "a: 1\na: 2\n") == [f"{MODEL}:2:1: a: duplicate key 'a'"]
    assert problems_of(MODEL, b"a: \xff\n") == [f"{MODEL}:1:4: not valid UTF-8 (byte 0xff)"]


def test_size_limit_is_a_parameter() -> None:
    doc, problems = load_document(MODEL, CHURN_MODEL.encode(), max_bytes=100)
    assert doc is None
    assert problems == [
        Problem(
            MODEL, 0, 0, "", f"file is {len(CHURN_MODEL.encode())} bytes, over the limit of 100"
        )
    ]


def test_locate_puts_later_problems_on_their_lines() -> None:
    problems = locate(
        MODEL,
        CHURN_MODEL.encode(),
        [(("spec", "stages", "staging"), "late"), (("spec", "nowhere", 3), "fallback")],
        1 << 20,
    )
    assert [str(p) for p in problems] == [
        f"{MODEL}:40:5: spec.stages.staging: late",
        f"{MODEL}:8:1: spec.nowhere[3]: fallback",
    ]


def test_an_unknown_field_with_no_close_match_keeps_the_plain_message() -> None:
    assert rule_problems("    - type: approvals\n      zzzz: 2\n") == [
        "policies/p.yaml:8:7: spec.rules[0].zzzz: unknown field (known: allow_pushers, allow_stale, "
        "description, each_team, enforcement, id, min, teams, type)"
    ]


def test_unknown_fields_suggest_from_the_right_place_in_each_kind() -> None:
    """The valid names come from the schema at the unknown key's own mapping: a model's
    metadata, a version, a rule branch chosen by its `type`."""
    from modelops_gitops.repo.field_names import allowed_fields

    data = {"spec": {"rules": [{"type": "freeze", "windws": []}]}}
    assert "windows" in allowed_fields("Policy", data, ("spec", "rules", 0))
    assert "min" not in allowed_fields("Policy", data, ("spec", "rules", 0))
    model = {"spec": {"versions": [{"version": "1.0.0"}]}}
    assert "artifact" in allowed_fields("Model", model, ("spec", "versions", 0))
    assert allowed_fields("Model", {"metadata": {}}, ("metadata",)) == [
        "annotations",
        "labels",
        "name",
    ]
    assert allowed_fields("Model", {}, ()) == ["apiVersion", "kind", "metadata", "spec"]
    assert allowed_fields("Model", model, ("spec", "nowhere", 3)) == []
