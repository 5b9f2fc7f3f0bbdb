"""`audit verify`: an intact trail passes; every tamper is detected, named, and fails it."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from audit_fixtures import (
    APPLY_AT,
    applied_repo,
    kinds,
    ledger_lines,
    sealed_with_reports,
    write_ledger,
    write_lines,
)
from audit_fixtures import verify_json as verify
from conftest import Result
from plan_fixtures import CREDIT, commit, open_pr, run_git, set_stage

from modelops_gitops.audit.ledger import LEDGER_PATH, LedgerEntry, chain, serialize

Cli = Callable[..., Result]


@pytest.fixture
def applied(tmp_path: Path) -> tuple[Path, list[LedgerEntry]]:
    return applied_repo(tmp_path)


def test_an_intact_trail_passes_in_text_and_json(cli: Cli, applied: Any) -> None:
    repo, entries = applied
    data = verify(cli, repo)
    assert data["intact"] is True
    assert data["entries"] == len(entries) == 7
    assert data["report_files"] == 21
    assert data["problems"] == []
    text = cli("audit", "verify", "--repo", str(repo))
    assert text.code == 0
    assert "intact: 7 entries, 21 report files" in text.out


def test_editing_a_field_is_named_by_line_and_seq(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    lines = ledger_lines(repo)
    lines[5] = lines[5].replace(b'"to":"1.1.0"', b'"to":"1.2.0"')
    write_lines(repo, lines)
    data = verify(cli, repo)
    assert data["first"]["kind"] == "edited"
    assert data["first"]["line"] == 6
    assert data["first"]["seq"] == 6
    assert data["first"]["message"] == "content does not match its hash"
    text = cli("audit", "verify", "--repo", str(repo))
    assert text.code == 1
    assert "audit/ledger.jsonl:6 (seq 6): edited: content does not match its hash" in text.out
    assert "first: audit/ledger.jsonl:6" in text.out


def test_deleting_a_line_is_a_seq_gap_after_the_line_before(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    lines = ledger_lines(repo)
    del lines[2]
    write_lines(repo, lines)
    data = verify(cli, repo)
    first = data["first"]
    assert (first["kind"], first["line"], first["seq"]) == ("deleted", 3, 4)
    assert first["message"] == "seq 3 missing: entry deleted after line 2"
    # the deleted entry's reports are no longer named, and the stage it set is not applied
    assert "report-not-in-ledger" in kinds(data)


def test_deleting_the_first_line(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    write_lines(repo, ledger_lines(repo)[1:])
    first = verify(cli, repo)["first"]
    assert (first["kind"], first["line"]) == ("deleted", 1)
    assert "at the start" in first["message"]


def test_swapping_two_lines_is_named_as_reordered(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    lines = ledger_lines(repo)
    lines[3], lines[4] = lines[4], lines[3]
    write_lines(repo, lines)
    data = verify(cli, repo)
    first = data["first"]
    assert (first["kind"], first["line"], first["seq"]) == ("reordered", 4, 5)
    assert first["message"] == "seq 5 comes before seq 4 (line 5): entries reordered"
    assert data["problems"][1]["kind"] == "reordered"
    assert data["problems"][1]["line"] == 5


def test_a_duplicated_line(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    lines = ledger_lines(repo)
    write_lines(repo, [*lines, lines[1]])
    data = verify(cli, repo)
    assert data["first"]["kind"] == "duplicated"
    assert data["first"]["line"] == 8
    assert "first at line 2" in data["first"]["message"]


def test_an_entry_edited_and_rehashed_breaks_the_next_link(cli: Cli, applied: Any) -> None:
    repo, entries = applied
    forged = entries[5].model_copy(update={"time": "2024-06-01T00:00:00Z"}).sealed()
    write_ledger(repo, [*entries[:5], forged, entries[6]])
    first = verify(cli, repo)["first"]
    assert (first["kind"], first["line"], first["seq"]) == ("relinked", 7, 7)
    assert "does not link to line 6 (seq 6)" in first["message"]


def test_a_forged_entry_appended_with_a_valid_link_names_no_merge(cli: Cli, applied: Any) -> None:
    repo, entries = applied
    fake = entries[6].model_copy(update={"merge_commit": "f" * 40})
    appended = chain(entries, [fake])
    write_ledger(repo, [*entries, *appended])
    data = verify(cli, repo)
    assert data["first"]["kind"] == "unknown-commit"
    assert data["first"]["line"] == 8
    assert "ffffffffffff is not on the branch" in data["first"]["message"]


def test_a_reformatted_line_is_not_canonical(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    lines = ledger_lines(repo)
    lines[0] = json.dumps(json.loads(lines[0]), indent=None).encode() + b"\n"
    write_lines(repo, lines)
    first = verify(cli, repo)["first"]
    assert (first["kind"], first["line"]) == ("not-canonical", 1)


def test_garbage_and_floats_are_unreadable_lines(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    lines = ledger_lines(repo)
    lines[1] = b"not json\n"
    lines[2] = lines[2].replace(b'"schema_version":1', b'"schema_version":1.0')
    write_lines(repo, lines)
    data = verify(cli, repo)
    assert [(p["kind"], p["line"]) for p in data["problems"][:2]] == [
        ("unreadable", 2),
        ("unreadable", 3),
    ]
    assert "float" in data["problems"][1]["message"]


def test_a_cut_last_line_is_truncated(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    path = repo / LEDGER_PATH
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    data = verify(cli, repo)
    assert kinds(data) == ["truncated"]


def test_an_edited_report_is_named_with_its_entry(cli: Cli, applied: Any) -> None:
    repo, entries = applied
    report = repo / entries[5].reports[0].path
    report.write_bytes(report.read_bytes().replace(b"->", b"=>"))
    data = verify(cli, repo)
    assert kinds(data) == ["report-changed"]
    first = data["first"]
    assert (first["line"], first["seq"], first["path"]) == (6, 6, entries[5].reports[0].path)
    assert "sha256 is not the ledger's" in first["message"]


def test_a_deleted_report_and_an_unnamed_one(cli: Cli, applied: Any) -> None:
    repo, entries = applied
    (repo / entries[2].reports[2].path).unlink()
    extra = repo / "audit/reports/credit/000099-production-9.9.9.md"
    extra.write_text("# made up\n")
    data = verify(cli, repo)
    assert kinds(data) == ["report-missing", "report-not-in-ledger"]
    assert data["problems"][0]["line"] == 3
    assert data["problems"][1]["message"] == (
        "report not in the ledger: audit/reports/credit/000099-production-9.9.9.md"
    )


def test_a_report_replaced_by_a_symlink_is_not_followed(cli: Cli, applied: Any) -> None:
    repo, entries = applied
    target = repo / entries[0].reports[0].path
    copy = repo / "elsewhere.md"
    copy.write_bytes(target.read_bytes())
    target.unlink()
    os.symlink(copy, target)
    data = verify(cli, repo)
    assert kinds(data) == ["report-not-regular"]
    assert "is a symlink, not a regular file" in data["first"]["message"]


def test_a_report_path_outside_the_reports_folder(cli: Cli, applied: Any) -> None:
    repo, entries = applied
    drafts = [e.model_copy(update={"hash": ""}) for e in entries]
    sealed, _ = sealed_with_reports(drafts)
    last = sealed[-1]
    bad = last.reports[0].model_copy(update={"path": "audit/reports/../../modelops.yaml"})
    forged = last.model_copy(update={"reports": (bad, *last.reports[1:])}).sealed()
    write_ledger(repo, [*sealed[:-1], forged])
    data = verify(cli, repo)
    assert "report-outside" in kinds(data)


def test_a_stage_pushed_without_a_pr_is_unapproved_drift(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    pushed = commit(
        repo, {CREDIT: set_stage("production", "1.2.0")}, "push", when="2024-07-03T09:00:00Z"
    )
    data = verify(cli, repo)
    assert kinds(data) == ["unapproved-drift"]
    assert data["first"]["message"] == (
        f"unapproved drift: {pushed[:12]} set credit/production to 1.2.0 without a reviewed "
        "merge (applied: 1.1.0)"
    )
    assert data["first"]["path"] == CREDIT


def test_a_merged_pr_not_yet_applied_fails_for_another_reason(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    open_pr(repo, {CREDIT: set_stage("production", "1.2.0")}, when="2024-07-04T09:00:00Z")
    run_git(repo, "checkout", "--quiet", "main")
    run_git(repo, "merge", "--no-ff", "--quiet", "-m", "Merge PR 13", "pr", when=APPLY_AT)
    merge = run_git(repo, "rev-parse", "HEAD")
    data = verify(cli, repo)
    assert kinds(data) == ["not-applied"]
    assert data["first"]["message"] == (
        f"credit/production is 1.2.0: not yet applied (merged in {merge[:12]}; applied: 1.1.0)"
    )


def test_an_uncommitted_stage_edit(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    path = repo / CREDIT
    path.write_text(set_stage("production", "1.2.0")(path.read_text()))
    data = verify(cli, repo)
    assert kinds(data) == ["uncommitted"]


def test_a_deleted_ledger_is_named(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    (repo / LEDGER_PATH).unlink()
    data = verify(cli, repo)
    assert data["first"]["kind"] == "ledger-deleted"
    assert set(kinds(data)) == {"ledger-deleted", "report-not-in-ledger", "unapproved-drift"}


def test_rev_reads_a_commit_without_the_work_tree(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    lines = ledger_lines(repo)
    lines[5] = lines[5].replace(b'"to":"1.1.0"', b'"to":"1.2.0"')
    write_lines(repo, lines)
    commit(repo, {}, "tamper", when="2024-07-05T09:00:00Z")
    assert verify(cli, repo, "--rev", "HEAD~1")["intact"] is True
    tampered = verify(cli, repo, "--rev", "HEAD")
    assert tampered["first"]["kind"] == "edited"
    assert len(tampered["commit"]) == 40


def test_rev_refuses_a_committed_symlink_report(cli: Cli, applied: Any) -> None:
    repo, entries = applied
    target = repo / entries[0].reports[1].path
    target.unlink()
    os.symlink("../../../modelops.yaml", target)
    commit(repo, {}, "symlink a report", when="2024-07-05T09:00:00Z")
    data = verify(cli, repo, "--rev", "main")
    # the commit is no apply commit either: it changes audit/ without a new entry
    assert sorted(kinds(data)) == ["apply-without-entry", "report-not-regular"]


def test_the_cache_never_hides_a_change(cli: Cli, applied: Any) -> None:
    repo, entries = applied
    assert verify(cli, repo)["intact"]
    assert verify(cli, repo)["intact"]  # warm
    report = repo / entries[1].reports[1].path
    report.write_bytes(report.read_bytes() + b" ")
    assert kinds(verify(cli, repo)) == ["report-changed"]
    assert kinds(verify(cli, repo, "--no-cache")) == ["report-changed"]
    lines = ledger_lines(repo)
    write_lines(repo, lines[:1] + lines[2:])
    assert "deleted" in kinds(verify(cli, repo))


def test_a_repo_never_applied_has_its_stages_unapplied(cli: Cli, tmp_path: Path) -> None:
    from plan_fixtures import governed_repo

    repo = governed_repo(tmp_path)
    data = verify(cli, repo)
    assert set(kinds(data)) == {"unapproved-drift"}
    assert data["entries"] == 0


def test_bad_input_exits_2(cli: Cli, applied: Any, tmp_path: Path) -> None:
    repo, _ = applied
    unknown = cli("audit", "verify", "--repo", str(repo), "--rev", "no-such-ref")
    assert unknown.code == 2
    assert "no-such-ref" in unknown.err
    assert "Traceback" not in unknown.output
    bare = tmp_path / "not-a-repo"
    bare.mkdir()
    outside = cli("audit", "verify", "--repo", str(bare))
    assert outside.code == 2
    assert "not a git repository" in outside.err
    assert cli("audit", "verify", "--repo", str(repo), "--format", "xml").code == 2


def test_a_broken_model_file_is_bad_input_naming_it(cli: Cli, applied: Any) -> None:
    repo, _ = applied
    (repo / CREDIT).write_text("apiVersion: modelops-gitops/v1\nkind: Model\nspec: [\n")
    result = cli("audit", "verify", "--repo", str(repo))
    assert result.code == 2
    assert CREDIT in result.err


def test_serialize_round_trip_is_what_the_fixture_wrote(applied: Any) -> None:
    repo, entries = applied
    assert (repo / LEDGER_PATH).read_bytes() == serialize(entries)


def test_the_warm_path_sees_committed_and_ignored_changes(cli: Cli, applied: Any) -> None:
    repo, entries = applied
    assert verify(cli, repo)["intact"]
    assert verify(cli, repo)["intact"]  # report verdict from the cache (clean tree)
    (repo / ".gitignore").write_text("audit/reports/credit/extra.md\n")
    (repo / "audit/reports/credit/extra.md").write_text("# hidden from git status\n")
    assert kinds(verify(cli, repo)) == ["report-not-in-ledger"]
    (repo / "audit/reports/credit/extra.md").unlink()
    report = repo / entries[3].reports[0].path
    report.write_bytes(report.read_bytes() + b"edited\n")
    commit(repo, {}, "edit a report", when="2024-07-05T09:00:00Z")
    # the commit (report and .gitignore) is no apply commit either
    found = ["apply-without-entry", "mixed-commit", "report-changed"]
    assert sorted(kinds(verify(cli, repo))) == found
    assert sorted(kinds(verify(cli, repo))) == found  # cached verdicts for that tree


# --- on a ledger written by the real `apply` ----------------------------------------------


def test_a_ledger_written_by_apply_verifies_and_its_tampers_are_caught(
    cli: Cli, tmp_path: Path
) -> None:
    from apply_fixtures import apply_repo, promote_credit, run_apply

    repo = apply_repo(tmp_path, remote=False)
    _, merge, approvals_file = promote_credit(repo, tmp_path)
    pending = verify(cli, repo)
    assert kinds(pending) == ["not-applied"]
    assert f"merged in {merge[:12]}" in pending["first"]["message"]
    code, out = run_apply(repo, "--approvals", str(approvals_file))
    assert code == 0, out
    data = verify(cli, repo)
    assert data["intact"], data
    assert data["report_files"] == 3 * data["entries"]
    assert verify(cli, repo, "--rev", "HEAD")["intact"]
    history = json.loads(cli("history", "credit", "--repo", str(repo), "-f", "json").out)
    promoted = history["changes"][-1]
    assert (promoted["stage"], promoted["to"], promoted["merge_commit"]) == (
        "production",
        "1.2.0",
        merge,
    )
    status = json.loads(cli("status", "credit", "--repo", str(repo), "-f", "json").out)
    assert status["models"][0]["in_sync"]

    lines = ledger_lines(repo)
    last = len(lines)
    lines[-1] = lines[-1].replace(b'"to":"1.2.0"', b'"to":"1.1.0"')
    write_lines(repo, lines)
    edited = verify(cli, repo)
    assert (edited["first"]["kind"], edited["first"]["line"]) == ("edited", last)
    run_git(repo, "checkout", "--quiet", "--", LEDGER_PATH)
    report = repo / promoted["reports"][2]
    report.write_bytes(report.read_bytes().replace(b"1.2.0", b"1.3.0"))
    assert kinds(verify(cli, repo)) == ["report-changed"]
