"""`history MODEL`: the applied changes of one model from the ledger."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from audit_fixtures import applied_repo
from conftest import Result

Cli = Callable[..., Result]


def test_history_lists_one_models_changes_in_order(cli: Cli, tmp_path: Path) -> None:
    repo, entries = applied_repo(tmp_path)
    result = cli("history", "credit", "--repo", str(repo), "--format", "json")
    assert result.code == 0, result
    data = json.loads(result.out)
    assert data["model"] == "credit"
    changes = data["changes"]
    assert [c["seq"] for c in changes] == [3, 4, 6, 7]
    assert [(c["stage"], c["from"], c["to"]) for c in changes[2:]] == [
        ("production", "1.0.0", "1.1.0"),
        ("staging", "1.1.0", "1.2.0"),
    ]
    assert changes[2]["pr"]["number"] == 11
    assert changes[0]["pr"] is None
    assert changes[3]["reports"] == [r.path for r in entries[6].reports]
    text = cli("history", "credit", "--repo", str(repo))
    assert "credit: 4 applied change(s)" in text.out
    assert "seq 6  2024-06-03T09:00:00Z  production: 1.0.0 -> 1.1.0  [stage.promoted]" in text.out
    assert "adopted (no reviewed change)" in text.out
    assert "approved by priya-validation (model-risk)" in text.out


def test_history_of_a_model_never_applied_and_an_unknown_one(cli: Cli, tmp_path: Path) -> None:
    from plan_fixtures import governed_repo

    repo = governed_repo(tmp_path)
    result = cli("history", "credit", "--repo", str(repo))
    assert result.code == 0
    assert "credit: no applied change in the ledger yet" in result.out
    unknown = cli("history", "nope", "--repo", str(repo))
    assert unknown.code == 2
    assert "unknown model 'nope'" in unknown.err
