"""`audit export` (CSV and JSON, read back with pandas) and `audit at DATE`."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from audit_fixtures import applied_repo
from conftest import Result

from modelops_gitops.audit.ledger import LedgerEntry

Cli = Callable[..., Result]


@pytest.fixture
def applied(tmp_path: Path) -> tuple[Path, list[LedgerEntry]]:
    return applied_repo(tmp_path)


def test_export_csv_has_one_row_per_entry_in_the_period(cli: Cli, applied: Any) -> None:
    repo, entries = applied
    result = cli(
        "audit", "export", "--repo", str(repo), "--since", "2024-06-01", "--until", "2024-07-01"
    )
    assert result.code == 0, result
    frame = pd.read_csv(io.StringIO(result.out))
    assert list(frame["seq"]) == [6, 7]  # --until 2024-07-01 includes that whole day
    first = frame.iloc[0]
    assert first["model"] == "credit"
    assert (first["stage"], first["from"], first["to"]) == ("production", "1.0.0", "1.1.0")
    assert first["pr_number"] == 11
    assert first["pr_title"] == "Promote credit 1.1.0"
    assert first["merge_commit"] == entries[5].merge_commit
    assert first["approvers"] == (
        "priya-validation (model-risk) at 2024-06-03T09:00:00Z; "
        "henrik-mrm (model-risk, mrm) at 2024-06-03T09:00:00Z"
    )
    assert first["gates"] == "test pass: roc_auc 0.83 >= 0.75"
    assert first["reports"].split("; ") == [r.path for r in entries[5].reports]
    assert first["hash"] == entries[5].hash
    assert first["policy_set_sha256"] == "e" * 64


def test_export_json_to_a_file_and_iso_bounds(cli: Cli, applied: Any, tmp_path: Path) -> None:
    repo, entries = applied
    out = tmp_path / "export.json"
    result = cli(
        "audit",
        "export",
        "--repo",
        str(repo),
        "--format",
        "json",
        "--out",
        str(out),
        "--until",
        "2024-06-03T08:59:59Z",
    )
    assert result.code == 0, result
    assert result.out == ""
    document = json.loads(out.read_text())
    assert document["schema_version"] == 1
    frame = pd.DataFrame(document["entries"])
    assert list(frame["seq"]) == [1, 2, 3, 4, 5]
    assert set(frame["kind"]) == {"stage.adopted"}
    assert document["entries"][0]["pr_number"] is None
    everything = cli("audit", "export", "--repo", str(repo), "-f", "json")
    assert len(json.loads(everything.out)["entries"]) == len(entries)


def test_an_empty_period_is_a_header_only(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    result = cli("audit", "export", "--repo", str(repo), "--since", "2030-01-01")
    assert result.code == 0
    assert result.out.splitlines() == [result.out.splitlines()[0]]
    assert result.out.startswith("seq,time,model,stage,kind,from,to,version,pr_number")


@pytest.mark.parametrize("option", ["--since", "--until"])
def test_bad_dates_name_the_option(cli: Cli, applied: Any, option: str) -> None:
    repo, _ = applied
    result = cli("audit", "export", "--repo", str(repo), option, "last tuesday")
    assert result.code == 2
    assert f"{option}: not a date (YYYY-MM-DD) or ISO 8601 time: 'last tuesday'" in result.err
    assert cli("audit", "export", "--repo", str(repo), "-f", "xlsx").code == 2


def test_an_unreadable_ledger_is_bad_input_naming_the_line(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    with (repo / "audit/ledger.jsonl").open("ab") as handle:
        handle.write(b'{"seq": "x"}\n')
    result = cli("audit", "export", "--repo", str(repo))
    assert result.code == 2
    assert "audit/ledger.jsonl:8" in result.err


def at(cli: Cli, repo: Path, moment: str) -> dict[str, Any]:
    result = cli("audit", "at", moment, "--repo", str(repo), "--format", "json")
    assert result.code == 0, result
    data: dict[str, Any] = json.loads(result.out)
    return data


def versions(data: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {m: {s: e["to"] for s, e in st.items()} for m, st in data["models"].items()}


def test_at_several_moments(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    early = at(cli, repo, "2024-05-01T11:59:59Z")
    assert early["models"] == {}
    adopted = at(cli, repo, "2024-05-01")
    assert versions(adopted)["credit"] == {"staging": "1.1.0", "production": "1.0.0"}
    assert adopted["at"] == "2024-05-01T23:59:59Z"
    june = at(cli, repo, "2024-06-03T09:00:00+00:00")
    assert versions(june)["credit"] == {"staging": "1.1.0", "production": "1.1.0"}
    prod = june["models"]["credit"]["production"]
    assert prod["pr"]["number"] == 11
    assert [a["login"] for a in prod["approvals"]] == ["priya-validation", "henrik-mrm"]
    assert prod["gates"][0]["summary"] == "roc_auc 0.83 >= 0.75"
    assert prod["reports"][0] == "audit/reports/credit/000006-production-1.1.0.md"
    later = at(cli, repo, "2024-07-01T11:00:00+02:00")  # 09:00Z: the staging change
    assert versions(later)["credit"]["staging"] == "1.2.0"
    assert list(later["models"]["credit"]) == ["staging", "production"]  # lifecycle order


def test_at_text_names_approvers_and_reports(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    result = cli("audit", "at", "2024-06-30", "--repo", str(repo))
    assert result.code == 0
    assert "production: 1.1.0  since 2024-06-03T09:00:00Z (seq 6, stage.promoted)" in result.out
    assert "PR #11 'Promote credit 1.1.0' by jonas-credit" in result.out
    assert "approved by priya-validation (model-risk) at 2024-06-03T09:00:00Z" in result.out
    assert "report: audit/reports/credit/000006-production-1.1.0.html" in result.out


def test_at_before_any_entry_says_so(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    result = cli("audit", "at", "2020-01-01", "--repo", str(repo))
    assert result.code == 0
    assert "nothing: no ledger entry at or before that moment" in result.out
    assert "(the first is at 2024-05-01T12:00:00Z)" in result.out
    assert cli("audit", "at", "soon", "--repo", str(repo)).code == 2


def test_no_ledger_yet(cli: Cli, tmp_path: Path) -> None:
    from plan_fixtures import governed_repo

    repo = governed_repo(tmp_path)
    assert at(cli, repo, "2030-01-01")["models"] == {}
    result = cli("audit", "export", "--repo", str(repo), "-f", "json")
    assert json.loads(result.out) == {"schema_version": 1, "entries": []}
