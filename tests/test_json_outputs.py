"""Every `--format json` document carries `schema_version`, one constant per output, and
docs/json-output.md lists each with its value. The commands run for real on the governed
example with its history applied (a ledger, reports, monitoring data)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from audit_fixtures import applied_repo
from conftest import PROJECT_ROOT, Result

from modelops_gitops.commands import (
    apply,
    audit,
    audit_at,
    audit_verify,
    gate_model,
    history,
    monitor_report,
    policy_test,
    status,
    validate,
)
from modelops_gitops.gates.drift import render as drift_render
from modelops_gitops.plan.result import PLAN_SCHEMA_VERSION

Cli = Callable[..., Result]

# the command line (after --repo), the exit codes it may end with, and its constant
OUTPUTS: dict[str, tuple[list[str], set[int], int]] = {
    "validate": (["validate"], {0}, validate.JSON_SCHEMA_VERSION),
    "plan": (
        ["plan", "--base", "HEAD~1", "--head", "HEAD", "--no-gates"],
        {0, 1, 3},
        PLAN_SCHEMA_VERSION,
    ),
    "apply": (["apply", "--dry-run"], {0, 1}, apply.JSON_SCHEMA_VERSION),
    "status": (["status"], {0}, status.JSON_SCHEMA_VERSION),
    "history": (["history", "credit"], {0}, history.JSON_SCHEMA_VERSION),
    "audit verify": (["audit", "verify"], {0, 1}, audit_verify.VERIFY_JSON_SCHEMA_VERSION),
    "audit at": (["audit", "at", "2030-01-01"], {0}, audit_at.AT_JSON_SCHEMA_VERSION),
    "audit export": (["audit", "export"], {0}, audit.EXPORT_JSON_SCHEMA_VERSION),
    "policy test": (["policy", "test"], {0}, policy_test.JSON_SCHEMA_VERSION),
    "monitor": (["monitor", "--no-github"], {0, 1}, monitor_report.JSON_SCHEMA_VERSION),
    "gate test": (["gate", "test", "credit", "1.1.0"], {0, 1}, gate_model.JSON_SCHEMA_VERSION),
    "gate drift": (
        [
            "gate",
            "drift",
            "--reference",
            "data/credit/train.parquet",
            "--current",
            "data/credit/current.parquet",
        ],
        {0, 1},
        drift_render.JSON_SCHEMA_VERSION,
    ),
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo, _ = applied_repo(tmp_path_factory.mktemp("json"))
    return repo


def _document(cli: Cli, repo: Path, name: str) -> dict[str, Any]:
    argv, codes, _ = OUTPUTS[name]
    words = name.split()
    result = cli(*words, "--repo", str(repo), *argv[len(words) :], "--format", "json")
    assert result.code in codes, result
    body = json.loads(result.out)  # stdout holds the document and nothing else
    assert isinstance(body, dict), name
    return body


@pytest.mark.parametrize("name", list(OUTPUTS))
def test_every_json_output_has_its_schema_version(cli: Cli, repo: Path, name: str) -> None:
    body = _document(cli, repo, name)
    assert body["schema_version"] == OUTPUTS[name][2]


def test_every_json_output_is_listed_in_the_docs() -> None:
    text = (PROJECT_ROOT / "docs" / "json-output.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z ]+) --format json` \| (\d+) \|", text, re.MULTILINE))
    assert rows == {name: str(version) for name, (_, _, version) in OUTPUTS.items()}


def test_every_command_with_a_json_format_is_covered(cli: Cli) -> None:
    """A new command with --format json must be added above (and to the docs)."""
    import typer

    from modelops_gitops.cli import app

    def walk(command: Any, words: tuple[str, ...] = ()) -> list[str]:
        found = []
        for param in getattr(command, "params", []):
            if "--format" in getattr(param, "opts", []) and "json" in (param.help or ""):
                found.append(" ".join(words))
        for name, sub in getattr(command, "commands", {}).items():
            found += walk(sub, (*words, name))
        return found

    with_json = set(walk(typer.main.get_command(app)))
    # gate champion, fairness and explainability share gate test's document (gate_model.py)
    shared = {"gate champion", "gate fairness", "gate explainability"}
    assert with_json - shared == set(OUTPUTS)
