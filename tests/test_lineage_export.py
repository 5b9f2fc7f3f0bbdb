"""`audit export --format openlineage`: one OpenLineage RunEvent per ledger entry, each
checked against the packaged schemas; JSON lines, ASCII, sorted keys, the same bytes each run."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from audit_fixtures import applied_repo
from conftest import Result

from modelops_gitops.audit import openlineage
from modelops_gitops.audit.ledger import LedgerEntry
from modelops_gitops.audit.replay import parse_time
from modelops_gitops.errors import EXIT_INTERNAL, ModelOpsError
from modelops_gitops.repo.state import load_repository

Cli = Callable[..., Result]


@pytest.fixture
def applied(tmp_path: Path) -> tuple[Path, list[LedgerEntry]]:
    return applied_repo(tmp_path)


def export(cli: Cli, repo: Path, *extra: str) -> Result:
    return cli("audit", "export", "--repo", str(repo), "--format", "openlineage", *extra)


def test_one_valid_event_per_entry_carrying_the_entry(cli: Cli, applied: Any) -> None:
    repo, entries = applied
    result = export(cli, repo)
    assert result.code == 0, result
    assert result.out.isascii()
    lines = result.out.splitlines()
    assert len(lines) == len(entries)
    models = load_repository(repo).models
    for line, entry in zip(lines, entries, strict=True):
        event = json.loads(line)
        assert json.dumps(event, sort_keys=True, separators=(",", ":")) == line
        assert openlineage.problems(event) == []
        assert event["eventType"] == "COMPLETE"
        assert event["eventTime"] == entry.time
        run = uuid.UUID(event["run"]["runId"])
        assert run.version == 7
        assert run.int >> 80 == int(parse_time(entry.time).timestamp() * 1000)
        change = entry.change
        assert event["job"] == {
            "namespace": "acme/models",
            "name": f"{change.model}.{change.stage}",
        }
        facet = event["run"]["facets"]["modelopsGitops"]
        assert (facet["seq"], facet["hash"], facet["prev_hash"]) == (
            entry.seq,
            entry.hash,
            entry.prev_hash,
        )
        assert facet["merge_commit"] == entry.merge_commit
        assert facet["pr"]["number"] == entry.pr.number
        assert facet["approvers"] == [a.login for a in entry.approvals]
        version = models[change.model].spec.version(change.version)
        assert version is not None
        digests = {version.datasets.train.sha256, version.datasets.eval.sha256}
        assert {d["name"] for d in event["inputs"]} == digests
        for dataset in event["inputs"]:
            assert dataset["namespace"] == "sha256"
            assert dataset["facets"]["version"]["datasetVersion"] == f"sha256:{dataset['name']}"
        (output,) = event["outputs"]
        assert output["name"] == f"{change.model}/{change.stage}"
        assert output["facets"]["version"]["datasetVersion"] == change.to
    ids = [json.loads(line)["run"]["runId"] for line in lines]
    assert len(set(ids)) == len(ids)


def test_same_bytes_each_run_and_to_a_file(cli: Cli, applied: Any, tmp_path: Path) -> None:
    repo, _ = applied
    first = export(cli, repo)
    out = tmp_path / "events.jsonl"
    second = export(cli, repo, "--out", str(out))
    assert second.code == 0, second
    assert out.read_text("ascii") == first.out
    assert "7 entries written" in second.err


def test_the_period_options_choose_the_entries(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    result = export(cli, repo, "--since", "2024-06-01", "--until", "2024-07-01")
    assert result.code == 0, result
    seqs = [
        json.loads(line)["run"]["facets"]["modelopsGitops"]["seq"]
        for line in result.out.splitlines()
    ]
    assert seqs == [6, 7]
    assert export(cli, repo, "--since", "2030-01-01").out == ""


def test_an_unknown_format_is_bad_usage(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    result = cli("audit", "export", "--repo", str(repo), "--format", "openlinage")
    assert result.code == 2
    assert "openlineage" in result.err


def test_an_event_off_its_schema_is_named_and_stops_the_export(applied: Any) -> None:
    repo, entries = applied
    good = openlineage.events(entries, load_repository(repo).models, "acme/models")
    assert openlineage.checked(good) == good
    bad = copy.deepcopy(good)
    bad[2]["run"]["runId"] = "not-a-uuid"
    del bad[2]["job"]["name"]
    bad[2]["run"]["facets"]["modelopsGitops"]["hash"] = "<script>"
    found = openlineage.problems(bad[2])
    assert any(p.startswith("job: 'name' is a required property") for p in found), found
    assert any(p.startswith("run/runId:") for p in found), found
    assert any(p.startswith("run/facets/modelopsGitops/hash:") for p in found), found
    with pytest.raises(ModelOpsError) as raised:
        openlineage.checked(bad)
    assert raised.value.exit_code == EXIT_INTERNAL
    assert f"entry {entries[2].seq} does not match its schema" in str(raised.value)
