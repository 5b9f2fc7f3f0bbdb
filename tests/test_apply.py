"""`apply` end to end in real repositories with a real bare remote: merged PRs become ONE
commit of ledger entries, reports and deploy manifests; everything else is refused or bad
input, and nothing is written then."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from apply_fixtures import (
    MERGE_AT_Z,
    approvals,
    chain_ok,
    changes,
    fresh_apply_repo,
    ledger_at,
    merge_pr,
    promote_credit,
    run_apply,
    run_apply_json,
)
from conftest import snapshot
from plan_fixtures import BREAST_CANCER, CREDIT, DIABETES, commit, replace, run_git, set_stage

from modelops_gitops.audit.ledger import GENESIS, LEDGER_PATH
from modelops_gitops.digest import sha256_file
from modelops_gitops.git.tree import GitTree
from modelops_gitops.repo.state import load_state


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("template")


@pytest.fixture
def repo(template_dir: Path, tmp_path: Path) -> Path:
    """A fresh copy of one adopted repository (built once per module) with its own remote."""
    return fresh_apply_repo(template_dir, tmp_path)


def head(repo: Path, ref: str = "HEAD") -> str:
    return run_git(repo, "rev-parse", ref)


def test_adoption_starts_the_chain_with_every_stage_as_found(repo: Path) -> None:
    entries = ledger_at(repo)
    assert changes(entries) == [
        ("stage.adopted", "breast-cancer", "production", "1.0.0"),
        ("stage.adopted", "breast-cancer", "staging", "1.1.0"),
        ("stage.adopted", "credit", "production", "1.1.0"),
        ("stage.adopted", "credit", "staging", "1.2.0"),
        ("stage.adopted", "diabetes", "production", "1.0.0"),
    ]
    assert entries[0].prev_hash == GENESIS
    assert entries[0].seq == 1
    assert chain_ok(entries)
    assert all(e.pr.number is None and not e.approvals for e in entries)
    code, out = run_apply(repo, "--adopt")
    assert code == 2
    assert "--adopt starts a ledger" in out


def test_a_merged_promotion_is_applied_as_one_commit(repo: Path, tmp_path: Path) -> None:
    before = ledger_at(repo)
    pr_head, merge, file = promote_credit(repo, tmp_path)
    code, out = run_apply(repo, "--approvals", str(file))
    assert code == 0, out
    assert "applied     credit production 1.1.0 -> 1.2.0 (PR #12)  [seq 6]" in out
    assert head(repo, "HEAD^") == merge  # exactly one commit on top of the merge
    message = run_git(repo, "log", "-1", "--format=%an <%ae>%n%s")
    assert message == (
        "modelops-gitops <modelops-gitops@users.noreply.github.com>\n"
        "modelops-gitops apply: credit production 1.1.0 -> 1.2.0 (PR #12)"
    )
    files = run_git(repo, "show", "--name-status", "--format=", "HEAD").splitlines()
    assert files == [
        "M\taudit/ledger.jsonl",
        "A\taudit/reports/credit/000006-production-1.2.0.html",
        "A\taudit/reports/credit/000006-production-1.2.0.json",
        "A\taudit/reports/credit/000006-production-1.2.0.md",
        "M\tdeploy/production/credit.json",
    ]
    entries = ledger_at(repo)
    assert entries[:-1] == before
    entry = entries[-1]
    assert (entry.seq, entry.prev_hash) == (6, before[-1].hash)
    assert chain_ok(entries)
    assert changes([entry]) == [("stage.promoted", "credit", "production", "1.2.0")]
    assert (entry.change.from_, entry.change.version) == ("1.1.0", "1.2.0")
    assert entry.merge_commit == merge
    assert entry.time == MERGE_AT_Z
    assert (entry.pr.number, entry.pr.title, entry.pr.head_sha) == (12, "Promote credit", pr_head)
    assert [(a.login, a.commit) for a in entry.approvals] == [
        ("jonas-credit", pr_head),
        ("priya-validation", pr_head),
    ]
    with GitTree(repo, f"{merge}^1") as base:
        assert entry.policy_set_sha256 == load_state(base).policy_set_sha256()
    assert {(r.type, r.result) for r in entry.rules} >= {("approvals", "pass")}
    assert [Path(r.path).suffix for r in entry.reports] == [".md", ".json", ".html"]
    for report in entry.reports:
        assert sha256_file(repo / report.path) == report.sha256
    manifest = json.loads((repo / "deploy/production/credit.json").read_text("utf-8"))
    assert manifest["version"] == "1.2.0"
    assert manifest["ledger_seq"] == 6
    assert manifest["artifact"]["sha256"] == _artifact_sha(repo, "1.2.0")
    assert run_git(repo, "status", "--porcelain") == ""

    # idempotence: a second run changes nothing and exits 0
    again, out = run_apply(repo, "--approvals", str(file))
    assert again == 0, out
    assert "nothing to apply" in out
    assert head(repo, "HEAD^") == merge

    # then --push publishes the apply commit an earlier run made
    code, out = run_apply(repo, "--push")
    assert code == 0, out
    assert head(repo) == run_git(
        repo, "--git-dir", str(repo.parent / "origin.git"), "rev-parse", "main"
    )


def _artifact_sha(repo: Path, version: str) -> str:
    with GitTree(repo, "HEAD") as tree:
        found = load_state(tree).models["credit"].spec.version(version)
    assert found is not None
    return found.artifact.sha256


def test_a_direct_push_is_unapproved_drift_and_not_applied(repo: Path, tmp_path: Path) -> None:
    pushed = commit(repo, {CREDIT: set_stage("production", "1.2.0")}, "yolo", when=MERGE_AT_Z)
    code, out = run_apply(repo)
    assert code == 1
    assert "unapproved-drift" in out
    assert pushed[:12] in out
    assert head(repo) == pushed  # nothing committed
    code, data = run_apply_json(repo)
    refused = data["refused"]
    assert [(r["model"], r["stage"], r["commit"], r["kind"]) for r in refused] == [
        ("credit", "production", pushed, "unapproved-drift")
    ]


def test_a_merged_pr_without_enough_approvals_is_not_applied(repo: Path, tmp_path: Path) -> None:
    pr_head, merge, _ = promote_credit(repo, tmp_path)
    one = approvals(tmp_path, "one", pr_head, ("priya-validation",))
    code, out = run_apply(repo, "--approvals", str(one))
    assert code == 1
    assert "re-check-pending" in out
    assert "production-high-risk/approvals" in out
    assert head(repo) == merge


def test_other_changes_are_applied_when_one_is_refused(repo: Path, tmp_path: Path) -> None:
    _, _, file = promote_credit(repo, tmp_path)
    pushed = commit(repo, {DIABETES: set_stage("production", "1.1.0")}, "push", when=MERGE_AT_Z)
    code, out = run_apply(repo, "--approvals", str(file))
    assert code == 1
    assert pushed[:12] in out
    assert head(repo, "HEAD^") == pushed
    assert changes(ledger_at(repo)[-1:]) == [("stage.promoted", "credit", "production", "1.2.0")]


def test_rollback_goes_through_the_lighter_policy(repo: Path, tmp_path: Path) -> None:
    _, _, file = promote_credit(repo, tmp_path)
    assert run_apply(repo, "--approvals", str(file))[0] == 0
    back_head, _ = merge_pr(
        repo, {CREDIT: set_stage("production", "1.1.0")}, branch="back", at="2024-07-11T08:00:00Z"
    )
    oncall = approvals(tmp_path, "back", back_head, ("kai-oncall",), number=13)
    code, out = run_apply(repo, "--approvals", str(oncall))
    assert code == 0, out
    entry = ledger_at(repo)[-1]
    assert changes([entry]) == [("stage.rollback", "credit", "production", "1.1.0")]
    assert entry.change.from_ == "1.2.0"
    assert [r.policy for r in entry.rules if r.type == "approvals"] == ["rollback"]
    assert "credit production rollback 1.2.0 -> 1.1.0 (PR #13)" in out


def test_a_stage_removal_is_applied_and_its_manifest_removed(repo: Path, tmp_path: Path) -> None:
    assert (repo / "deploy/staging/breast-cancer.json").is_file()
    pr_head, _ = merge_pr(repo, {BREAST_CANCER: replace("    staging: 1.1.0\n", "")}, branch="rm")
    file = approvals(tmp_path, "rm", pr_head, ("henrik-mrm",))
    code, out = run_apply(repo, "--approvals", str(file))
    assert code == 0, out
    entry = ledger_at(repo)[-1]
    assert changes([entry]) == [("stage.removed", "breast-cancer", "staging", None)]
    assert (entry.change.from_, entry.change.version) == ("1.1.0", "1.1.0")
    assert entry.reports[0].path == "audit/reports/breast-cancer/000006-staging-1.1.0.md"
    assert not (repo / "deploy/staging/breast-cancer.json").exists()
    assert "D\tdeploy/staging/breast-cancer.json" in run_git(
        repo, "show", "--name-status", "--format=", "HEAD"
    )


def test_two_prs_merged_before_one_apply_are_applied_in_merge_order(
    repo: Path, tmp_path: Path
) -> None:
    head_a, merge_a = merge_pr(
        repo, {CREDIT: set_stage("production", "1.2.0")}, branch="a", at="2024-07-10T09:00:00Z"
    )
    head_b, merge_b = merge_pr(
        repo,
        {
            DIABETES: replace(
                "    production: 1.0.0\n", "    staging: 1.0.0\n    production: 1.0.0\n"
            )
        },
        branch="b",
        at="2024-07-10T10:00:00Z",
    )
    file_a = approvals(tmp_path, "a", head_a, number=1)
    file_b = approvals(tmp_path, "b", head_b, ("tobias-ml",), number=2)
    code, out = run_apply(repo, "--approvals", str(file_b), "--approvals", str(file_a))
    assert code == 0, out
    entries = ledger_at(repo)
    assert changes(entries[-2:]) == [
        ("stage.promoted", "credit", "production", "1.2.0"),
        ("stage.promoted", "diabetes", "staging", "1.0.0"),
    ]
    assert [e.merge_commit for e in entries[-2:]] == [merge_a, merge_b]
    assert [e.seq for e in entries[-2:]] == [6, 7]
    assert chain_ok(entries)
    assert run_git(repo, "log", "-1", "--format=%B").splitlines()[:4] == [
        "modelops-gitops apply: 2 changes",
        "",
        "- credit production 1.1.0 -> 1.2.0 (PR #1) [seq 6]",
        "- diabetes staging (none) -> 1.0.0 (PR #2) [seq 7]",
    ]
    assert (repo / "deploy/staging/diabetes.json").is_file()


def test_a_squash_merge_is_recognised_by_its_merge_commit(repo: Path, tmp_path: Path) -> None:
    pr_head, squash = merge_pr(
        repo, {CREDIT: set_stage("production", "1.2.0")}, branch="sq", squash=True
    )
    assert run_git(repo, "rev-list", "--parents", "-n1", "HEAD").count(" ") == 1
    unnamed = approvals(tmp_path, "unnamed", pr_head)
    code, out = run_apply(repo, "--approvals", str(unnamed))
    assert code == 1  # a single-parent commit no file names is a direct push
    assert "unapproved-drift" in out
    named = approvals(tmp_path, "named", pr_head, merge_commit=squash, number=14)
    code, out = run_apply(repo, "--approvals", str(named))
    assert code == 0, out
    entry = ledger_at(repo)[-1]
    assert (entry.merge_commit, entry.pr.head_sha, entry.pr.number) == (squash, pr_head, 14)
    assert [a.commit for a in entry.approvals] == [pr_head, pr_head]


def test_a_squash_merge_whose_pr_head_is_gone_is_judged_as_the_squash_commit(
    repo: Path, tmp_path: Path
) -> None:
    pr_head, squash = merge_pr(
        repo, {CREDIT: set_stage("production", "1.2.0")}, branch="gone", squash=True
    )
    run_git(repo, "branch", "-D", "gone")
    run_git(repo, "reflog", "expire", "--expire=now", "--all")
    run_git(repo, "gc", "--quiet", "--prune=now")
    named = approvals(tmp_path, "gone", pr_head, merge_commit=squash)
    code, out = run_apply(repo, "--approvals", str(named))
    assert code == 0, out
    assert ledger_at(repo)[-1].approvals[0].commit == squash


def test_dry_run_writes_nothing(repo: Path, tmp_path: Path) -> None:
    _, merge, file = promote_credit(repo, tmp_path)
    before = snapshot(repo), run_git(repo, "for-each-ref"), run_git(repo, "status", "--porcelain")
    code, out = run_apply(repo, "--dry-run", "--push", "--tag", "--approvals", str(file))
    assert code == 0, out
    assert "would apply credit production 1.1.0 -> 1.2.0 (PR #12)" in out.replace("  ", " ")
    after = snapshot(repo), run_git(repo, "for-each-ref"), run_git(repo, "status", "--porcelain")
    assert after == before
    assert head(repo) == merge


def test_tag_creates_gto_tags_and_push_publishes_them(repo: Path, tmp_path: Path) -> None:
    _, _, file = promote_credit(repo, tmp_path)
    code, out = run_apply(repo, "--approvals", str(file), "--tag", "--push")
    assert code == 0, out
    tags = run_git(repo, "tag").splitlines()
    # the example's first commit registers credit 1.0.0-1.2.0 at once: GTO allows one version
    # per commit, so only the highest is tagged there (tests/test_gto_interop.py runs gto)
    assert {"credit@v1.2.0", "diabetes@v1.0.0", "breast-cancer@v1.1.0"} <= set(tags)
    assert not {"credit@v1.0.0", "credit@v1.1.0"} & set(tags)
    # adoption assigned credit production (1: 1.1.0, untaggable) and staging (2: 1.2.0); the
    # promotion is the third
    assert {"credit#staging#2", "credit#production#3"} <= set(tags)
    assert "credit#production#1" not in tags
    assert run_git(repo, "cat-file", "-t", "credit#production#3") == "tag"  # annotated
    registered = run_git(repo, "rev-parse", "credit@v1.2.0^{commit}")
    assert run_git(repo, "rev-parse", "credit#production#3^{commit}") == registered
    remote_tags = run_git(repo, "ls-remote", "--tags", "origin")
    assert "refs/tags/credit#production#3" in remote_tags
    again, out = run_apply(repo, "--tag", "--push")
    assert again == 0, out
    assert "tagged" not in out


def test_leftovers_of_an_interrupted_apply_are_discarded(repo: Path, tmp_path: Path) -> None:
    _, _, file = promote_credit(repo, tmp_path)
    (repo / "audit/reports/credit/000006-production-1.2.0.md").write_text("half")
    (repo / LEDGER_PATH).write_bytes(b"garbage\n")
    (repo / "deploy/.credit.json.tmp").write_text("x")
    code, out = run_apply(repo, "--approvals", str(file))
    assert code == 0, out
    assert "discarded 3 leftover file(s)" in out
    assert chain_ok(ledger_at(repo))
    assert not (repo / "deploy/.credit.json.tmp").exists()
    assert run_git(repo, "status", "--porcelain") == ""


def test_the_push_is_retried_when_the_remote_moved(repo: Path, tmp_path: Path) -> None:
    _, _, file = promote_credit(repo, tmp_path)
    run_git(repo, "push", "--quiet", "origin", "main")
    other = tmp_path / "other"
    run_git(tmp_path, "clone", "--quiet", str(tmp_path / "origin.git"), str(other))
    moved = commit(other, {"README.md": "hello\n"}, "docs", when="2024-07-10T11:00:00Z")
    run_git(other, "push", "--quiet", "origin", "main")
    code, out = run_apply(repo, "--approvals", str(file), "--push", "--retries", "1")
    assert code == 4
    assert "rejected 1 times" in out
    code, out = run_apply(repo, "--approvals", str(file), "--push")
    assert code == 0, out
    remote_main = run_git(repo, "--git-dir", str(tmp_path / "origin.git"), "rev-parse", "main")
    assert head(repo) == remote_main
    assert head(repo, "HEAD^") == moved
    assert changes(ledger_at(repo)[-1:]) == [("stage.promoted", "credit", "production", "1.2.0")]


def test_local_commits_that_are_not_applies_are_never_reset_away(
    repo: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    run_git(tmp_path, "clone", "--quiet", str(tmp_path / "origin.git"), str(other))
    commit(other, {"README.md": "hello\n"}, "docs", when="2024-07-10T11:00:00Z")
    run_git(other, "push", "--quiet", "origin", "main")
    mine = commit(repo, {"NOTES.md": "local\n"}, "local work", when="2024-07-10T12:00:00Z")
    code, out = run_apply(repo, "--push")
    assert code == 4
    assert mine[:12] in out
    assert head(repo) == mine


# --- bad input: exit 2, nothing written, no commit ------------------------------------------


def _unchanged(repo: Path, before: str, code: int, out: str) -> None:
    assert code == 2, out
    assert "Traceback" not in out
    assert head(repo) == before


def test_not_on_the_default_branch(repo: Path, tmp_path: Path) -> None:
    run_git(repo, "checkout", "--quiet", "-b", "feature")
    before = head(repo)
    code, out = run_apply(repo)
    _unchanged(repo, before, code, out)
    assert "default branch 'main'" in out
    assert "'feature'" in out
    run_git(repo, "checkout", "--quiet", "--detach")
    code, out = run_apply(repo)
    assert code == 2
    assert "detached" in out


def test_a_dirty_tree_is_refused_naming_the_files(repo: Path) -> None:
    before = head(repo)
    (repo / DIABETES).write_text((repo / DIABETES).read_text() + "\n# edit\n")
    (repo / "new.txt").write_text("x")
    code, out = run_apply(repo)
    _unchanged(repo, before, code, out)
    assert DIABETES in out
    assert "new.txt" in out


def test_a_corrupt_ledger_line_stops_apply_at_its_line(repo: Path) -> None:
    """A broken chain is a blocking violation (exit 1), named, nothing written."""
    lines = (repo / LEDGER_PATH).read_bytes().splitlines(keepends=True)
    lines[2] = b'{"seq": "x"}\n'
    before = commit(repo, {LEDGER_PATH: b"".join(lines).decode()}, "break", when=MERGE_AT_Z)
    code, out = run_apply(repo)
    assert code == 1, out
    assert "Traceback" not in out
    assert head(repo) == before
    assert f"first: {LEDGER_PATH}:3" in out


@pytest.mark.parametrize("committed", [True, False])
def test_a_symlink_under_audit_or_deploy_is_refused(repo: Path, committed: bool) -> None:
    link = repo / ("audit/reports/evil" if committed else "deploy/production/evil.json")
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink("/etc/passwd", link)
    if committed:
        run_git(repo, "add", "audit/reports/evil")
        run_git(repo, "commit", "--quiet", "-m", "link")
    before = head(repo)
    code, out = run_apply(repo)
    _unchanged(repo, before, code, out)
    assert "symlink" in out or "120000" in out
    assert os.path.islink(link)


def test_an_unknown_deploy_target_names_the_settings_line(repo: Path) -> None:
    text = (repo / "modelops.yaml").read_text()
    text += "  deploy:\n    targets: [manifest, seldon]\n"
    before = commit(repo, {"modelops.yaml": text}, "targets", when=MERGE_AT_Z)
    code, out = run_apply(repo)
    _unchanged(repo, before, code, out)
    line = text.splitlines().index("    targets: [manifest, seldon]") + 1
    assert f"modelops.yaml:{line}" in out
    assert "spec.deploy.targets[1]" in out
    assert "seldon" in out
    assert "kserve" in out  # the installed ones are listed


def test_the_manifest_target_is_registered_as_an_entry_point() -> None:
    import tomllib

    from modelops_gitops.apply import targets

    data = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    points = data["project"]["entry-points"][targets.ENTRY_POINT_GROUP]
    module, _, name = points["manifest"].partition(":")
    assert getattr(__import__(module, fromlist=[name]), name) is targets.ManifestTarget
    assert "manifest" in targets.available()


def test_reviews_submitted_after_the_merge_do_not_count(repo: Path, tmp_path: Path) -> None:
    """An approval given after the merge approved nothing that merged: apply refuses."""
    pr_head, merge, _ = promote_credit(repo, tmp_path)
    late = tmp_path / "late.json"
    data = json.loads(approvals(tmp_path, "late", pr_head).read_text(encoding="utf-8"))
    data["merged_at"] = "2024-01-01T00:00:00Z"  # every review came after
    late.write_text(json.dumps(data), encoding="utf-8")
    code, out = run_apply(repo, "--approvals", str(late))
    assert code == 1, out
    assert "production-high-risk/approvals" in out
    assert head(repo) == merge
