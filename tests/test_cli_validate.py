"""`modelops-gitops validate` end to end: one test per kind of bad input, through the real CLI.

Every scenario is a real git repository (conftest.make_repo): the valid scaffold plus one
model, with one file changed. Each test asserts exit code 2, a `file:line:col: field: message`
line, no traceback, and that nothing in the repository was written (only the cache under
.git/modelops-gitops may change).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import (
    CHURN_MODEL,
    PROJECT_ROOT,
    Result,
    make_repo,
    run_script,
    snapshot,
    valid_files,
)

from modelops_gitops.repo.load import load_document

Cli = Callable[..., Result]
MODEL = "models/churn/model.yaml"
SCAFFOLD = {k: v.decode() for k, v in valid_files().items() if isinstance(v, bytes)}
PRODUCTION = SCAFFOLD["policies/production.yaml"]
SETTINGS = SCAFFOLD["modelops.yaml"]
WAIVER = """\
apiVersion: modelops-gitops/v1
kind: Waiver
metadata:
  name: churn-card
spec:
  model: churn
  policy: production
  rule: documentation
  reason: The model card is being rewritten this sprint.
  expires: 2030-01-31
"""


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} must occur exactly once"
    return text.replace(old, new)


def model(old: str, new: str) -> str:
    return edit(CHURN_MODEL, old, new)


def production_rule(rule: str) -> str:
    """The scaffold's production policy with one more rule before `artifact`."""
    return edit(PRODUCTION, "    - type: artifact\n", f"{rule}    - type: artifact\n")


@dataclass(frozen=True)
class Bad:
    """`files` replace the valid ones; the problem is reported in `file` where `at` starts
    (None: the file as a whole), with `field` and a message containing `message`."""

    file: str
    files: dict[str, str | bytes]
    at: str | None
    field: str
    message: str
    remove: tuple[str, ...] = ()


def bad_model(at: str | None, fld: str, message: str, content: str | bytes) -> Bad:
    return Bad(MODEL, {MODEL: content}, at, fld, message)


def bad_policy(at: str, fld: str, message: str, content: str) -> Bad:
    return Bad("policies/production.yaml", {"policies/production.yaml": content}, at, fld, message)


def bad_waiver(at: str, fld: str, message: str, content: str) -> Bad:
    return Bad(
        "policies/waiver-churn.yaml", {"policies/waiver-churn.yaml": content}, at, fld, message
    )


DEEP = "[" * 40 + "]" * 40
PADDED = CHURN_MODEL + "# padding\n" * 150  # 3,000+ bytes

