"""A governed repository whose ledger and reports record everything on main, as `apply`
would have: built with `ledger.chain()` and real files, committed in one apply commit.

    2024-05-01 12:00Z  initial commit            -> one stage.adopted entry per stage held
    2024-06-03 09:00Z  credit production 1.1.0   -> stage.promoted (PR #11, two approvals)
    2024-07-01 09:00Z  credit staging 1.2.0      -> stage.promoted (PR #12, one approval)
    2024-07-02 09:00Z  the apply commit: audit/ledger.jsonl, three reports per entry, and
                       deploy/<stage>/<model>.json of every stage held
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from plan_fixtures import commit, governed_repo, run_git

from modelops_gitops import git
from modelops_gitops.audit.ledger import (
    LEDGER_PATH,
    REPORTS_DIR,
    GateSummary,
    LedgerApproval,
    LedgerChange,
    LedgerEntry,
    PullRequestRef,
    ReportRef,
    RuleOutcome,
    chain,
    serialize,
)
from modelops_gitops.digest import sha256_bytes
from modelops_gitops.repo.history import stages_at

APPLY_AT = "2024-07-02T09:00:00+00:00"
MODELS = ("breast-cancer", "credit", "diabetes")


def report_files(seq: int, change: LedgerChange, prev_hash: str) -> dict[str, bytes]:
    stem = f"{REPORTS_DIR}/{change.model}/{seq:06d}-{change.stage}-{change.version}"
    title = f"{change.model} {change.stage}: {change.from_ or '(none)'} -> {change.to}"
    return {
        f"{stem}.md": f"# {title}\n\nChain: extends {prev_hash}\n".encode(),
        f"{stem}.json": json.dumps({"seq": seq, "change": title, "prev": prev_hash}).encode(),
        f"{stem}.html": f"<!doctype html><title>{title}</title><p>{prev_hash}</p>\n".encode(),
    }


def _draft(
    change: LedgerChange, sha: str, time: str, pr: PullRequestRef, approvals: int
) -> LedgerEntry:
    people = [("priya-validation", ("model-risk",)), ("henrik-mrm", ("model-risk", "mrm"))]
    return LedgerEntry(
        seq=1,
        prev_hash="",
        time=time,
        change=change,
        merge_commit=sha,
        pr=pr,
        approvals=tuple(
            LedgerApproval(login=login, teams=teams, commit=sha, submitted_at=time)
            for login, teams in people[:approvals]
        ),
        policy_set_sha256="e" * 64,
        rules=(
            RuleOutcome(
                policy="production-high-risk", rule="four-eyes", type="approvals", result="pass"
            ),
        ),
        gates=(
            GateSummary(gate="test", rule="quality", status="pass", summary="roc_auc 0.83 >= 0.75"),
        ),
    )


def _change(kind: str, model: str, stage: str, frm: str | None, to: str) -> LedgerChange:
    return LedgerChange.model_validate(
        {"kind": kind, "model": model, "stage": stage, "version": to, "from": frm, "to": to}
    )


def ledger_drafts(repo: Path) -> list[LedgerEntry]:
    log = run_git(repo, "log", "--first-parent", "--reverse", "--format=%H %cI", "main")
    commits = [line.split() for line in log.splitlines()]
    (init, init_at), (prod, prod_at), (staging, staging_at) = commits[:3]
    z = lambda t: t.replace("+00:00", "Z")  # noqa: E731
    drafts = []
    for model in MODELS:
        for stage, version in sorted(
            stages_at(git.LocalHistory(repo), init, f"models/{model}/model.yaml").items()
        ):
            change = _change("stage.adopted", model, stage, None, version)
            drafts.append(_draft(change, init, z(init_at), PullRequestRef(), 0))
    drafts.append(
        _draft(
            _change("stage.promoted", "credit", "production", "1.0.0", "1.1.0"),
            prod,
            z(prod_at),
            PullRequestRef(number=11, title="Promote credit 1.1.0", author="jonas-credit"),
            2,
        )
    )
    drafts.append(
        _draft(
            _change("stage.promoted", "credit", "staging", "1.1.0", "1.2.0"),
            staging,
            z(staging_at),
            PullRequestRef(number=12, title="credit 1.2.0 to staging", author="jonas-credit"),
            1,
        )
    )
    return drafts


def sealed_with_reports(drafts: list[LedgerEntry]) -> tuple[list[LedgerEntry], dict[str, bytes]]:
    """The drafts chained, each with its three reports (hashed into the entry)."""
    entries: list[LedgerEntry] = []
    files: dict[str, bytes] = {}
    for draft in drafts:
        placed = chain(entries, [draft])[0].model_copy(update={"hash": ""})
        reports = report_files(placed.seq, placed.change, placed.prev_hash)
        refs = tuple(ReportRef(path=p, sha256=sha256_bytes(d)) for p, d in reports.items())
        entries.append(placed.model_copy(update={"reports": refs}).sealed())
        files |= reports
    return entries, files


def applied_repo(
    tmp_path: Path, edit: Callable[[list[LedgerEntry]], list[LedgerEntry]] | None = None
) -> tuple[Path, list[LedgerEntry]]:
    """The governed example with its whole history applied and committed; `edit` may change
    the entries before they are sealed."""
    repo = governed_repo(tmp_path)
    drafts = ledger_drafts(repo)
    entries, files = sealed_with_reports(edit(drafts) if edit else drafts)
    edits: dict[str, str | None] = {}
    write_ledger(repo, entries)
    for path, data in {**files, **deploy_files(repo, entries)}.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_bytes(data)
    commit(repo, edits, "modelops-gitops apply: the history so far", when=APPLY_AT)
    return repo, entries


def deploy_files(repo: Path, entries: list[LedgerEntry]) -> dict[str, bytes]:
    """deploy/ as the manifest target writes it for `entries` (the models in the work tree)."""
    from modelops_gitops.apply.deploy_state import expected
    from modelops_gitops.apply.targets import ManifestTarget
    from modelops_gitops.repo.state import load_state
    from modelops_gitops.repo.tree import WorkTree

    wanted = expected(entries, load_state(WorkTree(repo)), [ManifestTarget()])
    return {path: data for path, (data, _) in wanted.items() if data is not None}


def write_ledger(repo: Path, entries: list[LedgerEntry]) -> None:
    (repo / LEDGER_PATH).parent.mkdir(parents=True, exist_ok=True)
    (repo / LEDGER_PATH).write_bytes(serialize(entries))


def ledger_lines(repo: Path) -> list[bytes]:
    return (repo / LEDGER_PATH).read_bytes().splitlines(keepends=True)


def write_lines(repo: Path, lines: list[bytes]) -> None:
    (repo / LEDGER_PATH).write_bytes(b"".join(lines))


def verify_json(cli: Any, repo: Path, *extra: str) -> dict[str, Any]:
    """`audit verify --format json` through the CLI: no traceback, and the exit code agrees
    with the verdict (0 intact, 1 broken)."""
    result = cli("audit", "verify", "--repo", str(repo), "--format", "json", *extra)
    assert "Traceback" not in result.output, result.output
    data: dict[str, Any] = json.loads(result.out)
    assert result.code == (0 if data["intact"] else 1), result
    return data


def kinds(data: dict[str, Any]) -> list[str]:
    """The kinds of the problems a verify verdict names, in order."""
    found = data["problems"]
    assert isinstance(found, list)
    return [p["kind"] for p in found]
