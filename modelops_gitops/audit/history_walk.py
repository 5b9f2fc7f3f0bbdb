"""Append-only across history: the checks `audit verify` runs on every commit of the default
branch's first-parent history, so a forward commit cannot cut, rewrite or launder the ledger.

    walk(commits, reads, known) -> {commit: breaks}   (known: commits judged before, cached)

From the commit that creates the ledger on (commits before it are not governed yet), every
commit that changes audit/ must be an apply commit (a commit that edits only deploy/ files
leaves the ledger alone: deploy/ at HEAD is compared with what the ledger implies, and apply
repairs it with a `deploy.repaired` entry, so the edit stays on record):

    mixed-commit         it changes nothing outside audit/ and deploy/ (a commit that moves desired stages and the
                         ledger together is a direct push dressed as an apply)
    ledger-cut           the ledger at the commit is a strict prefix of its parent's (or gone)
    ledger-rewritten     the ledger does not extend its parent's byte for byte
    apply-without-entry  it changes audit/ but appends no entry
    entry-not-ancestor   an appended entry's merge_commit is not on the mainline before it
    entry-time           an entry's time is not its merge commit's committer time
    entry-claim          the merge did not make the change the entry claims (re-derived from
                         the merge's first-parent diff of the model file)
    unsigned             signers are declared (at the parent) and the commit carries no good
                         signature by one of them (see signers.py)

A commit's judgement depends only on it and its ancestors, so it is cached by commit id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError

from modelops_gitops.audit.ledger import LEDGER_PATH, LedgerEntry
from modelops_gitops.audit.verdict import Break
from modelops_gitops.git import MainlineCommit
from modelops_gitops.repo.tree import AUDIT_DIR, DEPLOY_DIR
from modelops_gitops.times import iso_utc

OWNED = (AUDIT_DIR, DEPLOY_DIR)
CLAIMED = ("stage.promoted", "stage.rollback", "stage.removed")


def owned(path: str) -> bool:
    return path.split("/", 1)[0] in OWNED


@dataclass(frozen=True)
class Reads:
    """What the walk asks of git: the ledger's bytes at a commit (None: absent), the
    `spec.stages` of a model at a commit, and why a commit's signature is not acceptable
    ("" when it is, or when no signers are declared at its parent)."""

    ledger_at: Callable[[str], bytes | None]
    stages_at: Callable[[str, str], Mapping[str, str]]
    signature_problem: Callable[[MainlineCommit], str]


def walk(
    commits: Sequence[MainlineCommit], reads: Reads, known: Mapping[str, list[Break]]
) -> dict[str, list[Break]]:
    """Every commit of `commits` (a first-parent history, oldest first) judged; `known`
    answers for commits judged before."""
    index = {c.sha: i for i, c in enumerate(commits)}
    out: dict[str, list[Break]] = {}
    for i, commit in enumerate(commits):
        found = known.get(commit.sha)
        if found is None:
            parent = commits[i - 1].sha if i else None
            found = _judge(commit, parent, commits, index, reads)
        out[commit.sha] = found
    return out


def _judge(
    commit: MainlineCommit,
    parent: str | None,
    commits: Sequence[MainlineCommit],
    index: Mapping[str, int],
    reads: Reads,
) -> list[Break]:
    mine = [p for p in commit.paths if owned(p)]
    if not any(p.split("/", 1)[0] == AUDIT_DIR for p in mine):
        return []  # deploy/ alone: judged against the ledger at HEAD, repaired by apply
    old = reads.ledger_at(parent) if parent else None
    if not old and LEDGER_PATH not in commit.paths:
        return []  # no ledger yet: audit/ and deploy/ are not governed before adoption
    sha = commit.sha[:12]
    breaks: list[Break] = []
    other = [p for p in commit.paths if not owned(p)]
    if other:
        shown = ", ".join(other[:3]) + (f" and {len(other) - 3} more" if len(other) > 3 else "")
        message = (
            f"commit {sha} changes audit/ or deploy/ together with {shown}: only an apply "
            "commit may change audit/ or deploy/, and it changes nothing else"
        )
        breaks.append(_at(commit, "mixed-commit", message, other[0]))
    problem = reads.signature_problem(commit)
    if problem:
        breaks.append(_at(commit, "unsigned", f"commit {sha} changes {mine[0]}: {problem}"))
    old = old or b""
    new = reads.ledger_at(commit.sha) or b""
    if not new.startswith(old):
        breaks.append(_not_extended(commit, old, new))
        return breaks
    appended = new[len(old) :]
    if not appended:
        message = f"commit {sha} changes {mine[0]} without appending a ledger entry"
        breaks.append(_at(commit, "apply-without-entry", message, mine[0]))
        return breaks
    first_line = old.count(b"\n") + 1
    for offset, raw in enumerate(appended.splitlines()):
        breaks += _claims(commit, first_line + offset, raw, commits, index, reads)
    return breaks


def _at(commit: MainlineCommit, kind: str, message: str, path: str = LEDGER_PATH) -> Break:
    return Break(0, kind, message, path=path, commit=commit.sha)


def _not_extended(commit: MainlineCommit, old: bytes, new: bytes) -> Break:
    sha = commit.sha[:12]
    old_lines, new_lines = old.splitlines(), new.splitlines()
    if old.startswith(new):
        cut = len(old_lines) - len(new_lines)
        message = (
            f"commit {sha} cuts the ledger: {cut} entr{'y' if cut == 1 else 'ies'} removed "
            f"(lines {len(new_lines) + 1}-{len(old_lines)} of its parent's)"
        )
        return _at(commit, "ledger-cut", message)
    line = next(
        (n for n, (a, b) in enumerate(zip(old_lines, new_lines, strict=False), 1) if a != b),
        min(len(old_lines), len(new_lines)) + 1,
    )
    message = (
        f"commit {sha} rewrites the ledger from line {line}: it does not extend its "
        "parent's ledger byte for byte"
    )
    return _at(commit, "ledger-rewritten", message)


def _claims(
    commit: MainlineCommit,
    line: int,
    raw: bytes,
    commits: Sequence[MainlineCommit],
    index: Mapping[str, int],
    reads: Reads,
) -> list[Break]:
    """An appended entry: its merge commit on the mainline before `commit`, its time that
    commit's, and its change what that commit introduced."""
    try:
        entry = LedgerEntry.model_validate_json(raw)
    except ValidationError:
        return []  # the chain check names an unreadable line
    sha = commit.sha[:12]
    where = f"line {line} (seq {entry.seq}), appended by {sha}"
    position = index.get(entry.merge_commit)
    if position is None or position >= index[commit.sha]:
        message = (
            f"{where}: merge commit {entry.merge_commit[:12] or '(none)'} is not on the "
            "branch's first-parent history before the commit that recorded it"
        )
        return [_at(commit, "entry-not-ancestor", message)]
    merge = commits[position]
    breaks: list[Break] = []
    if entry.time != iso_utc_seconds(merge.time):
        message = (
            f"{where}: time {entry.time} is not the committer time of merge commit "
            f"{merge.sha[:12]} ({iso_utc_seconds(merge.time)})"
        )
        breaks.append(_at(commit, "entry-time", message))
    change = entry.change
    if change.kind not in (*CLAIMED, "stage.adopted"):
        return breaks
    after = reads.stages_at(merge.sha, change.model).get(change.stage)
    before = None
    if change.kind in CLAIMED and position > 0:
        before = reads.stages_at(commits[position - 1].sha, change.model).get(change.stage)
    made = after == change.to and (change.kind == "stage.adopted" or before != change.to)
    if not made:
        did = f"{before or '(none)'} -> {after or '(none)'}"
        message = (
            f"{where}: claims {change.model}/{change.stage} "
            f"{change.from_ or '(none)'} -> {change.to or '(removed)'} ({change.kind}) by "
            f"{merge.sha[:12]}, but that commit made it {did}"
        )
        breaks.append(_at(commit, "entry-claim", message))
    return breaks


def iso_utc_seconds(stamp: int) -> str:
    return iso_utc(datetime.fromtimestamp(stamp, tz=UTC))


def breaks_of(judged: Mapping[str, list[Break]]) -> list[Break]:
    return [b for found in judged.values() for b in found]