CASES: dict[str, Bad] = {
    # -- what YAML can hide --------------------------------------------------------------
    "duplicate_key": bad_model(
        "owner: data-team",
        "spec.owner",
        "duplicate key 'owner'",
        model("  target: churned\n", "  target: churned\n  owner: data-team\n"),
    ),
    "anchor": bad_model(
        "&card",
        "spec.card",
        "YAML anchors are not allowed (&card)",
        model("  card:\n", "  card: &card\n"),
    ),
    "alias": bad_model(
        "*card",
        "spec.description",
        "YAML aliases are not allowed (*card)",
        model("  description: Predicts which customers leave next month.", "  description: *card"),
    ),
    "python_object_tag": bad_model(
        "!!python",
        "spec.target",
        "YAML tags are not allowed (tag:yaml.org,2002:python/object/apply:os.system)",
        model("  target: churned", "  target: !!python/object/apply:os.system [echo pwned]"),
    ),
    "custom_tag": bad_model(
        "!vault",
        "spec.target",
        "YAML tags are not allowed (!vault)",
        model("  target: churned", "  target: !vault churned"),
    ),
    "non_utf8_bytes": bad_model(
        "\xe9",
        "",
        "not valid UTF-8 (byte 0xe9)",
        model("Predicts which", "Pr\xe9dicts which").encode("latin-1"),
    ),
    "control_character": bad_model(
        "\x00",
        "",
        "invalid YAML: control characters are not allowed (character 0x00)",
        model("target: churned", "target: ch\x00urned"),
    ),
    "yaml_syntax_error": bad_model(
        ": churned",
        "",
        "invalid YAML: did not find expected ',' or ']'",
        model("  task: binary_classification", "  task: [binary_classification"),
    ),
    "file_over_size_limit": Bad(
        MODEL,
        {
            MODEL: PADDED,
            "modelops.yaml": edit(
                SETTINGS, "  timezone: UTC\n", "  timezone: UTC\n  max_file_bytes: 2048\n"
            ),
        },
        None,
        "",
        f"file is {len(PADDED)} bytes, over the limit of 2048",
    ),
    "yaml11_no_where_boolean_expected": bad_model(
        "deprecated: no",
        "spec.versions[1].deprecated",
        "'no' is not a boolean in YAML 1.2: write true or false",
        model(
            "      metrics: {roc_auc: 0.83", "      deprecated: no\n      metrics: {roc_auc: 0.83"
        ),
    ),
    "yaml11_on_where_boolean_expected": bad_policy(
        "reproduce: on",
        "spec.rules[4].reproduce",
        "'on' is not a boolean in YAML 1.2: write true or false",
        edit(PRODUCTION, "reproduce: true", "reproduce: on"),
    ),
    "nesting_too_deep": bad_model(
        "[" * 11 + "]",
        "metadata.labels.domain[0][0]",
        "nested deeper than 32 levels",
        model("domain: retention", f"domain: {DEEP}"),
    ),
    "two_documents": bad_model(
        "---",
        "",
        "more than one YAML document in the file",
        CHURN_MODEL + "---\napiVersion: modelops-gitops/v1\n",
    ),
    "non_string_key": bad_model(
        "1: retention",
        "metadata.labels",
        "mapping keys must be strings, not 1",
        model("domain: retention", "1: retention"),
    ),
    "empty_file": bad_model("", "", "the file is empty", ""),
    "top_level_list": bad_model(
        "- apiVersion",
        "",
        "expected a mapping at the top level, found list",
        "- apiVersion: modelops-gitops/v1\n- kind: Model\n",
    ),
    # -- the shape of a document ---------------------------------------------------------------
    "unknown_field_typo": bad_model(
        "risk_teir",
        "spec.risk_teir",
        "unknown field (did you mean 'risk_tier'?)",
        model("  risk_tier: medium", "  risk_teir: medium"),
    ),
    "missing_required_field": bad_model(
        "spec:", "spec.target", "required field is missing", model("  target: churned\n", "")
    ),
    "wrong_api_version": bad_model(
        "apiVersion",
        "apiVersion",
        "must be 'modelops-gitops/v1', found 'modelops-gitops/v2'",
        model("apiVersion: modelops-gitops/v1", "apiVersion: modelops-gitops/v2"),
    ),
    "wrong_kind_for_place": bad_model(
        "kind:",
        "kind",
        "expected kind Model in this file, found 'Lifecycle'",
        model("kind: Model", "kind: Lifecycle"),
    ),
    "model_under_policies": Bad(
        "policies/churn.yaml",
        {"policies/churn.yaml": CHURN_MODEL},
        "kind:",
        "kind",
        "expected kind Lifecycle or Teams or Policy or Waiver in this file, found 'Model'",
    ),
    "model_name_not_folder": bad_model(
        "name: attrition",
        "metadata.name",
        "must equal the folder name 'churn', found 'attrition'",
        model("  name: churn", "  name: attrition"),
    ),
    "name_not_dns_label": bad_model(
        "name: Churn_Model",
        "metadata.name",
        "not a lowercase DNS label (a-z, 0-9, '-', at most 63): 'Churn_Model'",
        model("  name: churn", "  name: Churn_Model"),
    ),
    "invalid_semver": bad_model(
        "version: v1.1",
        "spec.versions[1].version",
        "not a semantic version (MAJOR.MINOR.PATCH): 'v1.1'",
        model("- version: 1.1.0", "- version: v1.1"),
    ),
    "float_where_version_expected": bad_model(
        "version: 1.0\n",
        "spec.versions[1].version",
        "expected a string, found 1.0: quote it",
        model("- version: 1.1.0", "- version: 1.0"),
    ),
    "float_where_stage_version_expected": bad_model(
        "staging: 1.1\n",
        "spec.stages.staging",
        "expected a string, found 1.1: quote it",
        model("staging: 1.1.0", "staging: 1.1"),
    ),
    "bad_sha256": bad_model(
        "sha256: abc123",
        "spec.versions[0].artifact.sha256",
        "not a sha256 digest (64 lowercase hex characters): 'abc123'",
        model("sha256: " + "a" * 64, "sha256: abc123"),
    ),
    "absolute_path": bad_model(
        "path: /srv",
        "spec.versions[0].artifact.path",
        "path must be relative to the repository, not absolute",
        model("path: artifacts/churn/1.0.0/", "path: /srv/churn/1.0.0/"),
    ),
    "dotdot_path": bad_model(
        "path: ../",
        "spec.versions[0].artifact.path",
        "path must stay inside the repository ('..' is not allowed)",
        model("path: artifacts/churn/1.0.0/", "path: ../elsewhere/1.0.0/"),
    ),
    "file_uri": bad_model(
        "path: file:",
        "spec.versions[0].artifact.path",
        "file:// URIs are not allowed",
        model("path: artifacts/churn/1.0.0/model.skops", "path: file:///etc/passwd"),
    ),
    "unknown_rule_type": bad_policy(
        "type: artefact",
        "spec.rules[3]",
        "'artefact'",
        edit(PRODUCTION, "- type: artifact", "- type: artefact"),
    ),
    "unknown_time_zone_settings": Bad(
        "modelops.yaml",
        {"modelops.yaml": edit(SETTINGS, "timezone: UTC", "timezone: Mars/Olympus_Mons")},
        "timezone:",
        "spec.timezone",
        "unknown time zone 'Mars/Olympus_Mons'",
    ),
    # -- checks inside one document ------------------------------------------------------------
    "duplicate_version": bad_model(
        "version: 1.0.0  # again",
        "spec.versions[1].version",
        "version '1.0.0' is defined twice",
        model("- version: 1.1.0", "- version: 1.0.0  # again"),
    ),
    "stage_names_unregistered_version": bad_model(
        "staging: 2.0.0",
        "spec.stages.staging",
        "version 2.0.0 is not registered",
        model("staging: 1.1.0", "staging: 2.0.0"),
    ),
    "stage_names_deprecated_version": bad_model(
        "production: 1.0.0",
        "spec.stages.production",
        "version 1.0.0 is deprecated",
        model(
            "      metrics: {roc_auc: 0.81", "      deprecated: true\n      metrics: {roc_auc: 0.81"
        ),
    ),
    "duplicate_rule_id": bad_policy(
        "id: artifact",
        "spec.rules[4].id",
        "rule id 'artifact' is defined twice",
        edit(
            PRODUCTION,
            "    - type: test\n",
            "    - type: documentation\n      id: artifact\n      fields: [contact]\n"
            "    - type: test\n",
        ),
    ),
    "invalid_json_schema_in_require": bad_policy(
        "schema: {type: banana}",
        "spec.rules[3].schema",
        "not a valid JSON Schema: 'banana' is not valid under any of the given schemas",
        production_rule("    - type: require\n      schema: {type: banana}\n"),
    ),
    "unknown_time_zone_freeze": bad_policy(
        "timezone: Europe",
        "spec.rules[3].timezone",
        "unknown time zone 'Europe/Atlantis'",
        production_rule("    - type: freeze\n      timezone: Europe/Atlantis\n"),
    ),
    "freeze_window_ends_before_start": bad_policy(
        "end: 2024-12-01",
        "spec.rules[3].windows[0].end",
        "the window ends before it starts",
        production_rule(
            "    - type: freeze\n      windows: [{start: 2024-12-20, end: 2024-12-01}]\n"
        ),
    ),
    # -- across documents ----------------------------------------------------------------------
    "unknown_owner_team": bad_model(
        "owner: data-team",
        "spec.owner",
        "unknown team 'data-team', not in policies/teams.yaml (did you mean 'ml-team'?; known: governance, ml-team, model-risk, platform)",
        model("owner: ml-team", "owner: data-team"),
    ),
    "stage_not_in_lifecycle": bad_model(
        "canary: 1.1.0",
        "spec.stages.canary",
        "unknown stage 'canary', not in the Lifecycle (known: development, production, staging)",
        model("staging: 1.1.0", "canary: 1.1.0"),
    ),
    "policy_selects_unknown_stage": bad_policy(
        "prod]",
        "spec.selector.stages[0]",
        "unknown stage 'prod', not in the Lifecycle (did you mean 'production'?; known: development, production, staging)",
        edit(PRODUCTION, "stages: [production]", "stages: [prod]"),
    ),
    "policy_names_unknown_team": bad_policy(
        "risk]",
        "spec.rules[0].teams[0]",
        "unknown team 'risk', not in policies/teams.yaml (known: governance, ml-team, model-risk, platform)",
        edit(PRODUCTION, "teams: [model-risk]", "teams: [risk]"),
    ),
    "policy_previous_stage_unknown": bad_policy(
        "stage: stagin\n",
        "spec.rules[1].stage",
        "unknown stage 'stagin', not in the Lifecycle (did you mean 'staging'?; known: development, production, staging)",
        edit(PRODUCTION, "stage: staging", "stage: stagin"),
    ),
    "waiver_unknown_policy": bad_waiver(
        "policy: prod\n",
        "spec.policy",
        "unknown policy 'prod', not in the policies (did you mean 'production'?; known: governance, model-changes, platform, production, rollback)",
        edit(WAIVER, "policy: production", "policy: prod"),
    ),
    "waiver_unknown_model": bad_waiver(
        "model: fraud",
        "spec.model",
        "unknown model 'fraud', not in models/ (known: churn)",
        edit(WAIVER, "model: churn", "model: fraud"),
    ),
    "waiver_unknown_rule": bad_waiver(
        "rule: fairness",
        "spec.rule",
        "policy 'production' has no rule 'fairness'",
        edit(WAIVER, "rule: documentation", "rule: fairness"),
    ),
    "second_lifecycle": Bad(
        "policies/stages.yaml",
        {"policies/stages.yaml": SCAFFOLD["policies/lifecycle.yaml"]},
        "kind:",
        "kind",
        "a second Lifecycle document (first in policies/lifecycle.yaml)",
    ),
    "policy_name_used_twice": Bad(
        "policies/production-copy.yaml",
        {"policies/production-copy.yaml": PRODUCTION},
        "name: production",
        "metadata.name",
        "Policy name 'production' is used twice",
    ),
    "no_lifecycle": Bad(
        "policies",
        {},
        None,
        "",
        "no kind: Lifecycle document found under policies/",
        remove=("policies/lifecycle.yaml",),
    ),
}


