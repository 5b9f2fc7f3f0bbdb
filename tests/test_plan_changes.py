"""`plan` in real repositories: the built-in rules no policy can switch off — registered
versions are immutable, and a model that holds a stage cannot simply be deleted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import Result
from plan_fixtures import (
    CREDIT,
    DIABETES,
    change_of,
    finding,
    governed_repo,
    kinds,
    line_of,
    open_pr,
    parsed,
    plan_args,
    replace,
)

Cli = Callable[..., Result]


def test_editing_a_registered_version_is_a_violation(tmp_path: Path, cli: Cli) -> None:
    repo = governed_repo(tmp_path)
    open_pr(repo, {CREDIT: replace("roc_auc: 0.7697218106401005", "roc_auc: 0.79")})
    result = cli(*plan_args(repo, "--no-gates"))
    plan = parsed(result)

    assert result.code == 1, result.output
    assert kinds(plan) == ["version.modified"]
    change = change_of(plan, "version.modified", "credit")
    assert change["version"] == "1.1.0"
    immutable = finding(change, "builtin", "immutable-versions")
    assert immutable["result"] == "fail"
    assert "version 1.1.0 is registered and immutable" in immutable["message"]
    assert immutable["file"] == CREDIT
    assert immutable["line"] == line_of(repo, CREDIT, "- version: 1.1.0")


def test_deprecating_a_registered_version_is_allowed(tmp_path: Path, cli: Cli) -> None:
    repo = governed_repo(tmp_path)
    deprecate = replace("    - version: 1.0.0\n", "    - version: 1.0.0\n      deprecated: true\n")
    open_pr(repo, {CREDIT: deprecate})
    result = cli(*plan_args(repo, "--no-gates"))
    plan = parsed(result)

    assert result.code == 0, result.output
    assert kinds(plan) == ["version.deprecated"]
    assert change_of(plan, "version.deprecated", "credit")["findings"] == []


def test_deleting_a_model_that_holds_production_is_a_violation(tmp_path: Path, cli: Cli) -> None:
    repo = governed_repo(tmp_path)
    open_pr(repo, {DIABETES: None})
    result = cli(*plan_args(repo, "--no-gates"))
    plan = parsed(result)

    assert result.code == 1, result.output
    assert kinds(plan) == ["model.deleted"]
    change = change_of(plan, "model.deleted", "diabetes")
    held = finding(change, "builtin", "delete-held-model")
    assert held["result"] == "fail"
    assert held["message"].startswith("model diabetes holds production (1.0.0)")
    assert held["file"] == DIABETES
    assert held["line"] == line_of(repo, DIABETES, "  name: diabetes", ref="main")
