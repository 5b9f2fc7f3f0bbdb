"""Pinned bytes are immutable. Overwriting the artifact a registered version pins (same path,
YAML untouched) passed plan with no approvals, and validate, verify, status and apply stayed
silent."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from audit_fixtures import applied_repo
from conftest import Result
from plan_fixtures import CREDIT, commit, line_of, open_pr, parsed, plan_args, promotion_pr

Cli = Callable[..., Result]
ARTIFACT = "artifacts/credit/1.1.0.skops"


def pinned(plan: dict[str, object]) -> list[dict[str, object]]:
    found = plan["findings"]
    assert isinstance(found, list)
    return [f for f in found if f["rule"] == "pinned-bytes"]


def test_overwriting_a_pinned_artifact_is_blocked_at_the_pin(cli: Cli, tmp_path: Path) -> None:
    from plan_fixtures import governed_repo

    repo = governed_repo(tmp_path)
    open_pr(repo, {ARTIFACT: "not the model that was reviewed\n"})
    result = cli(*plan_args(repo, "--no-gates"))
    plan = parsed(result)
    assert result.code == 1, result.output
    [finding] = pinned(plan)
    assert finding["result"] == "fail"
    assert finding["file"] == CREDIT
    assert finding["line"] == line_of(repo, CREDIT, f"path: {ARTIFACT}", ref="main")
    assert "version 1.1.0 artifact changed under its pinned sha256" in str(finding["message"])
    assert "register a new version" in str(finding["message"])


def test_a_changed_dataset_names_the_first_version_that_pins_it(cli: Cli, tmp_path: Path) -> None:
    from plan_fixtures import governed_repo

    repo = governed_repo(tmp_path)
    open_pr(repo, {"data/credit/eval.parquet": "rewritten\n"})
    plan = parsed(cli(*plan_args(repo, "--no-gates")))
    messages = [str(f["message"]) for f in pinned(plan)]
    assert messages
    assert all("dataset eval changed" in m for m in messages)


def test_a_promotion_touching_no_pinned_file_has_no_such_finding(cli: Cli, tmp_path: Path) -> None:
    repo, _ = promotion_pr(tmp_path)
    assert pinned(parsed(cli(*plan_args(repo, "--no-gates")))) == []


def test_verify_checks_the_artifacts_of_versions_holding_a_stage(cli: Cli, tmp_path: Path) -> None:
    repo, _ = applied_repo(tmp_path)
    commit(repo, {ARTIFACT: "swapped\n"}, "swap the production model", when="2024-07-05T09:00:00Z")
    result = cli("audit", "verify", "--repo", str(repo), "--format", "json")
    data = json.loads(result.out)
    assert result.code == 1
    problems = [p for p in data["problems"] if p["kind"] == "artifact-changed"]
    assert [p["path"] for p in problems] == [ARTIFACT]
    assert "credit production 1.1.0" in problems[0]["message"]
    again = json.loads(cli("audit", "verify", "--repo", str(repo), "--format", "json").out)
    assert [p["kind"] for p in again["problems"]] == [p["kind"] for p in data["problems"]]


def test_rewriting_labelled_data_under_its_pin_is_blocked(cli: Cli, tmp_path: Path) -> None:
    """Labelled production data decides `monitor`'s performance verdict (and so a proposed
    rollback): rewriting a snapshot or the folder's manifest under the same pin is caught."""
    import hashlib

    from plan_fixtures import governed_repo

    manifest = f"{'ab' * 32}  2024-07-01.parquet\n"
    block = (
        "    labelled:\n      - path: data/credit/labelled.parquet\n"
        f"        sha256: {'cd' * 32}\n"
        "    labelled_folder:\n      folder: data/credit/labels\n"
        f"      manifest_sha256: {hashlib.sha256(manifest.encode()).hexdigest()}\n"
    )
    edits = {
        CREDIT: lambda text: text.replace("  versions:\n", block + "  versions:\n", 1),
        "data/credit/labelled.parquet": "labels\n",
        "data/credit/labels/SHA256SUMS": manifest,
    }
    repo = governed_repo(tmp_path, edits)
    open_pr(
        repo,
        {
            "data/credit/labelled.parquet": "other labels\n",
            "data/credit/labels/SHA256SUMS": f"{'ef' * 32}  2024-07-01.parquet\n",
        },
    )
    plan = parsed(cli(*plan_args(repo, "--no-gates")))
    messages = sorted(str(f["message"]) for f in pinned(plan))
    assert len(messages) == 2
    assert (
        "data/credit/labelled.parquet: the bytes of credit a labelled snapshot changed"
        in (messages[0])
    )
    assert (
        "data/credit/labels/SHA256SUMS: the bytes of credit the labelled folder's" in (messages[1])
    )