def position(content: str | bytes, marker: str) -> tuple[int, int]:
    text = content.decode("latin-1") if isinstance(content, bytes) else content
    index = text.index(marker) + (1 if marker.startswith("\n") else 0)
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def expected_prefix(case: Bad) -> str:
    if case.at is None:
        return f"{case.file}: "
    line, column = position(case.files[case.file], case.at)
    return f"{case.file}:{line}:{column}: " + (f"{case.field}" if case.field else "")


def scenario(tmp_path: Path, case: Bad) -> Path:
    files = valid_files()
    if "waiver" in case.file:
        files["policies/waiver-churn.yaml"] = WAIVER
    files.update(case.files)
    for path in case.remove:
        del files[path]
    return make_repo(tmp_path, files)


def problem_lines(result: Result) -> list[str]:
    return [line for line in result.out.splitlines() if not line.startswith("validate: ")]


def assert_failed_cleanly(result: Result) -> None:
    assert result.code == 2, result
    assert "Traceback" not in result.output
    assert "internal error" not in result.output


def test_the_valid_scenario_is_valid(tmp_path: Path, cli: Cli) -> None:
    repo = make_repo(tmp_path, {**valid_files(), "policies/waiver-churn.yaml": WAIVER})
    result = cli("validate", "--repo", str(repo))
    assert result.code == 0, result
    assert result.out == "validate: 10 files valid\n"


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_input_is_reported_with_file_line_and_field(
    tmp_path: Path, cli: Cli, case: Bad
) -> None:
    repo = scenario(tmp_path, case)
    before = snapshot(repo)
    result = cli("validate", "--repo", str(repo))
    assert_failed_cleanly(result)
    prefix = expected_prefix(case)
    lines = [line for line in problem_lines(result) if line.startswith(prefix)]
    assert lines, f"no line starts with {prefix!r}:\n{result.out}"
    assert any(case.message in line for line in lines), result.out
    assert re.search(r"validate: \d+ problem\(s\) in \d+ file\(s\)$", result.out.strip())
    assert snapshot(repo) == before


