"""`policy test`: the table-driven cases under policies/tests/, judged by plan's evaluator."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Result, copy_example, snapshot, write_files


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """The bundled example's documents (no data needed: policy tests give gate outcomes)."""
    return copy_example(tmp_path / "example", ("modelops.yaml", "models", "policies"))


def test_bundled_example_cases_pass_with_full_coverage(
    example: Path, cli: Callable[..., Result]
) -> None:
    result = cli("policy", "test", "--repo", str(example), "--require-coverage")
    assert result.code == 0, result.output
    assert "14 passed, 0 failed" in result.out
    assert "every rule is exercised" in result.out


def test_init_writes_a_starter_test_that_passes(tmp_path: Path, cli: Callable[..., Result]) -> None:
    assert cli("init", str(tmp_path / "new")).code == 0
    result = cli("policy", "test", "--repo", str(tmp_path / "new"), "--format", "json")
    body = json.loads(result.out)
    assert result.code == 0, result.output
    assert body["failed"] == 0
    assert body["passed"] == 6
    assert body["uncovered_rules"] == []


def test_a_policy_edit_that_breaks_an_expectation_fails(
    example: Path, cli: Callable[..., Result]
) -> None:
    policy = example / "policies" / "production-high-risk.yaml"
    policy.write_text(policy.read_text().replace("      min: 2\n", "      min: 3\n", 1))
    result = cli("policy", "test", "--repo", str(example))
    assert result.code == 1
    assert "FAIL  policies/tests/production.yaml: credit 1.2.0 to production" in result.out
    assert "production-high-risk/approvals: expected pass, got pending" in result.out
    assert "needs 3 approval(s)" in result.out


def test_uncovered_rules_are_listed_and_can_be_required(
    example: Path, cli: Callable[..., Result]
) -> None:
    write_files(
        example,
        {
            "policies/staging.yaml": (
                "apiVersion: modelops-gitops/v1\nkind: Policy\nmetadata: {name: staging}\n"
                "spec:\n  selector: {stages: [staging]}\n  rules:\n    - {type: approvals, min: 1}\n"
            )
        },
    )
    plain = cli("policy", "test", "--repo", str(example))
    assert plain.code == 0, plain.output
    assert "not exercised: staging/approvals" in plain.out
    strict = cli("policy", "test", "--repo", str(example), "--require-coverage")
    assert strict.code == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "apiVersion: modelops-gitops/v1\nkind: PolicyTest\nmetadata: {}\nspec: {cases: []}\n",
            "spec.cases",
        ),
        (
            "apiVersion: modelops-gitops/v1\nkind: PolicyTest\nmetadata: {}\nspec:\n  cases:\n"
            "    - name: x\n      change: {kind: stage.jumped}\n      now: 2026-01-01T00:00:00Z\n"
            "      expect: {}\n",
            "spec.cases.0.change.kind",
        ),
        ("a: 1\na: 2\n", "duplicate key"),
        (
            "apiVersion: modelops-gitops/v1\nkind: PolicyTest\nmetadata: {}\nspec:\n  cases:\n"
            "    - name: x\n      change: {kind: stage.promoted, model: ghost, stage: production}\n"
            "      now: 2026-01-01T00:00:00Z\n      expect: {}\n",
            "no model 'ghost'",
        ),
    ],
)
def test_bad_test_files_exit_2_naming_the_file(
    example: Path, cli: Callable[..., Result], content: str, message: str
) -> None:
    write_files(example, {"policies/tests/bad.yaml": content})
    before = snapshot(example)
    result = cli("policy", "test", "--repo", str(example))
    assert result.code == 2
    assert "policies/tests/bad.yaml" in result.err
    assert message in result.err
    assert "Traceback" not in result.output
    assert snapshot(example) == before


def test_a_gate_without_a_given_outcome_is_bad_input(
    example: Path, cli: Callable[..., Result]
) -> None:
    tests = example / "policies" / "tests" / "production.yaml"
    tests.write_text(
        tests.read_text().replace(
            "gates: {test: pass, champion: fail, fairness: fail, drift: fail}",
            "gates: {test: pass}",
            1,
        )
    )
    result = cli("policy", "test", "--repo", str(example))
    assert result.code == 2
    assert "no outcome given for the champion gate" in result.err


def test_no_tests_is_bad_input(example: Path, cli: Callable[..., Result]) -> None:
    shutil.rmtree(example / "policies" / "tests")
    result = cli("policy", "test", "--repo", str(example))
    assert result.code == 2
    assert "no policy tests found" in result.err