def test_a_missing_path_of_any_kind_is_bad_input_not_all_valid(tmp_path: Path, cli: Cli) -> None:
    """A mistyped path (YAML or not) must not read as 'N files valid': nothing was checked."""
    repo = make_repo(tmp_path, valid_files())
    result = cli("validate", "--repo", str(repo), str(repo / "$(touch"), str(repo / "x)"))
    assert_failed_cleanly(result)
    assert "$(touch:0:0: no such file" in result.out or "$(touch: no such file" in result.out
    assert "files valid" not in result.output
    assert not (repo / "x").exists()


def test_unknown_field_also_names_the_required_field_it_replaced(tmp_path: Path, cli: Cli) -> None:
    """A typo shows twice: the unknown key, and the required key it was meant to be."""
    case = CASES["unknown_field_typo"]
    result = cli("validate", "--repo", str(scenario(tmp_path, case)))
    assert problem_lines(result) == [
        f"{MODEL}:8:1: spec.risk_tier: required field is missing",
        f"{MODEL}:10:3: spec.risk_teir: unknown field (did you mean 'risk_tier'?)",
    ]


def test_on_where_a_string_is_expected_stays_a_string(tmp_path: Path, cli: Cli) -> None:
    content = model("domain: retention", "domain: on")
    repo = make_repo(tmp_path, {**valid_files(), MODEL: content})
    result = cli("validate", "--repo", str(repo))
    assert result.code == 0, result
    doc, problems = load_document(MODEL, content.encode())
    assert problems == []
    assert doc is not None
    assert doc.metadata.labels == {"domain": "on"}  # type: ignore[attr-defined]


def test_symlink_out_of_the_repository_is_refused(tmp_path: Path, cli: Cli) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(CHURN_MODEL)
    files = valid_files()
    del files[MODEL]
    repo = make_repo(tmp_path, files)
    (repo / "models" / "churn").mkdir(parents=True)
    (repo / MODEL).symlink_to(outside)
    before = snapshot(repo)
    result = cli("validate", "--repo", str(repo))
    assert_failed_cleanly(result)
    assert f"{MODEL}: symlink points outside the repository ({outside})" in result.out
    assert snapshot(repo) == before


def test_symlinked_parent_folder_out_of_the_repository_is_refused(tmp_path: Path, cli: Cli) -> None:
    outside = tmp_path / "elsewhere"
    (outside / "churn").mkdir(parents=True)
    (outside / "churn" / "model.yaml").write_text(CHURN_MODEL)
    files = valid_files()
    del files[MODEL]
    repo = make_repo(tmp_path, files)
    (repo / "models").mkdir()
    (repo / "models" / "churn").symlink_to(outside / "churn")
    result = cli("validate", "--repo", str(repo), MODEL)
    assert result.code == 2, result
    assert "Traceback" not in result.output


def test_symlink_inside_the_repository_is_read(tmp_path: Path, cli: Cli) -> None:
    files = valid_files()
    files["shared/churn.yaml"] = files.pop(MODEL)
    repo = make_repo(tmp_path, files)
    (repo / "models" / "churn").mkdir(parents=True)
    (repo / MODEL).symlink_to("../../shared/churn.yaml")
    assert cli("validate", "--repo", str(repo)).code == 0


def test_dangling_symlink_is_bad_input_not_a_crash(tmp_path: Path, cli: Cli) -> None:
    files = valid_files()
    del files[MODEL]
    repo = make_repo(tmp_path, files)
    (repo / "models" / "churn").mkdir(parents=True)
    (repo / MODEL).symlink_to("gone.yaml")
    result = cli("validate", "--repo", str(repo))
    assert_failed_cleanly(result)
    assert f"{MODEL}: broken symlink (gone.yaml)" in result.out


# -- several problems in one run ----------------------------------------------------------------

SEVERAL: dict[str, str | bytes] = {
    "models/zeta/model.yaml": edit(
        model("  name: churn", "  name: zeta"), "sha256: " + "a" * 64, "sha256: abc123"
    ),
    MODEL: model("owner: ml-team", "owner: data-team").replace(
        "  risk_tier: medium", "  risk_teir: medium"
    ),
    "models/alpha/model.yaml": "apiVersion: modelops-gitops/v1\nkind: Model\nkind: Model\n",
    "policies/production.yaml": edit(PRODUCTION, "teams: [model-risk]", "teams: [risk]"),
}


def several_bad_files(tmp_path: Path) -> Path:
    return make_repo(tmp_path, {**valid_files(), **SEVERAL})


def test_every_problem_in_every_file_is_reported_sorted(tmp_path: Path, cli: Cli) -> None:
    repo = several_bad_files(tmp_path)
    before = snapshot(repo)
    result = cli("validate", "--repo", str(repo))
    assert_failed_cleanly(result)
    assert problem_lines(result) == [
        "models/alpha/model.yaml:3:1: kind: duplicate key 'kind'",
        f"{MODEL}:8:1: spec.risk_tier: required field is missing",
        f"{MODEL}:10:3: spec.risk_teir: unknown field (did you mean 'risk_tier'?)",
        "models/zeta/model.yaml:22:9: spec.versions[0].artifact.sha256: "
        "not a sha256 digest (64 lowercase hex characters): 'abc123'",
        "policies/production.yaml:15:15: spec.rules[0].teams[0]: "
        "unknown team 'risk', not in policies/teams.yaml (known: governance, ml-team, model-risk, platform)",
    ]
    assert result.out.endswith("validate: 5 problem(s) in 4 file(s)\n")
    assert snapshot(repo) == before


def test_json_output_has_the_same_problems_as_objects(tmp_path: Path, cli: Cli) -> None:
    repo = several_bad_files(tmp_path)
    text = cli("validate", "--repo", str(repo))
    result = cli("validate", "--repo", str(repo), "--format", "json")
    assert_failed_cleanly(result)
    body = json.loads(result.out)
    assert body["valid"] is False
    assert body["schema_version"] == 1
    assert body["files"] == 11
    problems = body["problems"]
    assert set(problems[0]) == {"file", "line", "column", "field", "message"}
    rendered = [
        f"{p['file']}:{p['line']}:{p['column']}: {p['field']}: {p['message']}" for p in problems
    ]
    assert rendered == problem_lines(text)
    assert problems == sorted(problems, key=lambda p: (p["file"], p["line"], p["column"]))


def test_json_output_when_valid(valid_repo: Path, cli: Cli) -> None:
    result = cli("validate", "--repo", str(valid_repo), "-f", "json")
    assert result.code == 0
    assert json.loads(result.out) == {
        "schema_version": 1,
        "valid": True,
        "files": 9,
        "problems": [],
    }


def test_unknown_format_is_a_usage_error(valid_repo: Path, cli: Cli) -> None:
    result = cli("validate", "--repo", str(valid_repo), "--format", "xml")
    assert result.code == 2
    assert "--format: expected one of text, json, github, got 'xml'" in result.err


# -- validate PATH... --------------------------------------------------------------------------


def two_models(tmp_path: Path) -> Path:
    """churn names an unknown owner; fraud has a bad digest."""
    fraud = edit(model("  name: churn", "  name: fraud"), "sha256: " + "a" * 64, "sha256: abc123")
    churn = model("owner: ml-team", "owner: data-team")
    return make_repo(tmp_path, {**valid_files(), MODEL: churn, "models/fraud/model.yaml": fraud})


def test_validate_one_file_checks_it_and_what_it_references(tmp_path: Path, cli: Cli) -> None:
    repo = two_models(tmp_path)
    result = cli("validate", "--repo", str(repo), str(repo / MODEL))
    assert_failed_cleanly(result)
    assert problem_lines(result) == [
        f"{MODEL}:9:3: spec.owner: unknown team 'data-team', not in policies/teams.yaml (did you mean 'ml-team'?; known: governance, ml-team, model-risk, platform)"
    ]
    assert "fraud" not in result.out


def test_validate_paths_relative_to_the_current_directory(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The way pre-commit calls the hook: from the top of the repo, repo-relative paths."""
    repo = two_models(tmp_path)
    monkeypatch.chdir(repo)
    (repo / "README.md").write_text("# not a document: passed by pre-commit, ignored\n")
    result = cli("validate", "models/fraud/model.yaml", "README.md")
    assert_failed_cleanly(result)
    assert [line.split(": ")[1] for line in problem_lines(result)] == [
        "spec.versions[0].artifact.sha256"
    ]
    monkeypatch.chdir(repo / "models")
    assert cli("validate", "churn/model.yaml").out.startswith(f"{MODEL}:9:3: spec.owner:")


def test_validate_a_policy_file_checks_every_model_against_it(tmp_path: Path, cli: Cli) -> None:
    """Removing a team in teams.yaml breaks the models it owned: a hook run on teams.yaml alone
    must say so."""
    teams = SCAFFOLD["policies/teams.yaml"].replace("name: ml-team", "name: ml-platform")
    repo = make_repo(tmp_path, {**valid_files(), "policies/teams.yaml": teams})
    result = cli("validate", "--repo", str(repo), str(repo / "policies/teams.yaml"))
    assert_failed_cleanly(result)
    assert f"{MODEL}:9:3: spec.owner: unknown team 'ml-team'" in result.out


def test_validate_a_missing_file(valid_repo: Path, cli: Cli) -> None:
    result = cli("validate", "--repo", str(valid_repo), str(valid_repo / "models/ghost/model.yaml"))
    assert_failed_cleanly(result)
    assert "models/ghost/model.yaml: no such file" in result.out


def test_repo_that_is_not_a_directory(tmp_path: Path, cli: Cli) -> None:
    result = cli("validate", "--repo", str(tmp_path / "nowhere"))
    assert result.code == 2
    assert "--repo: not a directory" in result.err
    assert "Traceback" not in result.output


# -- through the installed console script --------------------------------------------------------


@pytest.mark.parametrize("name", ["non_utf8_bytes", "unknown_owner_team"])
def test_bad_input_through_the_console_script(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    repo = scenario(tmp_path, case)
    before = snapshot(repo, with_git=True)
    result = run_script("validate", "--repo", str(repo))
    assert_failed_cleanly(result)
    assert result.out.startswith(expected_prefix(case)), result.out
    assert case.message in result.out
    after = snapshot(repo, with_git=True)
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    assert all(p.split("/")[:2] == [".git", "modelops-gitops"] for p in changed), changed


def test_symlink_through_the_console_script(tmp_path: Path) -> None:
    files = valid_files()
    del files[MODEL]
    repo = make_repo(tmp_path, files)
    (repo / "models" / "churn").mkdir(parents=True)
    (repo / MODEL).symlink_to(os.devnull)
    result = run_script("validate", "--format", "json", cwd=repo)
    assert_failed_cleanly(result)
    assert json.loads(result.out)["problems"] == [
        {
            "file": MODEL,
            "line": 0,
            "column": 0,
            "field": "",
            "message": f"symlink points outside the repository ({os.devnull})",
        }
    ]


# -- the bundled example -------------------------------------------------------------------------


def test_the_bundled_example_validates(cli: Cli) -> None:
    """The example at the project root (models/, policies/, modelops.yaml, data/, artifacts/).
    This fails, rather than skips, while the example is missing."""
    for part in ("modelops.yaml", "models", "policies"):
        assert (PROJECT_ROOT / part).exists(), f"the bundled example has no {part}"
    result = cli("validate", "--repo", str(PROJECT_ROOT), "--no-cache")
    assert result.code == 0, result
    assert re.fullmatch(r"validate: \d+ files valid\n", result.out)


def test_github_format_annotates_the_lines_of_the_pull_request(
    tmp_path: Path, cli: Callable[..., Result]
) -> None:
    """`--format github`: one workflow command per problem, values escaped as the runner
    expects, so a file name or message cannot inject a second command."""
    from modelops_gitops.commands.validate import github_annotation
    from modelops_gitops.problems import Problem

    problem = Problem("models/a,b:c/model.yaml", 3, 5, "spec.x", "50% bad\n::warning::x")
    assert github_annotation(problem) == (
        "::error file=models/a%2Cb%3Ac/model.yaml,line=3,col=5,title=spec.x"
        "::50%25 bad%0A::warning::x"
    )
    assert github_annotation(Problem("f.yaml", 0, 0, "", "m")) == "::error file=f.yaml::m"


def test_validate_format_github_end_to_end(tmp_path: Path, cli: Cli) -> None:
    target = tmp_path / "models-repo"
    assert cli("init", str(target)).code == 0
    (target / "models/churn").mkdir(parents=True)
    (target / "models/churn/model.yaml").write_text(
        "apiVersion: modelops-gitops/v1\nkind: Model\nmetadata: {name: churn}\nspec: {}\n"
    )
    result = cli("validate", "--repo", str(target), "--format", "github")
    assert result.code == 2
    lines = result.out.splitlines()
    assert lines[0].startswith("::error file=models/churn/model.yaml,line=4,col=")
    assert lines[-1].startswith("validate: ")
    assert cli("validate", "--repo", str(target), "--format", "xml").code == 2
